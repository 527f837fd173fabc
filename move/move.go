package move

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/route"
)

// Errors of the package. Each error a function returns wraps one of these,
// an error of package route (route.ErrStalePlacement, route.ErrNoTable),
// a backend's error (backend.KindOf classifies it) or the context's error.
var (
	// ErrInvalidArgument reports a move that cannot be: a tenant ID that
	// is not valid, a Config without a catalog or tables, options out of
	// range, or a destination that is where the tenant is already. It
	// matches backend.ErrInvalidArgument too. Nothing was changed.
	ErrInvalidArgument = fmt.Errorf("move: invalid argument: %w", backend.ErrInvalidArgument)
	// ErrInProgress reports a Run for a tenant whose move is already
	// recorded in the catalog: Resume it or Cancel it. Nothing was
	// changed.
	ErrInProgress = errors.New("move: a move of the tenant is already in progress")
	// ErrNoMove reports a Resume or Cancel for a tenant with no move
	// recorded in the catalog. Nothing was changed.
	ErrNoMove = errors.New("move: no move of the tenant is in progress")
	// ErrTooLate reports a Cancel of a move that has switched the tenant
	// to its destination: the tenant's reads and writes go there, so the
	// move can only be finished (Resume). Nothing was changed.
	ErrTooLate = errors.New("move: the move has switched the tenant; it can only be resumed")
	// ErrDestNotEmpty reports a Run whose destination table already holds
	// items in the tenant's partition (left by something else than a move
	// in progress). Nothing was changed; purge them (tenantctl purge) if
	// they are not wanted.
	ErrDestNotEmpty = errors.New("move: the destination already holds items of the tenant")
	// ErrNoChangeFeed reports a source table without a change feed, which
	// a move needs to catch up. It is backend.ErrNoChangeFeed.
	ErrNoChangeFeed = backend.ErrNoChangeFeed
	// ErrMoveChanged reports that the catalog's record of the move changed
	// under the mover: another process resumed or cancelled it. The mover
	// stopped without switching. It wraps route.ErrStalePlacement.
	ErrMoveChanged = fmt.Errorf("move: the move's record in the catalog changed under the mover: %w", route.ErrStalePlacement)
)

// Config is what a move works on: the catalog that says where each tenant
// lives, and the tables it can open and create. Use the same Catalog and
// Tables as the application's route.Router (same pool table, same silo
// name template, same change feed settings).
type Config struct {
	Catalog *route.Catalog
	Tables  route.Tables
}

// Options tune a move. Each function starts from the zero value and applies
// the caller's functions in order.
type Options struct {
	// Progress, when set, is called at the start of each phase, after each
	// page copied, batch of changes applied or batch purged, and once at
	// the end with Final set. It is called from one goroutine at a time
	// and the move waits for it: keep it short.
	Progress func(Progress)
	// DryRun checks what Run would do and changes nothing: the tenant
	// and the destination, that no move is in progress, that the source
	// has a change feed and the destination is empty; Result.Copied is
	// then the items Run would copy. Resume and Cancel refuse it.
	DryRun bool
	// PageSize is how many items one read of a partition asks for:
	// DefaultPageSize when 0, at most MaxPageSize.
	PageSize int
	// Concurrency is how many batch writes are in flight at once:
	// DefaultConcurrency when 0, at most MaxConcurrency.
	Concurrency int
	// Settle is added to the catalog's bounds in each of the move's
	// waits for every router to act on a change of placement: before the
	// copy, MaxStale + Settle after the move was recorded (every router
	// fences the tenant's writes from then on); before the fence items are
	// written, MaxStale + WriteTimeout + Settle after it was recorded (the
	// unfenced writes sent before are done or given up); before the purge,
	// MaxStale + WriteTimeout + Settle after the switch. DefaultSettle
	// when 0. It covers the requests a router sent before its cache
	// changed.
	Settle time.Duration
	// CatchupLag ends the catch-up phase: once a read of the source's
	// feed reaches its end with at most this many changes of the tenant,
	// the move pauses writes. DefaultCatchupLag when 0.
	CatchupLag int
	// Clock is the time source of the catalog's record and of the
	// durations in the result; time.Now when nil.
	Clock func() time.Time

	// hook, in tests, is called at the crash points of the move (see
	// crashPoint); an error stops the move there as a kill would.
	hook func(point string) error
}

// Defaults and limits of Options.
const (
	DefaultPageSize    = 1000
	MaxPageSize        = 1000
	DefaultConcurrency = 4
	MaxConcurrency     = 64
	DefaultSettle      = time.Second
	DefaultCatchupLag  = 100
)

// WithProgress returns an option that sets Options.Progress.
func WithProgress(fn func(Progress)) func(*Options) { return func(o *Options) { o.Progress = fn } }

// WithDryRun returns an option that sets Options.DryRun.
func WithDryRun() func(*Options) { return func(o *Options) { o.DryRun = true } }

