package limit_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
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
		doc     float64 // the figure limit/doc.go states
	}{
		{"8-byte IDs, requests", 8, reqs, 200},
		{"8-byte IDs, requests and units", 8, both, 265},
		{"longest IDs, requests", entity.MaxTenantIDBytes, reqs, 2200},
		{"longest IDs, requests and units", entity.MaxTenantIDBytes, both, 2300},
	} {
		got := bytesPerTenant(t, n, c.idBytes, c.lim)
		t.Logf("%s: %.0f B per tenant (doc.go: about %.0f)", c.name, got, c.doc)
		assert.InEpsilon(t, c.doc, got, 0.25, "%s: %.0f B per tenant; limit/doc.go says about %.0f", c.name, got, c.doc)
	}
}

// TestAttack14NilOption: a nil option function is refused with
// backend.ErrInvalidArgument, not a panic.
func TestAttack14NilOption(t *testing.T) {
	require.NotPanics(t, func() {
		_, err := limit.New(memory.New(), nil)
		require.ErrorIs(t, err, backend.ErrInvalidArgument)
	})
}

// TestAttack14TinyUnitBurst: a units burst below what a request needs
// (half a unit) would refuse every request for ever while RetryAfter
// promised otherwise: Check refuses it, as the limits of a tenant and of
// the operator.
func TestAttack14TinyUnitBurst(t *testing.T) {
	for _, b := range []float64{1e-300, 0.1, 0.4999} {
		l := limit.Limits{UnitsPerSecond: 10, UnitBurst: b}
		require.ErrorIs(t, l.Check(), limit.ErrInvalidLimits, "UnitBurst %v", b)
		_, err := limit.New(memory.New(), limit.WithOperatorLimits(l))
		require.ErrorIs(t, err, limit.ErrInvalidLimits)
	}
	// Half a unit is enough: the first request goes.
	lb, err := limit.New(memory.New(), limit.WithLimits(func(string) limit.Limits {
		return limit.Limits{UnitsPerSecond: 10, UnitBurst: 0.5}
	}))
	require.NoError(t, err)
	_, err = lb.Get(tctx(t, "acme"), backend.GetInput{Key: key("acme", "1")})
	require.ErrorIs(t, err, backend.ErrNotFound)
}

// TestAttack14TinyAndHugeRates: rates at the ends of float64 neither
// overflow nor panic: the least positive rate admits the burst and then
// says to wait the longest time.Duration; the largest limits nothing.
func TestAttack14TinyAndHugeRates(t *testing.T) {
	clk := newClock()
	lb, err := limit.New(&nopBackend{}, limit.WithClock(clk.Now), limit.WithLimits(func(tenant string) limit.Limits {
		if tenant == "tiny" {
			return limit.Limits{RequestsPerSecond: math.SmallestNonzeroFloat64, UnitsPerSecond: math.SmallestNonzeroFloat64}
		}
		return limit.Limits{RequestsPerSecond: math.MaxFloat64, UnitsPerSecond: math.MaxFloat64, RequestBurst: limit.MaxBurst, UnitBurst: limit.MaxBurst / 2}
	}))
	require.NoError(t, err)
	_, err = lb.Get(tctx(t, "tiny"), backend.GetInput{})
	require.NoError(t, err)
	_, err = lb.Get(tctx(t, "tiny"), backend.GetInput{})
	var te *backend.ThrottledError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, time.Duration(math.MaxInt64), te.RetryAfter)
	for range 100 {
		_, err = lb.Get(tctx(t, "huge"), backend.GetInput{})
		require.NoError(t, err)
	}
}

// TestAttack14ReentrantLimits: a limits function that makes a request
// through the limiter, for the tenant whose limits it is asked or for
// another without buckets, would recurse without end (and overflow the
// stack, killing the program): the inner request is refused with
// ErrInvalidLimits, and the outer call goes on with the limits returned.
func TestAttack14ReentrantLimits(t *testing.T) {
	defer debug.SetMaxStack(debug.SetMaxStack(64 << 20)) // fail fast, not with a gigabyte of stack
	var lb backend.Backend
	var inner []error
	var mu sync.Mutex
	lb, err := limit.New(memory.New(), limit.WithLimits(func(tenant string) limit.Limits {
		for _, other := range []string{tenant, "other-" + tenant} {
			ctx, err := tenantctx.WithTenant(context.Background(), other)
			if err != nil {
				panic(err)
			}
			_, err = lb.Get(ctx, backend.GetInput{Key: key(other, "tier")})
			mu.Lock()
			inner = append(inner, err)
			mu.Unlock()
		}
		return limit.Limits{RequestsPerSecond: 100}
	}))
	require.NoError(t, err)
	_, err = lb.Get(tctx(t, "acme"), backend.GetInput{Key: key("acme", "1")})
	require.ErrorIs(t, err, backend.ErrNotFound, "the outer call goes on")
	require.Len(t, inner, 2)
	for _, err := range inner {
		require.ErrorIs(t, err, limit.ErrInvalidLimits)
	}
	// Operator requests (no tenant) from the limits function are fine.
	lb2, err := limit.New(memory.New(), limit.WithLimits(func(string) limit.Limits {
		_, err := lb.Get(context.Background(), backend.GetInput{Key: key("catalog", "tier")})
		if !errors.Is(err, backend.ErrNotFound) {
			panic(err)
		}
		return limit.Limits{}
	}))
	require.NoError(t, err)
	_, err = lb2.Get(tctx(t, "acme"), backend.GetInput{Key: key("acme", "1")})
	require.ErrorIs(t, err, backend.ErrNotFound)
}

// TestAttack14ForgetWhileInUse: Forget, Stats and requests of the same
// tenants at once are safe (run with -race), and a tenant forgotten while
// its request is in flight gets new buckets at its next request.
func TestAttack14ForgetWhileInUse(t *testing.T) {
	lb, err := limit.New(memory.New(), limit.WithMaxTenants(64), limit.WithLimits(func(string) limit.Limits {
		return limit.Limits{RequestsPerSecond: 1e6, UnitsPerSecond: 1e6}
	}))
	require.NoError(t, err)
	l, _ := limit.Of(lb)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 300 {
				id := fmt.Sprint("t", (g+i)%80)
				switch i % 3 {
				case 0:
					l.Forget(id)
				case 1:
					_ = l.Stats()
				}
				_, err := lb.Get(tctx(t, id), backend.GetInput{Key: key(id, "1")})
				if !errors.Is(err, backend.ErrNotFound) {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	assert.LessOrEqual(t, l.Stats().Tenants, 64)
}
