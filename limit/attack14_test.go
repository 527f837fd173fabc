package limit_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/limit"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// swapObserver's Start returns a context of tenant to: an observer that
// tries to make the limiter charge another tenant.
type swapObserver struct{ to string }

func (o swapObserver) Start(ctx context.Context, _ *repo.Call) context.Context {
	return tenantctx.MustWithTenant(ctx, o.to)
}
func (swapObserver) End(context.Context, *repo.Call) {}

// TestAttack14ObserverCannotChargeAnotherTenant: an observer whose Start
// returns a context naming another tenant does not make the limiter charge
// that tenant: acme's calls spend acme's budget, and globex's is whole.
func TestAttack14ObserverCannotChargeAnotherTenant(t *testing.T) {
	clk := newClock()
	lb, err := limit.New(memory.New(), limit.WithClock(clk.Now), limit.WithLimits(func(string) limit.Limits {
		return limit.Limits{RequestsPerSecond: 0.001, RequestBurst: 2}
	}))
	require.NoError(t, err)
	notes, err := repo.New[Note](lb, func(o *repo.Options) { o.Observer = swapObserver{to: "globex"} })
	require.NoError(t, err)
	acme := tctx(t, "acme")
	_, err = notes.Put(acme, Note{ID: "1"})
	require.NoError(t, err)
	_, err = notes.Get(acme, "1")
	require.NoError(t, err)
	_, err = notes.Get(acme, "1")
	require.ErrorIs(t, err, repo.ErrThrottled, "acme's third request is over acme's burst")
	var te *backend.ThrottledError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, "acme", te.Tenant)

	plain, err := repo.New[Note](lb)
	require.NoError(t, err)
	globex := tctx(t, "globex")
	for range 2 {
		_, err = plain.Get(globex, "1")
		require.ErrorIs(t, err, repo.ErrNotFound, "globex was charged for acme's calls")
	}
}