func options(optFns []func(*Options)) (Options, error) {
	var o Options
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	switch {
	case o.PageSize < 0 || o.PageSize > MaxPageSize:
		return o, fmt.Errorf("%w: page size %d is not between 0 and %d", ErrInvalidArgument, o.PageSize, MaxPageSize)
	case o.Concurrency < 0 || o.Concurrency > MaxConcurrency:
		return o, fmt.Errorf("%w: concurrency %d is not between 0 and %d", ErrInvalidArgument, o.Concurrency, MaxConcurrency)
	case o.Settle < 0:
		return o, fmt.Errorf("%w: settle %v is below 0", ErrInvalidArgument, o.Settle)
	case o.CatchupLag < 0:
		return o, fmt.Errorf("%w: catch-up lag %d is below 0", ErrInvalidArgument, o.CatchupLag)
	}
	if o.PageSize == 0 {
		o.PageSize = DefaultPageSize
	}
	if o.Concurrency == 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Settle == 0 {
		o.Settle = DefaultSettle
	}
	if o.CatchupLag == 0 {
		o.CatchupLag = DefaultCatchupLag
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	return o, nil
}

// Progress is a report of a move under way.
type Progress struct {
	Tenant string
	// Phase is the phase the move is in.
	Phase route.Phase
	// The counts so far, as in Result.
	Copied, Applied, Repaired, Purged int
	// Elapsed is the time since the move (or this Resume) started.
	Elapsed time.Duration
	// Final is set on the last report, after the move finished.
	Final bool
}

// Result is what a move did.
type Result struct {
	Tenant string `json:"tenant"`
	// MoveID names the move in the catalog's record.
	MoveID string `json:"moveId,omitempty"`
	// From and To are the source and destination tables; "" is the pool.
	From string `json:"from"`
	To   string `json:"to"`
	// Copied are the items the copy phase wrote into the destination
	// (with DryRun, the items it would copy).
	Copied int `json:"copied"`
	// Applied are the changes of the tenant read from the source's
	// change feed and applied to the destination (the catch-up, and its
	// last read before the pause).
	Applied int `json:"applied"`
	// Repaired are the items the pause's comparison of source and
	// destination found different and wrote (or deleted) again: changes
	// the feed had not delivered yet.
	Repaired int `json:"repaired"`
	// Purged are the items deleted from the source at the end, fence
	// items included.
	Purged int `json:"purged"`
	// Pause is how long the tenant's writes were held: from the first
	// fence item written into the source to the switch recorded in the
	// catalog. Zero when this run did not pause (a Resume after it).
	Pause time.Duration `json:"pause"`
	// Phases are how long each phase took in this run.
	Phases map[route.Phase]time.Duration `json:"phases"`
	// ResumedAt is the phase a Resume continued from; empty for Run.
	ResumedAt route.Phase `json:"resumedAt,omitempty"`
	DryRun    bool        `json:"dryRun,omitempty"`
}

// Run moves tenant to the table to ("" for the pool), online: the tenant's
// reads and writes through a route.Router on the same catalog go on while
// it runs, except that writes wait during the short pause (see the package
// documentation for the phases). It returns when the source no longer
// holds anything of the tenant and the catalog's record of the move is
// gone.
//
// A Run that returns an error (or whose process dies) leaves the move
// recorded in the catalog: Resume finishes it, Cancel (before the switch)
// undoes it. Until then the tenant keeps working from the source, except
// after a stop in the pause, when its writes wait for Resume or Cancel
// (and fail with route.ErrMoving after the router's PauseWait).
//
// Errors: ErrInvalidArgument, ErrInProgress, ErrDestNotEmpty,
// ErrNoChangeFeed, ErrMoveChanged, route.ErrNoTable (a silo table that
// cannot be made), the backends' and the context's errors.
func Run(ctx context.Context, cfg Config, tenant, to string, optFns ...func(*Options)) (Result, error) {
	m, err := newMover(cfg, tenant, optFns)
	if err != nil {
		return Result{Tenant: tenant, To: to}, err
	}
	return m.run(ctx, to)
}

// Resume continues the move of tenant recorded in the catalog from its
// phase: copy runs again from the start, catch-up goes on from the
// recorded checkpoint of the source's feed, a pause fences the source
// again, and a switched move goes on to purge the source. It ends as Run
// does.
//
// Errors: ErrNoMove, ErrInvalidArgument (DryRun; an invalid tenant),
// and those of Run.
func Resume(ctx context.Context, cfg Config, tenant string, optFns ...func(*Options)) (Result, error) {
	m, err := newMover(cfg, tenant, optFns)
	if err != nil {
		return Result{Tenant: tenant}, err
	}
	if m.o.DryRun {
		return Result{Tenant: tenant}, fmt.Errorf("%w: a dry run of Resume", ErrInvalidArgument)
	}
	return m.resume(ctx)
}

// Cancel undoes the move of tenant recorded in the catalog, before its
// switch: it deletes the fence items from the source (the tenant's writes
// go on there), deletes the tenant's items from the destination, and
// removes the move from the catalog. The tenant's data and placement are
// as they were before the move, except for the writes made meanwhile,
// which are in the source. A Cancel stopped by an error can be run again.
//
// Cancel is for a move that is not running (stopped, or its process
// dead): stop a running Run first. A Run still running notices the
// Cancel at its next step and stops with ErrMoveChanged, never
// switching.
//
// Errors: ErrNoMove, ErrTooLate (the move switched: Resume it),
// ErrInvalidArgument, ErrMoveChanged, the backends' and the context's
// errors.
func Cancel(ctx context.Context, cfg Config, tenant string, optFns ...func(*Options)) error {
	m, err := newMover(cfg, tenant, optFns)
	if err != nil {
		return err
	}
	if m.o.DryRun {
		return fmt.Errorf("%w: a dry run of Cancel", ErrInvalidArgument)
	}
	return m.cancel(ctx)
}
