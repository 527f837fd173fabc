package dynamodb_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"

	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	dynamodbbackend "github.com/tenantrepo/tenantrepo/backend/dynamodb"
)

// junkContext answers every key with v once it has answered after
// keys lookups (0: from the start), as any context.Context implementation
// can: a context that answers the SDK's own keys, before or after the
// request is sent.
type junkContext struct {
	context.Context
	v     any
	after int64
	seen  *atomic.Int64
}

func (c junkContext) Value(k any) any {
	if c.seen.Add(1) > c.after {
		return c.v
	}
	return c.Context.Value(k)
}

// TestContextAnsweringSDKKeys: the SDK keeps values under its own context
// keys and asserts their types; a context answering those keys with values
// of its own made it panic inside the backend ("interface {} is string, not
// *dynamodb.operationMetrics"), before the request was sent or, for a
// context that starts answering later, after DynamoDB had applied it (the
// caller got an error for a write that was stored). The backend hands the
// SDK a shielded context, so such calls are served as the memory backend
// serves them: no panic, no error, the request sent once.
func TestContextAnsweringSDKKeys(t *testing.T) {
	t.Parallel()
	for _, after := range []int64{0, 3, 10, 30, 100} {
		for _, v := range []any{"acme", 42, struct{}{}} {
			b, reqs := fakeBackend(t, func(op string, _ map[string]any) (int, string) {
				if op == "GetItem" {
					return http.StatusOK, `{"Item": {"PK": {"S": "tenant#acme"}, "SK": {"S": "a#1"}}}`
				}
				return http.StatusOK, `{}`
			})
			k := key(pk, "a#1")
			calls := map[string]func(ctx context.Context) error{
				"Get": func(ctx context.Context) error { _, err := b.Get(ctx, backend.GetInput{Key: k}); return err },
				"Put": func(ctx context.Context) error {
					return b.Put(ctx, backend.PutInput{Item: item(pk, "a#1", "v", s("1"))})
				},
				"Delete": func(ctx context.Context) error { return b.Delete(ctx, backend.DeleteInput{Key: k}) },
				"Query": func(ctx context.Context) error {
					_, err := b.Query(ctx, backend.QueryInput{PK: pk, Limit: 10})
					return err
				},
				"BatchGet": func(ctx context.Context) error {
					_, err := b.BatchGet(ctx, backend.BatchGetInput{Keys: []backend.Key{k}})
					return err
				},
				"BatchWrite": func(ctx context.Context) error {
					_, err := b.BatchWrite(ctx, backend.BatchWriteInput{Writes: []backend.WriteRequest{{Delete: &k}}})
					return err
				},
			}
			for name, call := range calls {
				ctx := junkContext{Context: t.Context(), v: v, after: after, seen: new(atomic.Int64)}
				var err error
				require.NotPanics(t, func() { err = call(ctx) }, "%s after %d lookups, %#v", name, after, v)
				assert.NoError(t, err, "%s after %d lookups, %#v", name, after, v)
			}
			assert.Len(t, reqs(), len(calls), "each call sent once")
		}
	}
}

// panicking is a client whose every call panics, as an SDK bug or a
// wrapper of the caller's might.
type panicking struct{ dynamodbbackend.API }

func (panicking) GetItem(context.Context, *ddb.GetItemInput, ...func(*ddb.Options)) (*ddb.GetItemOutput, error) {
	panic("boom")
}

func (panicking) Query(context.Context, *ddb.QueryInput, ...func(*ddb.Options)) (*ddb.QueryOutput, error) {
	panic("boom")
}

// TestClientPanicIsAnError: a panic inside the client becomes an error
// wrapping ErrInvalidArgument that names the operation, not a panic of the
// caller's.
func TestClientPanicIsAnError(t *testing.T) {
	t.Parallel()
	b, err := dynamodbbackend.New(panicking{}, fakeTable)
	require.NoError(t, err)
	require.NotPanics(t, func() { _, err = b.Get(t.Context(), backend.GetInput{Key: key(pk, "a#1")}) })
	require.ErrorIs(t, err, backend.ErrInvalidArgument)
	assert.ErrorContains(t, err, "GetItem")
	assert.ErrorContains(t, err, "panicked")
	require.NotPanics(t, func() { _, err = b.Query(t.Context(), backend.QueryInput{PK: pk, Limit: 1}) })
	require.ErrorIs(t, err, backend.ErrInvalidArgument)
	assert.ErrorContains(t, err, "Query")
}
