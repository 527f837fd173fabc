// Package limit keeps one tenant of a pooled table from starving the
// others: New puts a limiter in front of a backend.Backend, with token
// buckets (golang.org/x/time/rate) per tenant in requests per second and in
// capacity units per second.
//
//	lb, err := limit.New(store, limit.WithLimits(func(tenant string) limit.Limits {
//		return limit.Limits{RequestsPerSecond: 100, UnitsPerSecond: 200}
//	}))
//	users, err := repo.New[User](lb)
//
// # Which tenant
//
// The tenant is the one the call's context carries (package tenantctx),
// read and checked again on every call. A context whose tenant cannot be
// read is refused with ErrInvalidTenant. Calls whose context carries no
// tenant, the operator's (package ops, tenantctx.AsOperator) and any made
// on the backend directly, share one bucket with Options.Operator's limits,
// unlimited by default: ops paces its bulk work with its own ops.Pace.
//
// Package ops's operations on one tenant (Export, Purge, Stats, ...) run
// with the tenant's context, so through a limiter they spend the tenant's
// budget, and fail with the throttle when they exceed it: give them the
// wrapped backend (Limiter.Unwrap) and an ops.Pace, or a Pace below the
// tenant's limits.
//
// # The limits
//
// Options.Limits, a function the user supplies, returns a tenant's Limits
// (per tenant or per tier; a zero rate is no limit). It is called at a
// tenant's first request and again only after its buckets were dropped
// (see below) or Limiter.Forget. Limits it returns that are invalid
// (negative or NaN rates or bursts), or a panic of the function, refuse
// the tenant's calls with ErrInvalidLimits, a kind of
// backend.ErrInvalidArgument, and are asked again at the next call: the
// limiter fails closed, and says why. So is a UnitBurst above 0 and below
// half a unit, which no request would ever fit in.
//
// The limits function may read a tenant's tier from the table through the
// limiter with the operator's context (no tenant: the operator's bucket),
// or on the wrapped backend (Limiter.Unwrap). A request it makes through
// the limiter for a tenant without buckets (its own tenant, say) would
// need the limits function again, without end: that request is refused
// with ErrInvalidLimits instead, and the function goes on.
//
// A request takes one token from the tenant's requests bucket. The units
// bucket is charged after each request with what the request consumed, on
// the table and every index, read and write together, as the backend
// reports it (backend.WithUnitsMeter around the request: DynamoDB's
// ConsumedCapacity, asked for as a TOTAL unless a full meter
// (backend.WithMeter, repo.WithMeter, an observer) meters the call too, or
// the memory backend's figures by the same rules). A
// request's cost is only known once it is done, so the units bucket may go
// into debt; while it is in debt (less than half a unit in it) the
// tenant's requests are refused, until it has filled again.
//
// # Over the limit
//
// A refused call returns a *backend.ThrottledError with Reason
// backend.ThrottleTenantLimit, the Tenant, and RetryAfter, the time until
// the buckets allow a request, without calling the wrapped backend; it is
// charged to the context's meter as a throttle (backend.Usage.Throttles),
// so observers count it. The repository reports it as repo.ErrThrottled,
// and repo.RetryAfter reads RetryAfter through it; package tenanthttp
// writes it as 429 Too Many Requests with a Retry-After header.
//
// # Cost and memory
//
// The check is O(1): a lookup in one of 64 shards of a map, each under its
// own lock, and the buckets' own locks. Memory stays bounded with any
// number of tenants: a tenant's buckets are dropped once they are full
// again and unused for Options.IdleAfter (a new full bucket behaves the
// same, so this changes nothing), and past Options.MaxTenants about the
// least recently used tenant's buckets are dropped even if not full
// (that tenant starts again with full buckets; Stats.Evicted counts it).
// Each tenant kept costs heap for its entry and buckets plus its ID, which
// the limiter keeps: with 8-byte tenant IDs about 200 bytes with a
// requests limit and 265 with requests and units limits; with IDs of the
// longest length (entity.MaxTenantIDBytes, 2041 bytes) about 2.2 and 2.3
// KB (measured with runtime.MemStats around 2,000 to 200,000 tenants,
// TestAttack14BytesPerTenant). So the default cap of 100,000 tenants is
// about 27 MB with short IDs, and up to about 230 MB with the longest.
//
// The backend New returns has the optional interfaces of the one it wraps
// that the repository and package ops look for (backend.Scanner,
// backend.Lender, backend.IndexReporter, backend.IndexCounter), so that
// wrapping changes nothing but the limits; the conformance suite runs on
// it.
package limit
