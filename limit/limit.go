package limit

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"runtime"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/internal/isnil"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// Limits are the rates one tenant (or the operator) may use. A zero rate is
// no limit on that measure; a rate of +Inf is no limit either.
type Limits struct {
	// RequestsPerSecond limits the requests sent to the backend: each
	// call of a Backend method is one request (a BatchGet of 100 keys is
	// one, as it is one request to DynamoDB).
	RequestsPerSecond float64
	// RequestBurst is how many requests may go at once after a quiet
	// spell: the size of the bucket. 0 means one second's worth
	// (RequestsPerSecond rounded up, at least 1).
	RequestBurst int
	// UnitsPerSecond limits the capacity units the tenant's requests
	// consume, read and write together, table and indexes together, as
	// the backend reports them (backend.Usage) once each request is done.
	UnitsPerSecond float64
	// UnitBurst is how many capacity units the bucket holds after a quiet
	// spell. 0 means one second's worth (UnitsPerSecond, at least 1).
	UnitBurst float64
}

// ErrInvalidLimits reports Limits the limits function returned that cannot
// be applied: a negative or NaN rate, a negative or NaN burst, a burst over
// MaxBurst, a UnitBurst above 0 and below half a unit (the least a request
// needs); or a limits function that panicked, or that made a request
// through the limiter that needed the limits function again (that request
// is refused). The call is refused, and
// nothing is sent: a mistake in the function fails closed, visibly. It
// wraps backend.ErrInvalidArgument, which the repository reports as
// repo.ErrInvalidArgument.
var ErrInvalidLimits = fmt.Errorf("limit: invalid limits: %w", backend.ErrInvalidArgument)

// ErrInvalidTenant reports a context whose tenant cannot be read (an ID that
// breaks the rules of package tenantctx, a hostile context). The call is
// refused, and nothing is sent. It wraps backend.ErrInvalidArgument, and the
// error of tenantctx.
var ErrInvalidTenant = fmt.Errorf("limit: invalid tenant in the context: %w", backend.ErrInvalidArgument)

// MaxBurst is the largest RequestBurst and UnitBurst a Limits may have.
const MaxBurst = 1 << 30

// Check reports what is wrong with l, with an error wrapping
// ErrInvalidLimits: what the limiter refuses a tenant's calls for when the
// limits function returns it. Configuration read from flags or files can
// be checked with it at start-up.
func (l Limits) Check() error {
	for _, f := range [...]struct {
		name string
		v    float64
	}{{"RequestsPerSecond", l.RequestsPerSecond}, {"UnitsPerSecond", l.UnitsPerSecond}, {"UnitBurst", l.UnitBurst}} {
		if f.v < 0 || math.IsNaN(f.v) {
			return fmt.Errorf("%w: %s is %v, not a number of at least 0", ErrInvalidLimits, f.name, f.v)
		}
	}
	if l.RequestBurst < 0 || l.RequestBurst > MaxBurst {
		return fmt.Errorf("%w: RequestBurst is %d, not from 0 to %d", ErrInvalidLimits, l.RequestBurst, MaxBurst)
	}
	if l.UnitBurst > MaxBurst/2 {
		return fmt.Errorf("%w: UnitBurst is %v, over %d", ErrInvalidLimits, l.UnitBurst, MaxBurst/2)
	}
	if l.UnitBurst > 0 && l.UnitBurst < minUnits {
		// The bucket would never hold what a request needs: every
		// request refused, each time with a RetryAfter that lies.
		return fmt.Errorf("%w: UnitBurst is %v, below the %v units a request needs", ErrInvalidLimits, l.UnitBurst, minUnits)
	}
	return nil
}

// limited reports whether r is a rate that limits.
func limited(r float64) bool { return r > 0 && !math.IsInf(r, 1) }

