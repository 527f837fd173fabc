package limit_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/limit"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// clock is a fake clock tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func tctx(t testing.TB, tenant string) context.Context {
	t.Helper()
	ctx, err := tenantctx.WithTenant(context.Background(), tenant)
	require.NoError(t, err)
	return ctx
}

func key(tenant, id string) backend.Key {
	return backend.Key{PK: "tenant#" + tenant, SK: "note#" + id}
}

// counting is a backend that counts the calls that reach it and charges
// each the usage of its charge field.
type counting struct {
	backend.Backend
	calls  atomic.Int64
	charge backend.Usage
}

func (c *counting) Get(ctx context.Context, in backend.GetInput) (backend.Item, error) {
	c.calls.Add(1)
	backend.Charge(ctx, c.charge)
	return c.Backend.Get(ctx, in)
}

// TestFairness is the acceptance test of issue 14: one tenant offering ten
// times its limit, nine within theirs, on the memory backend, through the
// repository, over 30 s of a fake clock (deterministic).
func TestFairness(t *testing.T) {
	clk := newClock()
	const rps = 100.0
	lb, err := limit.New(memory.New(), limit.WithClock(clk.Now), limit.WithLimits(func(string) limit.Limits {
		return limit.Limits{RequestsPerSecond: rps}
	}))
	require.NoError(t, err)
	notes, err := repo.New[Note](lb)
	require.NoError(t, err)

	const run = 30 * time.Second
	tenants := []string{"noisy", "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9"}
	ctxs := map[string]context.Context{}
	for _, tn := range tenants {
		ctxs[tn] = tctx(t, tn)
	}
	admitted := map[string]int{}
	throttled := map[string]int{}
	offered := map[string]int{}
	// Each millisecond the noisy tenant offers one put (1000/s, 10x its
	// limit); the nine offer one every 20 ms (50/s, half theirs),
	// staggered.
	for ms := 0; ms < int(run/time.Millisecond); ms++ {
		for i, tn := range tenants {
			if i > 0 && (ms+2*i)%20 != 0 {
				continue
			}
			offered[tn]++
			_, err := notes.Put(ctxs[tn], Note{ID: fmt.Sprint(ms), Text: "x"})
			switch {
			case err == nil:
				admitted[tn]++
			case errors.Is(err, repo.ErrThrottled):
				throttled[tn]++
				wait, ok := repo.RetryAfter(err)
				require.True(t, ok)
				require.Greater(t, wait, time.Duration(0))
				require.LessOrEqual(t, wait, 10*time.Millisecond)
			default:
				t.Fatalf("put of %s: %v", tn, err)
			}
		}
		clk.Advance(time.Millisecond)
	}
	for _, tn := range tenants[1:] {
		assert.Zero(t, throttled[tn], "tenant %s within its limit was throttled", tn)
		assert.Equal(t, offered[tn], admitted[tn], tn)
	}
	rate := float64(admitted["noisy"]) / run.Seconds()
	t.Logf("noisy tenant: offered %d, admitted %d (%.1f/s, limit %.0f/s), throttled %d", offered["noisy"], admitted["noisy"], rate, rps, throttled["noisy"])
	assert.InDelta(t, rps, rate, rps*0.10, "the noisy tenant's admitted rate")
	assert.Equal(t, 30_000, offered["noisy"])
	st, _ := limit.Of(lb)
	assert.Equal(t, uint64(throttled["noisy"]), st.Stats().Throttled)
}

