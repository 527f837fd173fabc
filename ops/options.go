package ops

import (
	"fmt"
	"time"
)

// Options tune a bulk operation. Each operation starts from the zero value
// and applies the caller's functions in order; the With... functions below
// set one field each, and a caller may write its own func(*Options).
type Options struct {
	// Pace limits the operation's rate, so that it does not starve live
	// traffic of the table; the zero Pace is unlimited.
	Pace Pace
	// Progress, when set, is called after each page read or batch written
	// with the counts so far, and once more at the end with Final set. It
	// is called from one goroutine at a time, and the operation waits for
	// it: keep it short.
	Progress func(Progress)
	// Concurrency is how many write requests (batches of up to 25 items,
	// or single updates) are in flight at once: DefaultConcurrency when 0,
	// at most MaxConcurrency.
	Concurrency int
	// PageSize is how many items one read asks for: DefaultPageSize when
	// 0, at most MaxPageSize.
	PageSize int
	// Resume continues an operation from a checkpoint an earlier run of
	// the same operation, for the same tenant (and the same input, for an
	// import), returned or reported. Empty starts at the beginning.
	Resume Checkpoint
	// DryRun makes Purge and the Reindex operations report what they
	// would do, writing nothing, and Import and Copy stop after checking
	// their input. Export refuses it.
	DryRun bool
	// Segments is how many parallel scan segments the operator-scoped
	// operations read the table in: DefaultSegments when 0.
	Segments int
	// Manifest, when set, is the manifest the export being imported was
	// written with: Import checks the data's item count and SHA-256
	// against it before writing anything.
	Manifest *Manifest
	// Clock is the time source of manifests and elapsed times; time.Now
	// when nil.
	Clock func() time.Time
}

// Defaults and limits of Options.
const (
	DefaultConcurrency = 4
	MaxConcurrency     = 64
	DefaultPageSize    = 1000
	MaxPageSize        = 1000
	DefaultSegments    = 4
	MaxSegments        = 1024
)

// WithPace returns an option that sets Options.Pace.
func WithPace(p Pace) func(*Options) { return func(o *Options) { o.Pace = p } }

// WithProgress returns an option that sets Options.Progress.
func WithProgress(fn func(Progress)) func(*Options) { return func(o *Options) { o.Progress = fn } }

// WithConcurrency returns an option that sets Options.Concurrency.
func WithConcurrency(n int) func(*Options) { return func(o *Options) { o.Concurrency = n } }

// WithPageSize returns an option that sets Options.PageSize.
func WithPageSize(n int) func(*Options) { return func(o *Options) { o.PageSize = n } }

// WithClock returns an option that sets Options.Clock.
func WithClock(now func() time.Time) func(*Options) { return func(o *Options) { o.Clock = now } }

// WithResume returns an option that sets Options.Resume.
func WithResume(cp Checkpoint) func(*Options) { return func(o *Options) { o.Resume = cp } }

// WithDryRun returns an option that sets Options.DryRun.
func WithDryRun() func(*Options) { return func(o *Options) { o.DryRun = true } }

// WithSegments returns an option that sets Options.Segments.
func WithSegments(n int) func(*Options) { return func(o *Options) { o.Segments = n } }

// WithManifest returns an option that sets Options.Manifest.
func WithManifest(m *Manifest) func(*Options) { return func(o *Options) { o.Manifest = m } }

// options applies optFns to the zero Options and checks the result.
func options(optFns []func(*Options)) (Options, error) {
	var o Options
	for _, fn := range optFns {
		if fn == nil {
			return Options{}, fmt.Errorf("%w: nil option function", ErrInvalidArgument)
		}
		fn(&o)
	}
	switch {
	case o.Concurrency < 0 || o.Concurrency > MaxConcurrency:
		return Options{}, fmt.Errorf("%w: concurrency %d is not between 0 and %d", ErrInvalidArgument, o.Concurrency, MaxConcurrency)
	case o.PageSize < 0 || o.PageSize > MaxPageSize:
		return Options{}, fmt.Errorf("%w: page size %d is not between 0 and %d", ErrInvalidArgument, o.PageSize, MaxPageSize)
	case o.Segments < 0 || o.Segments > MaxSegments:
		return Options{}, fmt.Errorf("%w: segments %d is not between 0 and %d", ErrInvalidArgument, o.Segments, MaxSegments)
	}
	if err := o.Pace.check(); err != nil {
		return Options{}, err
	}
	if o.Concurrency == 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.PageSize == 0 {
		o.PageSize = DefaultPageSize
	}
	if o.Segments == 0 {
		o.Segments = DefaultSegments
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	return o, nil
}

// Counts are what a bulk operation has done so far.
type Counts struct {
	// Examined is the items read.
	Examined int64 `json:"examined"`
	// Done is the items the operation acted on: deleted (Purge), fixed
	// (Reindex), written (Export, Import), or, in a dry run, that it
	// would act on.
	Done int64 `json:"done"`
	// Skipped is the items read that needed nothing, or that changed
	// under the operation and were left to the writer (Reindex).
	Skipped int64 `json:"skipped"`
	// Failed is the items the operation could not act on.
	Failed int64 `json:"failed"`
	// Bytes is the DynamoDB size (backend.ItemSize) of the items done.
	Bytes int64 `json:"bytes"`
	// Units is the capacity units the operation's requests are estimated
	// to consume, by DynamoDB's published rules (see Pace).
	Units float64 `json:"units"`
}

// Progress is what an operation reports to Options.Progress.
type Progress struct {
	// Op names the operation: "purge", "reindex", "export", "import",
	// "copy", "stats", "tenants".
	Op string
	// Tenant is the tenant acted on; empty for operator-scoped operations.
	Tenant string
	Counts
	// Checkpoint, when not empty, is where a new run with Options.Resume
	// would continue if this one stopped now.
	Checkpoint Checkpoint
	// Elapsed is the time since the operation started.
	Elapsed time.Duration
	// Final is set on the last report, after the operation ended.
	Final bool
}

// TypeStats are the items of one entity type: those whose sort key starts
// with the type's prefix and the separator. Items whose sort key has no
// separator are counted under the prefix "".
type TypeStats struct {
	Items int64 `json:"items"`
	Bytes int64 `json:"bytes"`
}
