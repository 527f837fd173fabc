package backend

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Item is one stored item: attribute names to DynamoDB attribute values,
// including the key attributes "PK" and "SK".
type Item = map[string]types.AttributeValue

// Key addresses one item of the table.
type Key struct {
	PK string // partition key, "tenant#<tenantID>"
	SK string // sort key, "<prefix>#<entityID>"
}

// Condition is a precondition on the item a write addresses. A write whose
// condition does not hold changes nothing and returns ErrConditionFailed.
type Condition uint8

const (
	// Always puts no condition on the write.
	Always Condition = iota
	// IfExists lets the write through only when the item exists.
	IfExists
	// IfNotExists lets the write through only when the item does not exist.
	IfNotExists
)

// String returns the condition's name.
func (c Condition) String() string {
	switch c {
	case Always:
		return "Always"
	case IfExists:
		return "IfExists"
	case IfNotExists:
		return "IfNotExists"
	}
	return "Condition(?)"
}

// GetInput addresses an item to read.
type GetInput struct {
	Key            Key
	ConsistentRead bool
}

// PutInput is an item to write whole, replacing any item with its key.
type PutInput struct {
	Item      Item // holds "PK" and "SK"
	Condition Condition
}

// UpdateInput changes some attributes of one item and leaves the rest.
// Like DynamoDB's UpdateItem, an update with condition Always creates the
// item when it is missing.
type UpdateInput struct {
	Key       Key
	Set       Item     // top-level attributes to set; never "PK" or "SK"
	Remove    []string // top-level attributes to remove; never "PK" or "SK"
	Condition Condition
}

// DeleteInput addresses an item to delete. Deleting a missing item with
// condition Always succeeds.
type DeleteInput struct {
	Key       Key
	Condition Condition
}

// RangeOp says how a query selects sort keys.
type RangeOp uint8

const (
	// BeginsWith selects sort keys that start with SortRange.Lo.
	BeginsWith RangeOp = iota
	// Between selects sort keys from SortRange.Lo to SortRange.Hi, both
	// included. Lo is not greater than Hi.
	Between
)

// SortRange selects the sort keys of a query.
type SortRange struct {
	Op     RangeOp
	Lo, Hi string
}

// Contains reports whether sk is selected by r, comparing bytes as DynamoDB
// compares strings.
func (r SortRange) Contains(sk string) bool {
	if r.Op == BeginsWith {
		return len(sk) >= len(r.Lo) && sk[:len(r.Lo)] == r.Lo
	}
	return r.Lo <= sk && sk <= r.Hi
}

// QueryInput reads one page of items of one partition, in sort-key order.
type QueryInput struct {
	PK             string
	Range          SortRange
	Descending     bool
	Limit          int  // at least 1: the most items the page may hold
	StartKey       *Key // exclusive start: the LastKey of the page before
	ConsistentRead bool
}

// QueryOutput is one page of a query.
type QueryOutput struct {
	Items []Item
	// LastKey is the key of the last item the query evaluated, set when the
	// query stopped at its Limit or at MaxPageBytes, as DynamoDB's
	// LastEvaluatedKey is. It may be set even when nothing follows.
	LastKey *Key
}

// Backend stores the items of one table for all tenants. It knows nothing of
// tenants or entity types: the repository builds every key and checks every
// input before a backend sees it. Implementations must be safe for
// concurrent use.
//
// Errors a backend returns wrap the kinds declared in this package when they
// apply (ErrNotFound, ErrConditionFailed, ErrItemTooLarge,
// ErrInvalidArgument, ErrInvalidStartKey, ErrThrottled); context errors are
// returned as they are.
type Backend interface {
	// RegisterPrefix records that the Go type named owner stores its items
	// under the sort-key prefix. Registering a prefix again for the same
	// owner succeeds; for another owner it returns ErrDuplicatePrefix.
	// Embedding a Registry implements it.
	RegisterPrefix(prefix, owner string) error
	// Get returns a copy of the item, or ErrNotFound.
	Get(ctx context.Context, in GetInput) (Item, error)
	// Put writes the item when its condition holds, else returns
	// ErrConditionFailed.
	Put(ctx context.Context, in PutInput) error
	// Update applies the change when its condition holds and returns the
	// whole item as it is afterwards; else ErrConditionFailed.
	Update(ctx context.Context, in UpdateInput) (Item, error)
	// Delete removes the item when its condition holds, else returns
	// ErrConditionFailed.
	Delete(ctx context.Context, in DeleteInput) error
	// Query returns one page of the items of in.PK whose sort keys are in
	// in.Range, at most in.Limit of them and at most MaxPageBytes of item
	// data, starting after in.StartKey.
	Query(ctx context.Context, in QueryInput) (QueryOutput, error)
}
