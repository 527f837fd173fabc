package backend

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// IndexSet is a set of index slots: slot n (1 ... MaxIndexes) stands for
// the index GSI<n>. The zero IndexSet is empty: a table with no secondary
// index.
type IndexSet uint8

// AllIndexes holds every slot, GSI1 ... GSI<MaxIndexes>.
const AllIndexes IndexSet = 1<<MaxIndexes - 1

// NewIndexSet returns the set of the slots, or an error wrapping
// ErrInvalidArgument when a slot is not between 1 and MaxIndexes or
// appears twice.
func NewIndexSet(slots ...int) (IndexSet, error) {
	var s IndexSet
	for _, n := range slots {
		switch {
		case n < 1 || n > MaxIndexes:
			return 0, fmt.Errorf("%w: index slot %d is not between 1 and %d", ErrInvalidArgument, n, MaxIndexes)
		case s.Has(n):
			return 0, fmt.Errorf("%w: index slot %d given twice", ErrInvalidArgument, n)
		}
		s |= 1 << (n - 1)
	}
	return s, nil
}

// FirstIndexes returns the set of the slots 1 ... n; n must be between 0
// and MaxIndexes.
func FirstIndexes(n int) IndexSet {
	if n <= 0 {
		return 0
	}
	return AllIndexes >> (MaxIndexes - min(n, MaxIndexes))
}

// Has reports whether slot n is in the set.
func (s IndexSet) Has(n int) bool {
	return n >= 1 && n <= MaxIndexes && s&(1<<(n-1)) != 0
}

// Len returns how many slots the set holds.
func (s IndexSet) Len() int {
	c := 0
	for n := 1; n <= MaxIndexes; n++ {
		if s.Has(n) {
			c++
		}
	}
	return c
}

// Slots returns the slots of the set in ascending order.
func (s IndexSet) Slots() []int {
	var slots []int
	for n := 1; n <= MaxIndexes; n++ {
		if s.Has(n) {
			slots = append(slots, n)
		}
	}
	return slots
}

// String returns the index names of the set, "GSI1, GSI3", or "no index".
func (s IndexSet) String() string {
	if s&AllIndexes == 0 {
		return "no index"
	}
	var names []string
	for _, n := range s.Slots() {
		names = append(names, IndexName(n))
	}
	return strings.Join(names, ", ")
}

// IndexReporter is implemented by backends that can say which of the index
// slots their table has. The repository uses it to refuse an entity type
// whose index is in a slot the table lacks: when it is made, if the
// backend knows without a request, else at the first query of the index.
type IndexReporter interface {
	// KnownIndexes returns, without a request, the slots the table has
	// as far as the backend knows, and whether that is what the table
	// was found to have (true) or only what the backend was configured
	// with, not yet checked against the table (false). A slot outside
	// the set is missing either way.
	KnownIndexes() (slots IndexSet, checked bool)

	// TableIndexes returns the slots the table has, asking the store
	// when the backend has not looked yet (then the answer is kept).
	TableIndexes(ctx context.Context) (IndexSet, error)
}

// IndexSourceValue returns the value attribute a of item gives an index
// key, the rule package repo writes index keys by and ops' reindex
// repairs them by: a non-empty string is the value (true); a missing,
// NULL or empty string attribute puts the item in no index (false); an
// attribute of any other type is an error (DynamoDB's index keys are
// strings).
func IndexSourceValue(item Item, a string) (string, bool, error) {
	switch v := item[a].(type) {
	case nil, *types.AttributeValueMemberNULL:
		return "", false, nil
	case *types.AttributeValueMemberS:
		return v.Value, v.Value != "", nil
	default:
		return "", false, fmt.Errorf("attribute %q is a %T; index attributes must be strings", a, v)
	}
}
