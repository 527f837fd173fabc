package dynamodb_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
)

// everyKeyContext answers every key with one string, the SDK's own context
// keys included, as any context.Context implementation can.
type everyKeyContext struct{ context.Context }

func (everyKeyContext) Value(any) any { return "acme" }

// TestClientPanicIsAnError: the SDK panics when a context answers its own
// keys with values it never stored (it asserts their types). Every call of
// the backend turns that into an error wrapping ErrInvalidArgument instead
// of a panic reaching the caller, and sends nothing. Before the backend
// guarded its client, Get panicked ("interface {} is string, not
// *dynamodb.operationMetrics") where the memory backend answered.
func TestClientPanicIsAnError(t *testing.T) {
	t.Parallel()
	b, reqs := fakeBackend(t, func(string, map[string]any) (int, string) { return http.StatusOK, `{}` })
	ctx := everyKeyContext{t.Context()}
	k := key(pk, "a#1")
	calls := map[string]func() error{
		"Get":    func() error { _, err := b.Get(ctx, backend.GetInput{Key: k}); return err },
		"Put":    func() error { return b.Put(ctx, backend.PutInput{Item: item(pk, "a#1", "v", s("1"))}) },
		"Delete": func() error { return b.Delete(ctx, backend.DeleteInput{Key: k}) },
		"Query":  func() error { _, err := b.Query(ctx, backend.QueryInput{PK: pk, Limit: 10}); return err },
		"BatchGet": func() error {
			_, err := b.BatchGet(ctx, backend.BatchGetInput{Keys: []backend.Key{k}})
			return err
		},
		"BatchWrite": func() error {
			_, err := b.BatchWrite(ctx, backend.BatchWriteInput{Writes: []backend.WriteRequest{{Delete: &k}}})
			return err
		},
		"EnsureTable": func() error { return b.EnsureTable(ctx) },
	}
	for name, call := range calls {
		var err error
		require.NotPanics(t, func() { err = call() }, name)
		assert.ErrorIs(t, err, backend.ErrInvalidArgument, name)
		assert.ErrorContains(t, err, "panicked", name)
	}
	assert.Empty(t, reqs(), "nothing reaches DynamoDB")
}