// Options configure a limiter.
type Options struct {
	// Limits returns the limits of a tenant. It is called when the
	// tenant's buckets are made: at its first request, and again after
	// they were evicted (see MaxTenants); call Limiter.Forget to apply a
	// changed limit at once. It must be safe for concurrent use. nil
	// limits no tenant.
	Limits func(tenant string) Limits
	// Operator are the limits of the calls whose context carries no
	// tenant: the operator's (package ops, tenantctx.AsOperator) and any
	// other caller's of the backend itself. They share one bucket. The
	// zero value, the default, limits nothing: the operator paces its
	// bulk work with ops.Pace.
	Operator Limits
	// MaxTenants is the most tenants whose buckets are kept. A tenant's
	// buckets are dropped once full again and unused for IdleAfter, which
	// changes nothing; past MaxTenants, about the least recently used
	// tenant's are dropped even if not full, and it starts again with
	// full buckets. 0 means DefaultMaxTenants; values below 64 are taken
	// as 64 (the buckets are kept in 64 shards).
	MaxTenants int
	// IdleAfter is how long a tenant's buckets must be unused, besides
	// full again, before they are dropped. 0 means DefaultIdleAfter.
	IdleAfter time.Duration
	// Clock returns the time; nil means time.Now. Tests pass a fake clock.
	Clock func() time.Time
}

// DefaultIdleAfter is Options.IdleAfter when not set.
const DefaultIdleAfter = 10 * time.Second

// WithIdleAfter returns an option that sets Options.IdleAfter.
func WithIdleAfter(d time.Duration) func(*Options) { return func(o *Options) { o.IdleAfter = d } }

// DefaultMaxTenants is Options.MaxTenants when not set: at most about 27
// MB of buckets with 8-byte tenant IDs, 230 MB with IDs of the longest
// length (see "Cost and memory" in the package doc).
const DefaultMaxTenants = 100_000

// WithLimits returns an option that sets Options.Limits.
func WithLimits(f func(tenant string) Limits) func(*Options) {
	return func(o *Options) { o.Limits = f }
}

// WithOperatorLimits returns an option that sets Options.Operator.
func WithOperatorLimits(l Limits) func(*Options) { return func(o *Options) { o.Operator = l } }

// WithMaxTenants returns an option that sets Options.MaxTenants.
func WithMaxTenants(n int) func(*Options) { return func(o *Options) { o.MaxTenants = n } }

// WithClock returns an option that sets Options.Clock.
func WithClock(now func() time.Time) func(*Options) { return func(o *Options) { o.Clock = now } }

// Limiter is the state of a limiter: the tenants' buckets. New returns it
// wrapped as a backend.Backend; Of finds it in that backend.
type Limiter struct {
	inner    backend.Backend
	limits   func(string) Limits
	now      func() time.Time
	operator *bucket
	table    table
}