// TestFairnessRealTime is the same on the real clock, with the tenants in
// goroutines of their own, for 2 s. The quiet tenants are never throttled
// and the noisy one never gets more than its limit (plus its burst); how
// far below the limit it stays depends on how much of the machine its
// goroutines get (tokens a descheduled tenant does not take are lost past
// the burst), so below the limit it is only held to half. TestFairness,
// on a fake clock, holds it to 10% either way.
func TestFairnessRealTime(t *testing.T) {
	if testing.Short() {
		t.Skip("2 s of real time")
	}
	const rps = 200.0
	lb, err := limit.New(memory.New(), limit.WithLimits(func(string) limit.Limits {
		return limit.Limits{RequestsPerSecond: rps, RequestBurst: 20}
	}))
	require.NoError(t, err)
	notes, err := repo.New[Note](lb)
	require.NoError(t, err)
	const run = 2 * time.Second
	start := time.Now()
	var wg sync.WaitGroup
	var noisyOK, quietThrottled, quietOK atomic.Int64
	offer := func(tenant string, every time.Duration, ok, thr *atomic.Int64) {
		defer wg.Done()
		ctx := tctx(t, tenant)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for i := 0; time.Since(start) < run; i++ {
			<-tick.C
			_, err := notes.Put(ctx, Note{ID: fmt.Sprint(i)})
			switch {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, repo.ErrThrottled):
				if thr != nil {
					thr.Add(1)
				}
			default:
				t.Errorf("put: %v", err)
				return
			}
		}
	}
	// The noisy tenant: 4 goroutines, each as fast as they go.
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := tctx(t, "noisy")
			for i := 0; time.Since(start) < run; i++ {
				if _, err := notes.Put(ctx, Note{ID: fmt.Sprint(i)}); err == nil {
					noisyOK.Add(1)
				}
			}
		}()
	}
	for i := range 9 {
		wg.Add(1)
		go offer(fmt.Sprint("quiet", i), 10*time.Millisecond, &quietOK, &quietThrottled) // 100/s, half the limit
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	rate := float64(noisyOK.Load()) / elapsed
	t.Logf("noisy: %.1f/s admitted (limit %.0f/s); quiet: %d ok, %d throttled", rate, rps, quietOK.Load(), quietThrottled.Load())
	assert.Zero(t, quietThrottled.Load())
	assert.LessOrEqual(t, rate, rps*1.10+20/elapsed, "the noisy tenant admitted over its limit and burst")
	assert.GreaterOrEqual(t, rate, rps*0.5, "the noisy tenant admitted far under its limit")
}

// TestUnitsDebt: the units bucket is charged with what the backend
// reports after the call, may go into debt, and then refuses until it
// has filled again.
func TestUnitsDebt(t *testing.T) {
	clk := newClock()
	inner := &counting{Backend: &nopBackend{}, charge: backend.Usage{Requests: 1, Capacity: backend.Capacity{
		Table: backend.Units{Read: 3}, Indexes: [backend.MaxIndexes]backend.Units{{Read: 1}},
	}}}
	lb, err := limit.New(inner, limit.WithClock(clk.Now), limit.WithLimits(func(string) limit.Limits {
		return limit.Limits{UnitsPerSecond: 10, UnitBurst: 10}
	}))
	require.NoError(t, err)
	ctx := tctx(t, "a")
	// 10 units in the bucket, 4 a call: the third call takes it to -2.
	for i := range 3 {
		_, err := lb.Get(ctx, backend.GetInput{Key: key("a", "1")})
		require.NoError(t, err, "call %d", i)
	}
	mctx, m := backend.WithMeter(ctx)
	_, err = lb.Get(mctx, backend.GetInput{Key: key("a", "1")})
	var te *backend.ThrottledError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, backend.ThrottleTenantLimit, te.Reason)
	assert.Equal(t, "a", te.Tenant)
	// -2 units, 10/s: 0.5 unit needed is 2.5 units away, 250 ms.
	assert.Equal(t, 250*time.Millisecond, te.RetryAfter)
	assert.Equal(t, backend.Usage{Throttles: 1}, m.Usage(), "the refusal is charged as a throttle, nothing else")
	assert.EqualValues(t, 3, inner.calls.Load(), "the refused call did not reach the backend")

	clk.Advance(249 * time.Millisecond)
	_, err = lb.Get(ctx, backend.GetInput{Key: key("a", "1")})
	require.ErrorIs(t, err, backend.ErrThrottled)
	clk.Advance(time.Millisecond)
	_, err = lb.Get(ctx, backend.GetInput{Key: key("a", "1")})
	require.NoError(t, err)
	assert.EqualValues(t, 4, inner.calls.Load())

	// The outer meter still sees the request's own usage: the limiter's
	// meter is inside it.
	clk.Advance(time.Second)
	mctx, m = backend.WithMeter(ctx)
	_, err = lb.Get(mctx, backend.GetInput{Key: key("a", "1")})
	require.NoError(t, err)
	assert.Equal(t, inner.charge, m.Usage())
}

