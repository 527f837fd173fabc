package dynamodb_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
)

// The behaviour of the backend's calls is checked by the conformance suite
// (conformance_test.go), which runs on every backend. The tests of this
// package check only what is DynamoDB's own: the table, the mapping of the
// SDK's errors, and context handling within the SDK. These are their
// helpers.

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