// New returns a backend that sends the calls to b, except those of a
// tenant over its limits, which it refuses with a *backend.ThrottledError
// (Reason backend.ThrottleTenantLimit, with Tenant and RetryAfter) without
// calling b. It charges every refusal to the context's meter as a throttle
// (backend.Usage{Throttles: 1}).
//
// The backend it returns has the optional interfaces of b that the
// repository and package ops look for (backend.Scanner when b has it,
// backend.Lender, backend.IndexReporter, backend.IndexCounter), and behaves
// as b does in everything but the limits.
func New(b backend.Backend, optFns ...func(*Options)) (backend.Backend, error) {
	if isnil.Is(b) {
		return nil, fmt.Errorf("limit: %w: nil backend", backend.ErrInvalidArgument)
	}
	var o Options
	for _, f := range optFns {
		if f == nil {
			return nil, fmt.Errorf("limit: %w: nil option", backend.ErrInvalidArgument)
		}
		f(&o)
	}
	if o.MaxTenants < 0 {
		return nil, fmt.Errorf("limit: %w: MaxTenants %d is negative", backend.ErrInvalidArgument, o.MaxTenants)
	}
	if o.MaxTenants == 0 {
		o.MaxTenants = DefaultMaxTenants
	}
	if o.IdleAfter < 0 {
		return nil, fmt.Errorf("limit: %w: IdleAfter %v is negative", backend.ErrInvalidArgument, o.IdleAfter)
	}
	if o.IdleAfter == 0 {
		o.IdleAfter = DefaultIdleAfter
	}
	if err := o.Operator.Check(); err != nil {
		return nil, fmt.Errorf("limit: operator limits: %w", err)
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	l := &Limiter{inner: b, limits: o.Limits, now: o.Clock}
	l.operator = newBucket("", o.Operator, l.now())
	l.table.init(o.MaxTenants, o.IdleAfter)
	if _, ok := b.(backend.Scanner); ok {
		return &scanning{l}, nil
	}
	return l, nil
}

// Of returns the Limiter of a backend New returned.
func Of(b backend.Backend) (*Limiter, bool) {
	switch v := b.(type) {
	case *Limiter:
		return v, true
	case *scanning:
		return v.Limiter, true
	}
	return nil, false
}

// Unwrap returns the backend the limiter sends calls to.
func (l *Limiter) Unwrap() backend.Backend { return l.inner }

// Forget drops the tenant's buckets, so that its next request reads its
// limits again, with full buckets.
func (l *Limiter) Forget(tenant string) { l.table.forget(tenant) }

// Stats are counts of a limiter's state.
type Stats struct {
	// Tenants is the number of tenants whose buckets are kept.
	Tenants int
	// Idle counts the tenants dropped because their buckets were full.
	Idle uint64
	// Evicted counts the tenants dropped, past MaxTenants, before their
	// buckets were full.
	Evicted uint64
	// Throttled counts the calls refused.
	Throttled uint64
}

// Stats returns the limiter's counts.
func (l *Limiter) Stats() Stats { return l.table.stats() }

// bucketFor returns the bucket of the context's tenant, or an error
// refusing the call.
func (l *Limiter) bucketFor(ctx context.Context, now time.Time) (*bucket, error) {
	id, err := tenantctx.FromContext(ctx)
	if err != nil {
		if errors.Is(err, tenantctx.ErrNoTenant) && !errors.Is(err, tenantctx.ErrInvalidTenant) {
			return l.operator, nil
		}
		return nil, fmt.Errorf("%w: %w", ErrInvalidTenant, err)
	}
	return l.table.get(id, now, l.limitsOf)
}

// limitsOf calls the limits function, turning a panic into an error. It
// refuses a call from inside the limits function (a request the function
// made through the limiter, for a tenant without buckets), which would
// call the function again, and again, until the stack overflowed.
func (l *Limiter) limitsOf(tenant string) (lim Limits, err error) {
	if l.limits == nil {
		return Limits{}, nil
	}
	if insideLimits() {
		return Limits{}, fmt.Errorf("%w: the limits function made a request through the limiter for tenant %q, whose limits it would have to give first", ErrInvalidLimits, tenant)
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: the limits function panicked for tenant %q: %v", ErrInvalidLimits, tenant, p)
		}
	}()
	lim = callLimits(l.limits, tenant)
	if err := lim.Check(); err != nil {
		return Limits{}, fmt.Errorf("%w (tenant %q)", err, tenant)
	}
	return lim, nil
}

// do runs one call: it refuses it when the tenant is over its limits, else
// calls f with a context that meters what the call consumes when the
// tenant has a units limit, and charges that to its units bucket.
func (l *Limiter) do(ctx context.Context, f func(context.Context) error) error {
	now := l.now()
	b, err := l.bucketFor(ctx, now)
	if err != nil {
		return err
	}
	if b.unlimited() {
		return f(ctx)
	}
	if wait, ok := b.admit(now); !ok {
		l.table.throttled.Add(1)
		backend.Charge(ctx, backend.Usage{Throttles: 1})
		return &backend.ThrottledError{Reason: backend.ThrottleTenantLimit, Tenant: b.tenant, RetryAfter: wait}
	}
	if b.units == nil {
		return f(ctx)
	}
	mctx, m := backend.WithUnitsMeter(ctx) // the total is all it reads
	err = f(mctx)
	// Charged as of the admission: the clock is read once a call (it is
	// not free on every machine), and the debt is the same.
	b.charge(now, m.Usage().Capacity.Total())
	return err
}

// bucket holds the token buckets of one tenant. rate.Limiter and
// unitBucket lock themselves; the fields of bucket are set once.
type bucket struct {
	tenant string
	reqs   *rate.Limiter // nil: no limit
	units  *unitBucket   // nil: no limit
}

// minUnits is what the units bucket must hold for a request to go: half a
// unit, the least a read costs.
const minUnits = 0.5

// unitBucket is a token bucket of capacity units that may go into debt: a
// request's cost is known only after it, and may be more than the bucket
// holds. (rate.Limiter takes at most its burst at once, so a large charge
// would take many calls.)
type unitBucket struct {
	mu     sync.Mutex
	rate   float64 // units a second
	burst  float64
	tokens float64 // as of last; below 0 in debt
	last   time.Time
}

// at returns the tokens at now. The caller holds mu.
func (u *unitBucket) at(now time.Time) float64 {
	if d := now.Sub(u.last); d > 0 {
		return min(u.burst, u.tokens+d.Seconds()*u.rate)
	}
	return u.tokens
}

// tokensAt returns the tokens at now.
func (u *unitBucket) tokensAt(now time.Time) float64 {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.at(now)
}

