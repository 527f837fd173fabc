package badinput_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
)

// TestBackendInvalidUTF8Keys calls each backend, memory and DynamoDB
// Local, directly with keys, positions and expression values that are not
// valid UTF-8, in the seeded tenants' partitions: every call is refused
// with exactly backend.ErrInvalidArgument and the whole store (a Scan on
// DynamoDB) is unchanged. Before the backends checked, the DynamoDB
// backend sent the bytes as U+FFFD, reading and writing another key, and
// the memory backend answered not found.
func TestBackendInvalidUTF8Keys(t *testing.T) {
	onBothBackends(t, func(t *testing.T, f *fixture) {
		b, ctx := f.b, context.Background()
		before := f.snapshot(t)
		pk := "tenant#" + tenant
		for _, bad := range []string{"\xff", "\xfe", "u\xff1", "\xed\xa0\x80", "\xc0\xaf", "u1\xe2\x82"} {
			cond := func(v string) backend.Expressions {
				e, err := expression.NewBuilder().WithCondition(expression.Name("user_name").Equal(expression.Value(v))).Build()
				require.NoError(t, err)
				return backend.Expressions{Condition: *e.Condition(), Names: e.Names(), Values: e.Values()}
			}
			keys := []backend.Key{{PK: "tenant#" + bad, SK: "user#u1"}, {PK: pk + bad, SK: "user#u1"}, {PK: pk, SK: "user#" + bad}}
			for _, k := range keys {
				item := backend.Item{"PK": s2(k.PK), "SK": s2(k.SK), "user_name": s2("x")}
				k := k
				calls := map[string]func() error{
					"Get":    func() error { _, err := b.Get(ctx, backend.GetInput{Key: k, ConsistentRead: true}); return err },
					"Put":    func() error { return b.Put(ctx, backend.PutInput{Item: item}) },
					"Delete": func() error { return b.Delete(ctx, backend.DeleteInput{Key: k}) },
					"Update": func() error {
						e, err := expression.NewBuilder().WithUpdate(expression.Set(expression.Name("user_name"), expression.Value("x"))).Build()
						require.NoError(t, err)
						_, err = b.Update(ctx, backend.UpdateInput{Key: k, Expr: backend.Expressions{Update: *e.Update(), Names: e.Names(), Values: e.Values()}})
						return err
					},
					"Query start": func() error {
						_, err := b.Query(ctx, backend.QueryInput{PK: pk, Range: backend.SortRange{Op: backend.BeginsWith, Lo: "user#"}, Limit: 5, StartKey: &backend.Key{PK: pk, SK: k.SK + bad}})
						return err
					},
					"Query PK": func() error { _, err := b.Query(ctx, backend.QueryInput{PK: k.PK + bad, Limit: 5}); return err },
					"BatchGet": func() error { _, err := b.BatchGet(ctx, backend.BatchGetInput{Keys: []backend.Key{k}}); return err },
					"BatchWrite": func() error {
						_, err := b.BatchWrite(ctx, backend.BatchWriteInput{Writes: []backend.WriteRequest{{Delete: &k}}})
						return err
					},
					"TransactWrite": func() error {
						return b.TransactWrite(ctx, backend.TransactInput{Actions: []backend.TxAction{{Kind: backend.TxDelete, Key: k}}})
					},
					"condition value": func() error {
						return b.Delete(ctx, backend.DeleteInput{Key: backend.Key{PK: pk, SK: "user#u1"}, Expr: cond(bad)})
					},
				}
				for name, fn := range calls {
					err, p := call(fn)
					require.Nil(t, p, "%s %q panicked", name, bad)
					if assert.Error(t, err, "%s %q", name, bad) {
						checkKinds(t, err, kinds(backend.ErrInvalidArgument), backendKinds)
					}
				}
			}
		}
		require.Equal(t, before, f.snapshot(t), "the store changed")
	})
}
