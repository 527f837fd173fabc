package dynamodb_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
)

// The behaviour of the backend's calls is checked by the conformance suite
// (conformance_test.go), which runs on every backend. The tests of this
// package check only what is DynamoDB's own: the table and its time to
// live, the requests the backend makes of the caller's expressions, the
// mapping of the SDK's errors and of what DynamoDB returns with them, and
// context handling within the SDK. These are their helpers.

const pk = "tenant#acme"

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }

// item returns an item with the key and attributes given as name, value
// pairs.
func item(pk, sk string, attrs ...any) backend.Item {
	it := backend.Item{"PK": s(pk), "SK": s(sk)}
	for i := 0; i < len(attrs); i += 2 {
		it[attrs[i].(string)] = attrs[i+1].(types.AttributeValue)
	}
	return it
}

func key(pk, sk string) backend.Key { return backend.Key{PK: pk, SK: sk} }

// get reads an item consistently, or returns nil when it is missing.
func get(t *testing.T, b backend.Backend, k backend.Key) backend.Item {
	t.Helper()
	it, err := b.Get(t.Context(), backend.GetInput{Key: k, ConsistentRead: true})
	if errors.Is(err, backend.ErrNotFound) {
		return nil
	}
	require.NoError(t, err)
	return it
}

func put(t *testing.T, b backend.Backend, it backend.Item) {
	t.Helper()
	require.NoError(t, b.Put(t.Context(), backend.PutInput{Item: it}))
}

// sizedItem returns an item whose ItemSize is size.
func sizedItem(t *testing.T, sk string, size int) backend.Item {
	t.Helper()
	it := item(pk, sk)
	it["data"] = s(strings.Repeat("x", size-backend.ItemSize(it)-len("data")))
	require.Equal(t, size, backend.ItemSize(it))
	return it
}

// exprOf returns the expressions b builds, as the repository passes them.
func exprOf(t *testing.T, b expression.Builder) backend.Expressions {
	t.Helper()
	e, err := b.Build()
	require.NoError(t, err)
	var ex backend.Expressions
	if c := e.Condition(); c != nil {
		ex.Condition = *c
	}
	if u := e.Update(); u != nil {
		ex.Update = *u
	}
	if f := e.Filter(); f != nil {
		ex.Filter = *f
	}
	ex.Names, ex.Values = e.Names(), e.Values()
	return ex
}

// cond returns the condition expression c.
func cond(t *testing.T, c expression.ConditionBuilder) backend.Expressions {
	t.Helper()
	return exprOf(t, expression.NewBuilder().WithCondition(c))
}

// ifExists is the condition that the item exists.
func ifExists(t *testing.T) backend.Expressions {
	return cond(t, expression.AttributeExists(expression.Name("PK")))
}

// ifNotExists is the condition that the item does not exist.
func ifNotExists(t *testing.T) backend.Expressions {
	return cond(t, expression.AttributeNotExists(expression.Name("PK")))
}

// filter returns the filter expression f.
func filter(t *testing.T, f expression.ConditionBuilder) backend.Expressions {
	t.Helper()
	return exprOf(t, expression.NewBuilder().WithFilter(f))
}
