package repo

import (
	"context"
	"time"

	"github.com/tenantrepo/tenantrepo/backend"
)

// Observer sees every call of a repository: Start before the call sends
// its first request, End once when it returns, both with the same *Call.
// Install one with Options.Observer; packages tenantotel and tenantslog
// have observers for OpenTelemetry and log/slog. A repository without an
// observer does none of this work.
//
// Start returns the context the call goes on with, so an observer can put
// a span in it: the requests the call sends (and the SDK's spans, if the
// DynamoDB client is instrumented) are made in that context. An observer
// must be safe for concurrent use, and must not keep the *Call past End:
// the repository may reuse it.
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
	// has none (the call then fails with ErrNoTenant).
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
	// for a Get that found its entity, the page's length for List and
	// Query, the actions of a transaction.
	Items int
	// Usage is what the call's requests cost: capacity consumed on the
	// table and each index as the backend reported it, requests, retries
	// and throttles.
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
