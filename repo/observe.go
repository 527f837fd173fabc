package repo

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// Observer sees every call of a repository: Start before the call sends
// its first request, End once when it returns, both with the same *Call.
// Install one with Options.Observer; packages tenantotel and tenantslog
// have observers for OpenTelemetry and log/slog. A repository without an
// observer does none of this work.
//
// Start returns the context the call goes on with, so an observer can put
// a span in it: the requests the call sends (and the SDK's spans, if the
// DynamoDB client is instrumented) are made in that context, and End is
// given it. An observer must be safe for concurrent use, and must not keep
// the *Call past End: the repository reuses it.
//
// Every call is observed, also one refused before it sends anything (an
// invalid ID, no tenant: its Usage is zero). All, QueryAll and an index's
// All are observed page by page. Transact is observed by the observer of
// its first action's repository.
//
// An observer cannot change what a call does. The requests are made with
// the values of the context Start returned but with the deadline and
// cancellation of the call's own: a context from Start that is canceled,
// past a deadline, or never canceled changes nothing of when the call
// stops. The call's tenant is read from its own context before Start, and
// every key comes from it: a context from Start that names another tenant,
// or none, changes no key, and the requests are made in it with the call's
// tenant put back, so a limiter (package limit) charges the call's tenant
// and per-tenant credentials sign for it; a context from Start whose tenant
// cannot be read at all is not used for the requests. A nil context from
// Start leaves the call's own; a panic in Start or End is recovered, and
// the call goes on and returns what it returns. A call that itself panics
// does not reach End.
type Observer interface {
	Start(ctx context.Context, c *Call) context.Context
	End(ctx context.Context, c *Call)
}

// Op names a repository call, for observers.
type Op string

// The calls an Observer sees.
const (
	OpGet         Op = "Get"
	OpCreate      Op = "Create"
	OpPut         Op = "Put"
	OpUpdate      Op = "Update"
	OpUpdateExpr  Op = "UpdateExpr"
	OpDelete      Op = "Delete"
	OpList        Op = "List"  // one page; All reports each page it reads
	OpQuery       Op = "Query" // one page of Query or QueryAll, or of an index (Call.Index set)
	OpBatchGet    Op = "BatchGet"
	OpBatchPut    Op = "BatchPut"
	OpBatchDelete Op = "BatchDelete"
	OpTransact    Op = "Transact"
)

// Call describes one repository call to an Observer. Start sees the fields
// above Begin; End sees all of them.
type Call struct {
	// Tenant is the tenant ID of the call's context, "" when the context
	// has none or one that breaks the key rules (the call then fails with
	// ErrNoTenant or ErrInvalidTenant): never a value the rules refused.
	Tenant string
	// Type is the entity's Go type ("main.User"), Prefix its sort-key
	// prefix ("user"). A transaction of several types has those of its
	// first action.
	Type, Prefix string
	Op           Op
	// Index is the index an index query reads (its name in entity.Index,
	// such as "by-email"), "" otherwise.
	Index string
	// Begin is when the call started.
	Begin time.Time

	// Items is how many entities the call returned, wrote or deleted: 1
	// for a Get that found its entity and for a single write or Delete
	// that succeeded (or was stored, ErrApplied), the page's length for
	// List and Query, the entities found by BatchGet, those written or
	// deleted by BatchPut and BatchDelete (a *BatchError's Done), the
	// actions of a transaction that succeeded; 0 otherwise.
	Items int
	// Usage is what the call's requests cost: capacity consumed on the
	// table and each index as the backend reported it, requests, retries
	// (the SDK's, and the repository's requests for the items a batch
	// left unprocessed) and throttles. The call's requests are charged to
	// a Meter of its own, which also passes them on to any Meter of the
	// context Start returned.
	Usage backend.Usage
	// Err is the error the call returns, nil on success; Kind its kind,
	// one of this package's sentinels (ErrNotFound, ...) or nil.
	Err  error
	Kind error
	// Duration is how long the call took.
	Duration time.Duration
}

// Meter adds up what the requests of the calls made with its context cost;
// see WithMeter. It is backend.Meter.
type Meter = backend.Meter

// Usage is what requests cost: capacity units, requests, retries and
// throttles. It is backend.Usage.
type Usage = backend.Usage

// WithMeter returns a context whose calls are metered, and their Meter:
// after a call made with the context (or one made from it), Meter.Usage
// says what DynamoDB charged for it, on either backend. It suits tests
// that assert what an operation costs:
//
//	ctx, m := repo.WithMeter(ctx)
//	_, err := users.Get(ctx, "42")
//	fmt.Println(m.Usage().Capacity.Total().Read) // 0.5
func WithMeter(ctx context.Context) (context.Context, *Meter) { return backend.WithMeter(ctx) }

// observed is a call in progress that an Observer sees: what End needs.
type observed struct {
	obs   Observer
	start context.Context // the context Start returned: End is given it
	// ctx is start with the call's Meter: the context the call's requests
	// are made in, so every backend charges the call.
	ctx   context.Context
	meter *Meter
	call  *Call
}

// callPool holds the Calls of ended calls for reuse: an observed call
// allocates no Call of its own (see Observer: a Call is not kept past
// End).
var callPool = sync.Pool{New: func() any { return new(Call) }}

// start begins an observed call of the repository's type.
func (r *Repository[T]) start(ctx context.Context, ct callTenant, op Op, index string) observed {
	return startCall(r.observer, ctx, ct, r.typeName, r.prefix, op, index)
}

