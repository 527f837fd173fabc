package badinput_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/repo"
)

// TestNilOptionFunctions: a nil option function, given to any call that
// takes options, fails the call with exactly ErrInvalidArgument before
// anything is sent, on both backends, and nothing stored changes. Each of
// these calls panicked with a nil dereference before (found by an attack
// review of the issue #10 fixes); Transact panicked while building its
// actions.
func TestNilOptionFunctions(t *testing.T) {
	var (
		nilRead  func(*repo.ReadOptions)
		nilPage  func(*repo.PageOptions)
		nilWrite func(*repo.WriteOptions)
	)
	_, err := repo.New[user](memory.New(), nil)
	checkKinds(t, err, kinds(repo.ErrInvalidArgument), repoKinds)
	_, err = repo.New[user](memory.New(), func(o *repo.Options) { o.BatchConcurrency = 2 }, nil)
	checkKinds(t, err, kinds(repo.ErrInvalidArgument), repoKinds)

	onBothBackends(t, func(t *testing.T, f *fixture) {
		ctx := f.ctx
		set := expression.Set(expression.Name("user_name"), expression.Value("changed"))
		calls := map[string]func() error{
			"Get":      func() error { _, err := f.users.Get(ctx, "u1", repo.ConsistentRead, nilRead); return err },
			"BatchGet": func() error { _, _, err := f.users.BatchGet(ctx, []string{"u1"}, nilRead); return err },
			"List":     func() error { _, err := f.users.List(ctx, nilPage); return err },
			"Query": func() error {
				_, err := f.users.Query(ctx, repo.GreaterThan("u"), repo.WithLimit(2), nilPage)
				return err
			},
			"All":      func() error { return firstErr(f.users.All(ctx, nilPage)) },
			"QueryAll": func() error { return firstErr(f.users.QueryAll(ctx, repo.BeginsWith("u"), nilPage)) },
			"Index.Query": func() error {
				_, err := f.users.Index("by-group").Query(ctx, "g1", nilPage)
				return err
			},
			"Index.All": func() error { return firstErr(f.users.Index("by-group").All(ctx, "g1", nilPage)) },
			"Create":    func() error { _, err := f.users.Create(ctx, user{ID: "new1"}, nilWrite); return err },
			"Put":       func() error { _, err := f.users.Put(ctx, user{ID: "u1", Name: "changed"}, nilWrite); return err },
			"Update": func() error {
				_, err := f.users.Update(ctx, user{ID: "u1", Name: "changed"}, []string{"user_name"}, nilWrite)
				return err
			},
			"UpdateExpr": func() error { _, err := f.users.UpdateExpr(ctx, "u1", set, nilWrite); return err },
			"Delete":     func() error { return f.users.Delete(ctx, "u1", nilWrite) },
			"Transact": func() error {
				return repo.Transact(ctx, f.users.TxPut(user{ID: "u1", Name: "changed"}, nilWrite))
			},
			"Transact/create": func() error { return repo.Transact(ctx, f.users.TxCreate(user{ID: "new2"}, nilWrite)) },
			"Transact/update": func() error {
				return repo.Transact(ctx, f.users.TxUpdate(user{ID: "u1", Name: "x"}, []string{"user_name"}, nilWrite))
			},
			"Transact/update expr": func() error { return repo.Transact(ctx, f.users.TxUpdateExpr("u1", set, nilWrite)) },
			"Transact/delete":      func() error { return repo.Transact(ctx, f.users.TxDelete("u1", nilWrite)) },
		}
		before := f.snapshot(t)
		for name, fn := range calls {
			err, p := call(fn)
			require.Nil(t, p, "%s panicked", name)
			require.Error(t, err, name)
			checkKinds(t, err, kinds(repo.ErrInvalidArgument), repoKinds)
			require.ErrorContains(t, err, "nil", name)
		}
		require.Equal(t, before, f.snapshot(t), "a call with a nil option changed the store")
	})
}