// TestHugeCharge: a charge of any size costs one step, and the wait it
// causes does not overflow.
func TestHugeCharge(t *testing.T) {
	clk := newClock()
	inner := &counting{Backend: &nopBackend{}, charge: backend.Usage{Capacity: backend.Capacity{Table: backend.Units{Write: 1e300}}}}
	lb, err := limit.New(inner, limit.WithClock(clk.Now), limit.WithLimits(func(string) limit.Limits {
		return limit.Limits{UnitsPerSecond: 0.5}
	}))
	require.NoError(t, err)
	ctx := tctx(t, "a")
	start := time.Now()
	_, err = lb.Get(ctx, backend.GetInput{})
	require.NoError(t, err)
	assert.Less(t, time.Since(start), 100*time.Millisecond)
	_, err = lb.Get(ctx, backend.GetInput{})
	var te *backend.ThrottledError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, time.Duration(math.MaxInt64), te.RetryAfter)

	// A broken backend's NaN, negative or infinite capacity charges nothing.
	for _, u := range []float64{math.NaN(), -5, math.Inf(1), math.Inf(-1)} {
		inner.charge = backend.Usage{Capacity: backend.Capacity{Table: backend.Units{Read: u}}}
		lb, err := limit.New(inner, limit.WithClock(clk.Now), limit.WithLimits(func(string) limit.Limits {
			return limit.Limits{UnitsPerSecond: 1}
		}))
		require.NoError(t, err)
		for range 3 {
			_, err = lb.Get(ctx, backend.GetInput{})
			require.NoError(t, err, "%v", u)
		}
	}
}

// TestOperatorAndNoTenant: calls without a tenant share the operator's
// bucket, unlimited unless set; they do not use any tenant's.
func TestOperatorAndNoTenant(t *testing.T) {
	clk := newClock()
	lb, err := limit.New(memory.New(), limit.WithClock(clk.Now), limit.WithLimits(func(string) limit.Limits {
		return limit.Limits{RequestsPerSecond: 1}
	}))
	require.NoError(t, err)
	op, err := tenantctx.AsOperator(context.Background(), "test")
	require.NoError(t, err)
	for range 100 {
		_, err := lb.Get(op, backend.GetInput{Key: key("a", "1")})
		require.ErrorIs(t, err, backend.ErrNotFound)
		_, err = lb.Get(context.Background(), backend.GetInput{Key: key("a", "1")})
		require.ErrorIs(t, err, backend.ErrNotFound)
	}

	lb, err = limit.New(memory.New(), limit.WithClock(clk.Now), limit.WithOperatorLimits(limit.Limits{RequestsPerSecond: 2, RequestBurst: 2}))
	require.NoError(t, err)
	for i := range 3 {
		_, err := lb.Get(op, backend.GetInput{Key: key("a", "1")})
		if i < 2 {
			require.ErrorIs(t, err, backend.ErrNotFound)
			continue
		}
		var te *backend.ThrottledError
		require.ErrorAs(t, err, &te)
		assert.Equal(t, "", te.Tenant)
		assert.Equal(t, 500*time.Millisecond, te.RetryAfter)
	}
	// A tenant has no limit here (no Limits function).
	for range 10 {
		_, err := lb.Get(tctx(t, "a"), backend.GetInput{Key: key("a", "1")})
		require.ErrorIs(t, err, backend.ErrNotFound)
	}
	_, err = limit.New(memory.New(), limit.WithOperatorLimits(limit.Limits{RequestsPerSecond: -1}))
	require.ErrorIs(t, err, limit.ErrInvalidLimits)
}

