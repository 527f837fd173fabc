package testfixture

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
)

// S returns the string attribute value v.
func S(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

// N returns the number attribute value v.
func N(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }

// Item returns an item with partition key pk, sort key sk and the
// attributes given as name, value pairs (a string, then a
// types.AttributeValue).
func Item(pk, sk string, attrs ...any) backend.Item {
	it := backend.Item{"PK": S(pk), "SK": S(sk)}
	for i := 0; i < len(attrs); i += 2 {
		it[attrs[i].(string)] = attrs[i+1].(types.AttributeValue)
	}
	return it
}

// Key returns the key of partition key pk and sort key sk.
func Key(pk, sk string) backend.Key { return backend.Key{PK: pk, SK: sk} }

// Get reads the item of key k from b consistently, or returns nil when it
// is missing; any other error fails the test.
func Get(t testing.TB, b backend.Backend, k backend.Key) backend.Item {
	t.Helper()
	it, err := b.Get(t.Context(), backend.GetInput{Key: k, ConsistentRead: true})
	if errors.Is(err, backend.ErrNotFound) {
		return nil
	}
	require.NoError(t, err)
	return it
}

// Put writes it to b unconditionally; an error fails the test.
func Put(t testing.TB, b backend.Backend, it backend.Item) {
	t.Helper()
	require.NoError(t, b.Put(t.Context(), backend.PutInput{Item: it}))
}

// SizedItem returns an item of partition pk and sort key sk whose
// backend.ItemSize is size, padded with a string attribute "data".
func SizedItem(t testing.TB, pk, sk string, size int) backend.Item {
	t.Helper()
	it := Item(pk, sk)
	it["data"] = S(strings.Repeat("x", size-backend.ItemSize(it)-len("data")))
	require.Equal(t, size, backend.ItemSize(it))
	return it
}

// Build returns the expressions of b, built by aws-sdk-go-v2's expression
// builder, as the repository passes them to a backend.
func Build(t testing.TB, b expression.Builder) backend.Expressions {
	t.Helper()
	e, err := b.Build()
	require.NoError(t, err)
	deref := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	return backend.Expressions{
		Condition: deref(e.Condition()),
		Update:    deref(e.Update()),
		Filter:    deref(e.Filter()),
		Names:     e.Names(),
		Values:    e.Values(),
	}
}

// Cond returns the expressions of condition c alone.
func Cond(t testing.TB, c expression.ConditionBuilder) backend.Expressions {
	t.Helper()
	return Build(t, expression.NewBuilder().WithCondition(c))
}