// startCall tells obs that a call begins, and returns the context the call
// goes on with: the one Start returned, or ctx when Start returned nil or
// panicked (an observer cannot stop or break a call), with a Meter of the
// call's own. The call's tenant is ct, read before Start: its keys never
// come from the context Start returns, which could name another tenant,
// and its requests carry ct's tenant (see pinTenant).
// A nil ctx (which the call refuses) is shown to Start as
// context.Background().
func startCall(obs Observer, ctx context.Context, ct callTenant, typeName, prefix string, op Op, index string) observed {
	c := callPool.Get().(*Call)
	*c = Call{Tenant: ct.id(), Type: typeName, Prefix: prefix, Op: op, Index: index, Begin: time.Now()}
	if ctx == nil {
		ctx = context.Background()
	}
	start := observerStart(obs, ctx, c)
	if start == nil {
		start = ctx
	}
	run := pinTenant(start, ctx, ct)
	if run != ctx {
		run = ownCancel{Context: run, own: ctx}
	}
	mctx, m := backend.WithMeter(run)
	return observed{obs: obs, start: start, ctx: mctx, meter: m, call: c}
}

// ownCancel is the context an observed call's requests are made in when
// Start returned another context than the call's: the values of that
// context (the observer's span, the tenant pinTenant leaves there), and
// the deadline, cancellation and error of the call's own. An observer can
// neither stop a call, with a context canceled or past a deadline, nor
// keep it going after its caller cancels it.
type ownCancel struct {
	context.Context // for Value
	own             context.Context
}

func (c ownCancel) Deadline() (time.Time, bool) { return c.own.Deadline() }
func (c ownCancel) Done() <-chan struct{}       { return c.own.Done() }
func (c ownCancel) Err() error                  { return c.own.Err() }

// pinTenant returns the context a call's requests are made in, given the
// context start that the observer's Start returned and the call's own ctx:
// start when it carries the call's tenant as package tenantctx reads it;
// else start with the call's tenant put back over what the observer put
// there (another tenant, none, an operator's mark); else, for a context
// whose tenant cannot be read even so (one that answers keys it was never
// given), the call's own. A limiter in front of the backend then charges
// the call's tenant, and per-tenant credentials sign for it, whatever the
// observer did. A call whose context gave no tenant sends nothing, so
// start is left as it is.
func pinTenant(start, ctx context.Context, ct callTenant) context.Context {
	if ct.cause != nil {
		return start
	}
	id := ct.id()
	if readsTenant(start, id) {
		return start
	}
	if pinned, err := tenantctx.WithTenant(start, id); err == nil && readsTenant(pinned, id) {
		return pinned
	}
	return ctx
}

// readsTenant reports whether tenantOf reads the tenant id from ctx, as it
// would were ctx not canceled: the call's own cancellation governs its
// requests, not the observer's context's.
func readsTenant(ctx context.Context, id string) bool {
	if ctx.Err() != nil {
		ctx = context.WithoutCancel(ctx)
	}
	got := tenantOf(ctx)
	return got.cause == nil && got.id() == id
}

// observerStart calls obs.Start, and returns nil when it panics.
func observerStart(obs Observer, ctx context.Context, c *Call) (out context.Context) {
	defer func() {
		if recover() != nil {
			out = nil
		}
	}()
	return obs.Start(ctx, c)
}

// end tells the observer that the call ended, having returned, written or
// deleted items entities, with err. A panic in End is recovered: the call
// returns what it returns.
func (o observed) end(items int, err error) {
	c := o.call
	c.Items = items
	c.Usage = o.meter.Usage()
	c.Err = err
	c.Kind = errorKind(err)
	c.Duration = time.Since(c.Begin)
	func() {
		defer func() { _ = recover() }()
		o.obs.End(o.start, c)
	}()
	*c = Call{}
	callPool.Put(c)
}

// one is the Items of a call of one entity: 1 when it succeeded, or when
// its write was stored though the entity did not decode (ErrApplied).
func one(err error) int {
	if err == nil || errors.Is(err, ErrApplied) {
		return 1
	}
	return 0
}

// sentinels are the kinds of error, the narrower ahead of the broader
// (ErrMissingIndex before ErrInvalidArgument), for errorKind.
var sentinels = []error{
	ErrNotFound, ErrAlreadyExists, ErrNoTenant, ErrInvalidTenant, ErrInvalidID,
	ErrInvalidCursor, ErrItemTooLarge, ErrMissingIndex, ErrUnknownIndex,
	ErrInvalidArgument, ErrDuplicatePrefix, ErrDecode, ErrThrottled, ErrConflict,
	ErrConditionFailed, ErrTxCanceled, ErrUnsupported,
}

// errorKind returns the kind of an error a call returns: the sentinel its
// opError was made with, ErrTxCanceled for a *TxError, else the first of
// the sentinels it wraps (a tenant's or an ID's error, which opError
// carries as its cause); nil for nil, context errors and a *BatchError
// that the context ended.
func errorKind(err error) error {
	switch e := err.(type) {
	case nil, *BatchError:
		return nil
	case *TxError:
		return ErrTxCanceled
	case *opError:
		if e.kind != nil {
			return e.kind
		}
		if e.err == nil {
			return nil
		}
		err = e.err
	}
	for _, k := range sentinels {
		if errors.Is(err, k) {
			return k
		}
	}
	return nil
}