// hostileCtx answers every key, as a context built to confuse
// tenantctx would.
type hostileCtx struct{ context.Context }

func (hostileCtx) Value(any) any { return strings.Repeat("x", 1<<20) }

// TestHostile: contexts and limits functions that are wrong are refused
// with typed errors, with nothing sent, and without a panic.
func TestHostile(t *testing.T) {
	clk := newClock()
	inner := &counting{Backend: memory.New()}
	var bad atomic.Value
	bad.Store(limit.Limits{})
	lb, err := limit.New(inner, limit.WithClock(clk.Now), limit.WithLimits(func(tenant string) limit.Limits {
		if tenant == "panics" {
			panic("boom")
		}
		if tenant == "bad" {
			return bad.Load().(limit.Limits)
		}
		return limit.Limits{RequestsPerSecond: 1e300, UnitsPerSecond: math.Inf(1)}
	}))
	require.NoError(t, err)

	_, err = lb.Get(hostileCtx{context.Background()}, backend.GetInput{Key: key("a", "1")})
	require.ErrorIs(t, err, limit.ErrInvalidTenant)
	require.ErrorIs(t, err, backend.ErrInvalidArgument)
	assert.Equal(t, backend.KindInvalidArgument, backend.KindOf(err))

	_, err = lb.Get(tctx(t, "panics"), backend.GetInput{Key: key("panics", "1")})
	require.ErrorIs(t, err, limit.ErrInvalidLimits)
	assert.Contains(t, err.Error(), "boom")

	for _, l := range []limit.Limits{
		{RequestsPerSecond: -1}, {RequestsPerSecond: math.NaN()}, {UnitsPerSecond: -0.5},
		{UnitsPerSecond: math.NaN()}, {RequestBurst: -1}, {UnitBurst: math.NaN()}, {UnitBurst: math.Inf(1)},
		{RequestBurst: limit.MaxBurst + 1},
	} {
		bad.Store(l)
		_, err = lb.Get(tctx(t, "bad"), backend.GetInput{Key: key("bad", "1")})
		require.ErrorIs(t, err, limit.ErrInvalidLimits, "%+v", l)
	}
	assert.Zero(t, inner.calls.Load(), "nothing was sent")
	// Fixed, the function is asked again: an invalid answer is not kept.
	bad.Store(limit.Limits{RequestsPerSecond: 5})
	_, err = lb.Get(tctx(t, "bad"), backend.GetInput{Key: key("bad", "1")})
	require.ErrorIs(t, err, backend.ErrNotFound)

	// Huge and infinite rates limit nothing, and do not overflow.
	for range 1000 {
		_, err = lb.Get(tctx(t, "big"), backend.GetInput{Key: key("big", "1")})
		require.ErrorIs(t, err, backend.ErrNotFound)
	}
	// Through the repository: ErrInvalidArgument.
	notes, err := repo.New[Note](lb)
	require.NoError(t, err)
	_, err = notes.Get(tctx(t, "panics"), "1")
	require.ErrorIs(t, err, repo.ErrInvalidArgument)

	_, err = limit.New(nil)
	require.ErrorIs(t, err, backend.ErrInvalidArgument)
	_, err = limit.New(memory.New(), limit.WithMaxTenants(-1))
	require.ErrorIs(t, err, backend.ErrInvalidArgument)
}