// take takes n units at now, into debt if need be.
func (u *unitBucket) take(now time.Time, n float64) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.tokens = u.at(now) - n
	if now.After(u.last) {
		u.last = now
	}
}

// newBucket returns full buckets for the limits lim, which check accepted.
func newBucket(tenant string, lim Limits, now time.Time) *bucket {
	b := &bucket{tenant: tenant}
	if limited(lim.RequestsPerSecond) {
		burst := lim.RequestBurst
		if burst == 0 {
			burst = int(min(math.Ceil(lim.RequestsPerSecond), MaxBurst))
		}
		b.reqs = rate.NewLimiter(rate.Limit(lim.RequestsPerSecond), max(burst, 1))
		b.reqs.SetBurstAt(now, b.reqs.Burst()) // full, as of now
	}
	if limited(lim.UnitsPerSecond) {
		burst := lim.UnitBurst
		if burst == 0 {
			burst = max(lim.UnitsPerSecond, 1)
		}
		burst = min(burst, MaxBurst/2)
		b.units = &unitBucket{rate: lim.UnitsPerSecond, burst: burst, tokens: burst, last: now}
	}
	return b
}

// unlimited reports whether the bucket limits nothing.
func (b *bucket) unlimited() bool { return b.reqs == nil && b.units == nil }

// admit takes a request token when both buckets allow a request at now:
// the requests bucket holds a token, and the units bucket is not in debt
// (holds at least half a unit). Else it takes nothing and says how long
// until both would allow it.
func (b *bucket) admit(now time.Time) (time.Duration, bool) {
	var wait time.Duration
	if b.units != nil {
		if t := b.units.tokensAt(now); t < minUnits {
			wait = max(wait, need(minUnits-t, b.units.rate))
		}
	}
	if b.reqs != nil {
		if wait > 0 {
			if t := b.reqs.TokensAt(now); t < 1 {
				wait = max(wait, need(1-t, float64(b.reqs.Limit())))
			}
		} else if !b.reqs.AllowN(now, 1) {
			wait = need(1-b.reqs.TokensAt(now), float64(b.reqs.Limit()))
		}
	}
	return wait, wait == 0
}

// need is how long a bucket filling at perSecond takes to gain tokens,
// rounded up to a millisecond and at least one, at most the longest
// time.Duration.
func need(tokens, perSecond float64) time.Duration {
	ms := math.Ceil(tokens / perSecond * 1000)
	if !(ms < float64(math.MaxInt64/int64(time.Millisecond))) { // a debt of ages, or NaN
		return time.Duration(math.MaxInt64)
	}
	return max(time.Duration(ms), 1) * time.Millisecond
}

// charge takes the units u consumed from the units bucket, into debt if
// need be.
func (b *bucket) charge(now time.Time, u backend.Units) {
	if b.units == nil {
		return
	}
	if n := u.Read + u.Write; n > 0 && !math.IsInf(n, 1) { // not 0, NaN or +Inf from a broken backend
		b.units.take(now, n)
	}
}

// full reports whether the buckets are as full at now as new ones: then
// dropping them changes nothing.
func (b *bucket) full(now time.Time) bool {
	return (b.reqs == nil || b.reqs.TokensAt(now) >= float64(b.reqs.Burst())) &&
		(b.units == nil || b.units.tokensAt(now) >= b.units.burst)
}

// callLimits calls the limits function f. Its frame on a goroutine's
// stack says that the goroutine is inside a limits function (see
// insideLimits); it is never inlined, so that the frame is there.
//
//go:noinline
func callLimits(f func(string) Limits, tenant string) Limits { return f(tenant) }

// callLimitsName is callLimits's name in stack frames.
var callLimitsName = runtime.FuncForPC(reflect.ValueOf(callLimits).Pointer()).Name()

// insideLimits reports whether the calling goroutine is inside a call of
// a limits function (of any limiter): whether callLimits is on its stack.
// Only the first request of a tenant asks, not the O(1) path of the others.
func insideLimits() bool {
	var pcs [64]uintptr
	for skip := 2; ; {
		n := runtime.Callers(skip, pcs[:])
		frames := runtime.CallersFrames(pcs[:n])
		for {
			f, more := frames.Next()
			if f.Function == callLimitsName {
				return true
			}
			if !more {
				break
			}
		}
		if n < len(pcs) {
			return false
		}
		skip += n
	}
}
