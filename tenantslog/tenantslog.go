package tenantslog

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/internal/callinfo"
	"github.com/tenantrepo/tenantrepo/repo"
)

// Message is the message of every record.
const Message = "tenantrepo call"

// The records' keys.
const (
	KeyOp             = "op"              // the operation, repo.Op: "Get", "Query", ...
	KeyTenant         = "tenant"          // the tenant's ID, unless Options.HideTenant
	KeyTier           = "tier"            // the tenant's tier, with Options.Tier
	KeyType           = "type"            // the entity's Go type, "shop.User"
	KeyPrefix         = "prefix"          // the entity type's sort-key prefix, "user"
	KeyIndex          = "index"           // the index an index query reads, "by-email"
	KeyItems          = "items"           // entities returned, written or deleted
	KeyDuration       = "duration"        // how long the call took
	KeyRequests       = "requests"        // requests sent to the backend
	KeyRetries        = "retries"         // requests that repeated an earlier one
	KeyThrottles      = "throttles"       // requests refused for throughput
	KeyReadUnits      = "read_units"      // read units consumed, table and indexes
	KeyWriteUnits     = "write_units"     // write units consumed, table and indexes
	KeyCapacity       = "capacity"        // a group: "table" and each index that consumed units ("GSI1", ...), each a group of "read" and "write"
	KeyError          = "error"           // the call's error
	KeyErrorKind      = "error_kind"      // its kind: not_found, condition_failed, ... (see the package documentation)
	KeyThrottleReason = "throttle_reason" // why it was throttled: "key range", "tenant limit", ...
)

// Options configure an Observer. New fills in the defaults before applying
// the caller's functions.
type Options struct {
	// Logger writes the records. Default: nil, for slog.Default() as it
	// is at each call.
	Logger *slog.Logger
	// Level is the level of the records of calls that succeeded, and of
	// expected outcomes (a Get of a missing entity). Default: Info.
	// Calls refused for their input, conditions or load are logged at
	// Warn, other errors at Error (see the package documentation).
	Level slog.Level
	// Tier, when set, maps each call's tenant to a tier (such as "free",
	// "pro") that records carry as KeyTier; "" is left out. It is called
	// on every call that is logged, with the call's tenant ID ("" for a
	// call without one); it must be safe for concurrent use. A call for
	// which it panics has no tier; bytes of a tier that are not valid
	// UTF-8 are replaced by U+FFFD.
	Tier func(tenant string) string
	// HideTenant leaves the tenant's ID out of the records, for logs that
	// must not hold them (with Tier, they keep the tier).
	HideTenant bool
}

// WithLogger writes the records with l.
func WithLogger(l *slog.Logger) func(*Options) { return func(o *Options) { o.Logger = l } }

// WithLevel logs the calls that succeeded at level l.
func WithLevel(l slog.Level) func(*Options) { return func(o *Options) { o.Level = l } }

// WithTier adds the tier fn maps each tenant to.
func WithTier(fn func(tenant string) string) func(*Options) { return func(o *Options) { o.Tier = fn } }

// WithoutTenant leaves the tenant's ID out of the records.
func WithoutTenant() func(*Options) { return func(o *Options) { o.HideTenant = true } }

// Observer is a repo.Observer that logs every repository call, one record
// when the call ends. Make one with New; it is safe for concurrent use.
type Observer struct {
	opts Options
}

var _ repo.Observer = (*Observer)(nil)

// New returns an Observer with the options optFns set. It fails only when
// an option is nil.
func New(optFns ...func(*Options)) (*Observer, error) {
	var opts Options
	for _, fn := range optFns {
		if fn == nil {
			return nil, fmt.Errorf("tenantslog: an option function is nil")
		}
		fn(&opts)
	}
	return &Observer{opts: opts}, nil
}

// Start returns ctx: records are written at End.
func (o *Observer) Start(ctx context.Context, c *repo.Call) context.Context { return ctx }

// Level returns the level of a call's record: Options.Level for a call
// that succeeded or an expected outcome, slog.LevelWarn for one refused
// for its input, conditions or load, slog.LevelError for any other error.
func (o *Observer) Level(c *repo.Call) slog.Level {
	return o.level(c.Op, callinfo.KindName(c))
}

// level returns the level of a call of op whose error's kind is kind.
func (o *Observer) level(op repo.Op, kind string) slog.Level {
	switch callinfo.Classify(op, kind) {
	case callinfo.OK, callinfo.Expected:
		return o.opts.Level
	case callinfo.Notable:
		return slog.LevelWarn
	}
	return slog.LevelError
}

// End writes the call's record, if the logger is enabled at its level.
func (o *Observer) End(ctx context.Context, c *repo.Call) {
	logger := o.opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	kind := callinfo.KindName(c)
	level := o.level(c.Op, kind)
	if !logger.Enabled(ctx, level) {
		return
	}
	attrs := make([]slog.Attr, 0, 18)
	attrs = append(attrs, slog.String(KeyOp, string(c.Op)))
	if c.Tenant != "" && !o.opts.HideTenant {
		attrs = append(attrs, slog.String(KeyTenant, c.Tenant))
	}
	if o.opts.Tier != nil {
		if tier := o.tier(c.Tenant); tier != "" {
			attrs = append(attrs, slog.String(KeyTier, tier))
		}
	}
	attrs = append(attrs, slog.String(KeyType, c.Type), slog.String(KeyPrefix, c.Prefix))
	if c.Index != "" {
		attrs = append(attrs, slog.String(KeyIndex, c.Index))
	}
	u := c.Usage
	total := u.Capacity.Total()
	attrs = append(attrs,
		slog.Int(KeyItems, c.Items),
		slog.Duration(KeyDuration, c.Duration),
		slog.Int(KeyRequests, u.Requests),
		slog.Int(KeyRetries, u.Retries),
		slog.Int(KeyThrottles, u.Throttles),
		slog.Float64(KeyReadUnits, total.Read),
		slog.Float64(KeyWriteUnits, total.Write))
	if !total.IsZero() {
		attrs = append(attrs, capacity(u.Capacity))
	}
	if kind != "" {
		attrs = append(attrs, slog.Any(KeyError, c.Err), slog.String(KeyErrorKind, kind))
		if reason, ok := callinfo.ThrottleReason(c); ok {
			attrs = append(attrs, slog.String(KeyThrottleReason, reason))
		}
	}
	logger.LogAttrs(ctx, level, Message, attrs...)
}

// tier returns the tier of tenant, its bytes that are not valid UTF-8
// replaced by U+FFFD, or "" when Options.Tier panics.
func (o *Observer) tier(tenant string) (tier string) {
	defer func() {
		if recover() != nil {
			tier = ""
		}
	}()
	return strings.ToValidUTF8(o.opts.Tier(tenant), "\uFFFD")
}

// capacity returns the KeyCapacity group: the table's units and those of
// each index that consumed any.
func capacity(c backend.Capacity) slog.Attr {
	units := func(name string, u backend.Units) slog.Attr {
		return slog.Group(name, slog.Float64("read", u.Read), slog.Float64("write", u.Write))
	}
	groups := []any{units("table", c.Table)}
	for i, u := range c.Indexes {
		if !u.IsZero() {
			groups = append(groups, units(backend.IndexName(i+1), u))
		}
	}
	return slog.Group(KeyCapacity, groups...)
}