// TestForgetAndLimitsCalledOnce: the limits function is called once per
// tenant while its buckets are kept; Forget makes it be asked again.
func TestForgetAndLimitsCalledOnce(t *testing.T) {
	clk := newClock()
	var calls atomic.Int64
	perSecond := atomic.Int64{}
	perSecond.Store(1)
	lb, err := limit.New(memory.New(), limit.WithClock(clk.Now), limit.WithLimits(func(string) limit.Limits {
		calls.Add(1)
		return limit.Limits{RequestsPerSecond: float64(perSecond.Load())}
	}))
	require.NoError(t, err)
	ctx := tctx(t, "a")
	_, err = lb.Get(ctx, backend.GetInput{Key: key("a", "1")})
	require.ErrorIs(t, err, backend.ErrNotFound)
	_, err = lb.Get(ctx, backend.GetInput{Key: key("a", "1")})
	require.ErrorIs(t, err, backend.ErrThrottled)
	assert.EqualValues(t, 1, calls.Load())
	perSecond.Store(10)
	l, ok := limit.Of(lb)
	require.True(t, ok)
	l.Forget("a")
	for range 10 {
		_, err = lb.Get(ctx, backend.GetInput{Key: key("a", "1")})
		require.ErrorIs(t, err, backend.ErrNotFound)
	}
	assert.EqualValues(t, 2, calls.Load())
}

// TestEvictionChangesNothing: a tenant idle long enough that its buckets
// are full is dropped, and comes back with the same behaviour; a tenant
// in debt is kept.
func TestEvictionChangesNothing(t *testing.T) {
	clk := newClock()
	inner := &counting{Backend: &nopBackend{}, charge: backend.Usage{Capacity: backend.Capacity{Table: backend.Units{Write: 1000}}}}
	lb, err := limit.New(inner, limit.WithClock(clk.Now), limit.WithMaxTenants(64_000), limit.WithIdleAfter(time.Millisecond), limit.WithLimits(func(string) limit.Limits {
		return limit.Limits{RequestsPerSecond: 10, UnitsPerSecond: 10}
	}))
	require.NoError(t, err)
	l, _ := limit.Of(lb)
	// "debtor" owes 990 units: 99 s to repay.
	_, err = lb.Get(tctx(t, "debtor"), backend.GetInput{Key: key("debtor", "1")})
	require.NoError(t, err)
	inner.charge = backend.Usage{}
	for i := range 500 {
		_, err = lb.Get(tctx(t, fmt.Sprint("t", i)), backend.GetInput{Key: key("x", "1")})
		require.NoError(t, err)
	}
	assert.Equal(t, 501, l.Stats().Tenants)
	clk.Advance(2 * time.Second) // every t<i> is full again; the debtor is not
	for range 2000 {
		_, err = lb.Get(tctx(t, "other"), backend.GetInput{Key: key("x", "1")})
		_ = err
		clk.Advance(time.Millisecond)
	}
	// Touching new tenants, one a millisecond, sweeps the full ones
	// from every shard: each new tenant is full again 100 ms later.
	for i := range 5000 {
		_, err = lb.Get(tctx(t, fmt.Sprint("n", i)), backend.GetInput{Key: key("x", "1")})
		require.NoError(t, err)
		clk.Advance(time.Millisecond)
	}
	st := l.Stats()
	assert.Zero(t, st.Evicted, "no tenant was dropped before its buckets were full")
	assert.LessOrEqual(t, st.Tenants, 1000)
	_, err = lb.Get(tctx(t, "debtor"), backend.GetInput{Key: key("debtor", "1")})
	require.ErrorIs(t, err, backend.ErrThrottled, "the debtor was kept, still in debt")
}

// manyTenants is how many tenants TestMillionsOfTenants touches: 200,000
// in `make test`, 2 million with the build tag long (`make test-long`,
// long_test.go), which takes a minute under the race detector.
var manyTenants = 200_000

