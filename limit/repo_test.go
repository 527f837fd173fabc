package limit_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/limit"
	"github.com/tenantrepo/tenantrepo/repo"
)

// TestRepoCallsThrottled: every repository call on a tenant over its limit
// fails with repo.ErrThrottled, whose *backend.ThrottledError (and
// repo.RetryAfter) says how long to wait, and changes nothing.
func TestRepoCallsThrottled(t *testing.T) {
	clk := newClock()
	mem := memory.New()
	lb, err := limit.New(mem, limit.WithClock(clk.Now), limit.WithLimits(func(string) limit.Limits {
		return limit.Limits{RequestsPerSecond: 0.5, RequestBurst: 1}
	}))
	require.NoError(t, err)
	l, _ := limit.Of(lb)
	notes, err := repo.New[Note](lb)
	require.NoError(t, err)
	ctx := tctx(t, "acme")
	_, err = notes.Put(ctx, Note{ID: "1", Text: "one"})
	require.NoError(t, err)
	before := mem.Snapshot()

	for name, call := range map[string]func(context.Context) error{
		"Get":    func(ctx context.Context) error { _, err := notes.Get(ctx, "1"); return err },
		"Put":    func(ctx context.Context) error { _, err := notes.Put(ctx, Note{ID: "2"}); return err },
		"Create": func(ctx context.Context) error { _, err := notes.Create(ctx, Note{ID: "3"}); return err },
		"Update": func(ctx context.Context) error {
			_, err := notes.Update(ctx, Note{ID: "1", Text: "x"}, []string{"text"})
			return err
		},
		"Delete":      func(ctx context.Context) error { return notes.Delete(ctx, "1") },
		"List":        func(ctx context.Context) error { _, err := notes.List(ctx); return err },
		"BatchGet":    func(ctx context.Context) error { _, _, err := notes.BatchGet(ctx, []string{"1", "2"}); return err },
		"BatchPut":    func(ctx context.Context) error { return notes.BatchPut(ctx, []Note{{ID: "4"}, {ID: "5"}}) },
		"BatchDelete": func(ctx context.Context) error { return notes.BatchDelete(ctx, []string{"1"}) },
		"Transact":    func(ctx context.Context) error { return repo.Transact(ctx, notes.TxPut(Note{ID: "6"})) },
		"All": func(ctx context.Context) error {
			for _, err := range notes.All(ctx) {
				if err != nil {
					return err
				}
			}
			return nil
		},
	} {
		l.Forget("acme")
		_, err := lb.Get(ctx, backend.GetInput{Key: key("acme", "drain")}) // takes the one token
		require.ErrorIs(t, err, backend.ErrNotFound)

		err = call(ctx)
		require.ErrorIs(t, err, repo.ErrThrottled, name)
		wait, ok := repo.RetryAfter(err)
		assert.True(t, ok, name)
		assert.Equal(t, 2*time.Second, wait, name)
		var te *backend.ThrottledError
		require.True(t, errors.As(err, &te), name)
		assert.Equal(t, backend.ThrottleTenantLimit, te.Reason, name)
		assert.Equal(t, "acme", te.Tenant, name)
	}
	assert.Equal(t, before, mem.Snapshot(), "nothing changed")
	_, ok := repo.RetryAfter(repo.ErrNotFound)
	assert.False(t, ok)
	_, ok = repo.RetryAfter(nil)
	assert.False(t, ok)
}
