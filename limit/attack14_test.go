package limit_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/entity"
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

// bytesPerTenant returns the heap the limiter keeps per tenant after n
// tenants with IDs of idBytes bytes each made one request, with the limits
// lim: measured with runtime.MemStats around the requests. The IDs are
// made in the loop and only the limiter keeps them, so their bytes count.
func bytesPerTenant(t *testing.T, n, idBytes int, lim limit.Limits) float64 {
	t.Helper()
	clk := newClock()
	lb, err := limit.New(&nopBackend{}, limit.WithClock(clk.Now), limit.WithMaxTenants(4*n), limit.WithIdleAfter(time.Hour),
		limit.WithLimits(func(string) limit.Limits { return lim }))
	require.NoError(t, err)
	l, _ := limit.Of(lb)
	pad := strings.Repeat("t", idBytes-8)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range n {
		ctx, err := tenantctx.WithTenant(context.Background(), fmt.Sprintf("%s%08d", pad, i))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := lb.Get(ctx, backend.GetInput{}); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	require.Equal(t, n, l.Stats().Tenants, "every tenant kept")
	runtime.KeepAlive(lb)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n)
}

// TestAttack14BytesPerTenant measures the heap a kept tenant costs, for
// 8-byte IDs and IDs of the longest length (entity.MaxTenantIDBytes), with
// a requests limit and with both limits: the figures limit/doc.go states.
func TestAttack14BytesPerTenant(t *testing.T) {
	const n = 2000
	reqs := limit.Limits{RequestsPerSecond: 10}
	both := limit.Limits{RequestsPerSecond: 10, UnitsPerSecond: 20}
	for _, c := range []struct {
		name    string
		idBytes int
		lim     limit.Limits
		most    float64
	}{
		{"8-byte IDs, requests", 8, reqs, 300},
		{"8-byte IDs, requests and units", 8, both, 400},
		{"longest IDs, requests", entity.MaxTenantIDBytes, reqs, 2400},
		{"longest IDs, requests and units", entity.MaxTenantIDBytes, both, 2500},
	} {
		got := bytesPerTenant(t, n, c.idBytes, c.lim)
		t.Logf("%s: %.0f B per tenant", c.name, got)
		assert.Less(t, got, c.most, c.name)
		assert.Greater(t, got, float64(c.idBytes), c.name)
	}
}