// TestMillionsOfTenants touches manyTenants tenants, ten times the cap
// and more: the map stays at its cap, and the heap bounded.
func TestMillionsOfTenants(t *testing.T) {
	if testing.Short() {
		t.Skip("many tenants")
	}
	clk := newClock()
	const maxTenants = 50_000
	lb, err := limit.New(&nopBackend{}, limit.WithClock(clk.Now), limit.WithMaxTenants(maxTenants), limit.WithIdleAfter(time.Second), limit.WithLimits(func(string) limit.Limits {
		return limit.Limits{RequestsPerSecond: 1, RequestBurst: 1}
	}))
	require.NoError(t, err)
	l, _ := limit.Of(lb)
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	base := context.Background()
	n := manyTenants
	for i := range n {
		ctx, err := tenantctx.WithTenant(base, fmt.Sprint("tenant-", i))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := lb.Get(ctx, backend.GetInput{}); err != nil {
			t.Fatal(err)
		}
		if i%10 == 0 {
			clk.Advance(time.Millisecond) // 10,000 tenants a second: each full again 1 s after its request
		}
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	st := l.Stats()
	growth := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("%d tenants: %d kept (cap %d), %d dropped idle, %d evicted; heap +%.1f MB (%.0f B per tenant kept)",
		n, st.Tenants, maxTenants, st.Idle, st.Evicted, float64(growth)/1e6, float64(growth)/float64(max(st.Tenants, 1)))
	assert.LessOrEqual(t, st.Tenants, maxTenants)
	assert.Equal(t, uint64(n), uint64(st.Tenants)+st.Idle+st.Evicted)
	assert.Less(t, growth, int64(maxTenants*600), "heap bounded by the cap")
	assert.Zero(t, st.Evicted, "idle tenants were dropped before the cap was reached")
	assert.Less(t, st.Tenants, 20_000, "about a second's worth of tenants kept")
}

// nopBackend answers every call with nothing, at no cost.
type nopBackend struct{ backend.Registry }

func (*nopBackend) Get(context.Context, backend.GetInput) (backend.Item, error) { return nil, nil }
func (*nopBackend) Put(context.Context, backend.PutInput) error                 { return nil }
func (*nopBackend) Update(context.Context, backend.UpdateInput) (backend.Item, error) {
	return nil, nil
}
func (*nopBackend) Delete(context.Context, backend.DeleteInput) error { return nil }
func (*nopBackend) Query(context.Context, backend.QueryInput) (backend.QueryOutput, error) {
	return backend.QueryOutput{}, nil
}
func (*nopBackend) BatchGet(context.Context, backend.BatchGetInput) (backend.BatchGetOutput, error) {
	return backend.BatchGetOutput{}, nil
}
func (*nopBackend) BatchWrite(context.Context, backend.BatchWriteInput) (backend.BatchWriteOutput, error) {
	return backend.BatchWriteOutput{}, nil
}
func (*nopBackend) TransactWrite(context.Context, backend.TransactInput) error { return nil }

// TestInterfaces: the limiter has the optional interfaces of what it
// wraps, and answers as it does.
func TestInterfaces(t *testing.T) {
	mem := memory.New(memory.WithIndexSlots(1, 2))
	lb, err := limit.New(mem)
	require.NoError(t, err)
	_, ok := lb.(backend.Scanner)
	assert.True(t, ok, "memory scans, so the limiter does")
	_, ok = lb.(backend.Lender)
	assert.True(t, ok)
	r, ok := lb.(backend.IndexReporter)
	require.True(t, ok)
	set, checked := r.KnownIndexes()
	wantSet, wantChecked := mem.KnownIndexes()
	assert.Equal(t, wantSet, set)
	assert.Equal(t, wantChecked, checked)
	assert.Equal(t, 2, lb.(backend.IndexCounter).Indexes())

	nb, err := limit.New(&nopBackend{})
	require.NoError(t, err)
	_, ok = nb.(backend.Scanner)
	assert.False(t, ok, "a backend that cannot scan stays one")
	set, checked = nb.(backend.IndexReporter).KnownIndexes()
	assert.Equal(t, backend.AllIndexes, set)
	assert.True(t, checked)
	l, ok := limit.Of(nb)
	require.True(t, ok)
	_, isNop := l.Unwrap().(*nopBackend)
	assert.True(t, isNop)
	_, ok = limit.Of(mem)
	assert.False(t, ok)
}
