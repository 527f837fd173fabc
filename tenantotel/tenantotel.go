package tenantotel

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.39.0"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/internal/callinfo"
	"github.com/tenantrepo/tenantrepo/repo"
)

// ScopeName is the instrumentation scope of the observer's tracer and
// meter: the package's import path.
const ScopeName = "github.com/tenantrepo/tenantrepo/tenantotel"

// The attributes of spans and metrics, besides OpenTelemetry's own
// db.system.name (always "aws.dynamodb"), db.operation.name (the
// repository's operation, repo.Op: "Get", "Query", ...) and error.type.
const (
	// AttrTenant is the call's tenant ID, on spans always and on metrics
	// with TenantID.
	AttrTenant = attribute.Key("tenantrepo.tenant")
	// AttrTenantTier is the tier TenantTier's function gives the call's
	// tenant, on spans and metrics.
	AttrTenantTier = attribute.Key("tenantrepo.tenant.tier")
	// AttrEntityType is the entity's Go type, such as "shop.User" (spans).
	AttrEntityType = attribute.Key("tenantrepo.entity.type")
	// AttrEntityPrefix is the entity type's sort-key prefix, such as
	// "user" (spans and metrics).
	AttrEntityPrefix = attribute.Key("tenantrepo.entity.prefix")
	// AttrIndex is the index an index query reads, by its name in
	// entity.Index, such as "by-email" (spans and metrics).
	AttrIndex = attribute.Key("tenantrepo.index")
	// AttrItems is how many entities the call returned, wrote or deleted
	// (spans).
	AttrItems = attribute.Key("tenantrepo.items")
	// AttrRequests, AttrRetries and AttrThrottles count the requests the
	// call sent to the backend, those that repeated an earlier one, and
	// those refused for throughput (spans).
	AttrRequests  = attribute.Key("tenantrepo.requests")
	AttrRetries   = attribute.Key("tenantrepo.retries")
	AttrThrottles = attribute.Key("tenantrepo.throttles")
	// AttrReadUnits and AttrWriteUnits are the capacity units the call
	// consumed on the table and its indexes together (spans). The table's
	// share is in tenantrepo.capacity.table.read_units and
	// tenantrepo.capacity.table.write_units, an index's in
	// tenantrepo.capacity.gsi<n>.read_units and ...write_units, set when
	// not zero.
	AttrReadUnits  = attribute.Key("tenantrepo.capacity.read_units")
	AttrWriteUnits = attribute.Key("tenantrepo.capacity.write_units")
	// AttrCapacityResource says, on the capacity metrics, where units were
	// consumed: "table", or the index's name in the table, "GSI1" to
	// "GSI5".
	AttrCapacityResource = attribute.Key("tenantrepo.capacity.resource")
	// AttrErrorKind names the kind of the call's error (see the package
	// documentation), on every call that returned one, expected outcomes
	// included (spans and metrics).
	AttrErrorKind = attribute.Key("tenantrepo.error.kind")
	// AttrThrottleReason is why the backend or a limiter refused the
	// call, for an error that is a backend.ThrottledError: the
	// backend.ThrottleReason's name ("key range", "tenant limit", ...)
	// (spans).
	AttrThrottleReason = attribute.Key("tenantrepo.throttle.reason")
)

// The metrics' names.
const (
	MetricCalls      = "tenantrepo.calls"
	MetricErrors     = "tenantrepo.errors"
	MetricDuration   = "tenantrepo.call.duration"
	MetricItems      = "tenantrepo.items"
	MetricReadUnits  = "tenantrepo.capacity.read_units"
	MetricWriteUnits = "tenantrepo.capacity.write_units"
	MetricRequests   = "tenantrepo.requests"
	MetricRetries    = "tenantrepo.retries"
	MetricThrottles  = "tenantrepo.throttles"
)

// DurationBuckets are the bucket boundaries, in seconds, of the duration
// histogram: from half a millisecond (the memory backend, DynamoDB's
// fastest reads) to ten seconds (retries under throttling).
var DurationBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// TenantLabel says what the metrics record of a call's tenant: TenantID
// (the default), NoTenant, or the tier of TenantTier. Each distinct value
// is a series of every metric: a label of the tenant's ID costs a metrics
// backend as much as there are tenants.
type TenantLabel struct {
	key attribute.Key
	fn  func(tenant string) string
}

var (
	// TenantID labels metrics with the tenant's ID, AttrTenant.
	TenantID = TenantLabel{key: AttrTenant}
	// NoTenant leaves the tenant out of metrics: they count calls per
	// operation and entity type only.
	NoTenant = TenantLabel{}
)

// TenantTier labels metrics with the tier fn maps each tenant to (such as
// "free", "pro", "enterprise"), AttrTenantTier; spans carry it too, beside
// the tenant's ID. fn is called on every call with the call's tenant ID
// ("" for a call without a tenant, which fails with repo.ErrNoTenant); it
// must be safe for concurrent use, and fast. A tier of "" is left out, and
// so is the tier of a call for which fn panics; the bytes of a tier that
// are not valid UTF-8 are replaced by U+FFFD.
func TenantTier(fn func(tenant string) string) TenantLabel {
	return TenantLabel{key: AttrTenantTier, fn: fn}
}

// label returns the label's value for tenant, "" when it has none. A tier
// that is not valid UTF-8 has its bad bytes replaced by U+FFFD (OTLP's
// protobuf encoding refuses such strings, and with them the whole batch
// they are exported in); a tier function that panics gives "".
func (l TenantLabel) label(tenant string) (tier string) {
	switch {
	case l.key == "":
		return ""
	case l.fn != nil:
		defer func() {
			if recover() != nil {
				tier = ""
			}
		}()
		return strings.ToValidUTF8(l.fn(tenant), "\uFFFD")
	}
	return tenant
}

// Options configure an Observer. New fills in the defaults before applying
// the caller's functions.
type Options struct {
	// TracerProvider makes the observer's tracer. Default: the global
	// provider, otel.GetTracerProvider(), as it is when New is called.
	TracerProvider trace.TracerProvider
	// MeterProvider makes the observer's meter. Default: the global
	// provider, otel.GetMeterProvider().
	MeterProvider metric.MeterProvider
	// MetricTenant says what metrics record of the tenant. Default:
	// TenantID. Spans carry the tenant's ID whatever it says.
	MetricTenant TenantLabel
}

// WithTracerProvider makes the observer's spans with tp.
func WithTracerProvider(tp trace.TracerProvider) func(*Options) {
	return func(o *Options) { o.TracerProvider = tp }
}

// WithMeterProvider records the observer's metrics with mp.
func WithMeterProvider(mp metric.MeterProvider) func(*Options) {
	return func(o *Options) { o.MeterProvider = mp }
}

// WithMetricTenant sets what metrics record of the tenant: TenantID,
// NoTenant or TenantTier(fn).
func WithMetricTenant(l TenantLabel) func(*Options) {
	return func(o *Options) { o.MetricTenant = l }
}

// Observer is a repo.Observer that makes an OpenTelemetry span of every
// repository call and records its metrics. Make one with New; it is safe
// for concurrent use, and one Observer can serve every repository of a
// program.
type Observer struct {
	tracer trace.Tracer // nil for a no-op TracerProvider
	names  spanNames

	mu     sync.RWMutex
	series map[seriesKey]*series
	tenant TenantLabel

	calls, errs, items, requests, retries, throttles metric.Int64Counter
	readUnits, writeUnits                            metric.Float64Counter
	duration                                         metric.Float64Histogram
	// instruments are the nine above, as what enabled asks: converted
	// once, not on every call.
	instruments [9]interface{ Enabled(context.Context) bool }
}

var _ repo.Observer = (*Observer)(nil)

// New returns an Observer with the options optFns set. It fails only when
// an option is nil or the meter refuses an instrument.
func New(optFns ...func(*Options)) (*Observer, error) {
	opts := Options{MetricTenant: TenantID}
	for _, fn := range optFns {
		if fn == nil {
			return nil, fmt.Errorf("tenantotel: an option function is nil")
		}
		fn(&opts)
	}
	if opts.TracerProvider == nil {
		opts.TracerProvider = otel.GetTracerProvider()
	}
	if opts.MeterProvider == nil {
		opts.MeterProvider = otel.GetMeterProvider()
	}
	o := &Observer{tenant: opts.MetricTenant}
	if _, noop := opts.TracerProvider.(tracenoop.TracerProvider); !noop {
		o.tracer = opts.TracerProvider.Tracer(ScopeName, trace.WithSchemaURL(semconv.SchemaURL))
	}
	m := opts.MeterProvider.Meter(ScopeName, metric.WithSchemaURL(semconv.SchemaURL))
	var err error
	counter := func(name, unit, desc string) metric.Int64Counter {
		c, e := m.Int64Counter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		err = joinErr(err, e)
		return c
	}
	units := func(name, desc string) metric.Float64Counter {
		c, e := m.Float64Counter(name, metric.WithUnit("{unit}"), metric.WithDescription(desc))
		err = joinErr(err, e)
		return c
	}
	o.calls = counter(MetricCalls, "{call}", "Repository calls.")
	o.errs = counter(MetricErrors, "{call}", "Repository calls that failed, expected outcomes (a Get of a missing entity) left out.")
	o.items = counter(MetricItems, "{item}", "Entities that repository calls returned, wrote or deleted.")
	o.requests = counter(MetricRequests, "{request}", "Requests that repository calls sent to the backend, retries included.")
	o.retries = counter(MetricRetries, "{request}", "Requests that repeated an earlier one: the SDK's retries and unprocessed batch items sent again.")
	o.throttles = counter(MetricThrottles, "{request}", "Requests refused for throughput, by the backend or a limiter.")
	o.readUnits = units(MetricReadUnits, "Read capacity units consumed, by resource (the table or an index).")
	o.writeUnits = units(MetricWriteUnits, "Write capacity units consumed, by resource (the table or an index).")
	var herr error
	o.duration, herr = m.Float64Histogram(MetricDuration, metric.WithUnit("s"),
		metric.WithDescription("How long repository calls took."),
		metric.WithExplicitBucketBoundaries(DurationBuckets...))
	if err = joinErr(err, herr); err != nil {
		return nil, fmt.Errorf("tenantotel: %w", err)
	}
	o.instruments = [...]interface{ Enabled(context.Context) bool }{
		o.calls, o.errs, o.items, o.requests, o.retries, o.throttles, o.readUnits, o.writeUnits, o.duration,
	}
	return o, nil
}

func joinErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// ourSpan is the context key of the span Start made, so End ends that span
// and no other.
type ourSpan struct{}

// SpanName returns the name of a call's span: its operation and entity
// prefix, and the index an index query reads ("Get user", "Query
// order/by-user"), as OpenTelemetry's database conventions name a span by
// operation and target.
func SpanName(c *repo.Call) string {
	switch {
	case c.Prefix == "":
		return string(c.Op)
	case c.Index != "":
		return string(c.Op) + " " + c.Prefix + "/" + c.Index
	}
	return string(c.Op) + " " + c.Prefix
}

// startOpts are the options of every span Start starts.
var startOpts = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindInternal)}

// Start starts the call's span, as a child of ctx's span, and returns ctx
// with it: the requests of the call, and the SDK's spans if its client is
// instrumented, are its children.
func (o *Observer) Start(ctx context.Context, c *repo.Call) context.Context {
	if o.tracer == nil {
		return ctx
	}
	ctx, span := o.tracer.Start(ctx, o.names.name(c), startOpts...)
	if !span.IsRecording() {
		return ctx
	}
	attrs := make([]attribute.KeyValue, 0, 8)
	attrs = append(attrs,
		semconv.DBSystemNameAWSDynamoDB,
		semconv.DBOperationName(string(c.Op)),
		AttrEntityType.String(c.Type),
		AttrEntityPrefix.String(c.Prefix))
	if c.Tenant != "" {
		attrs = append(attrs, AttrTenant.String(c.Tenant))
	}
	if o.tenant.key == AttrTenantTier {
		if tier := o.tenant.label(c.Tenant); tier != "" {
			attrs = append(attrs, AttrTenantTier.String(tier))
		}
	}
	if c.Index != "" {
		attrs = append(attrs, AttrIndex.String(c.Index))
	}
	span.SetAttributes(attrs...)
	return context.WithValue(ctx, ourSpan{}, span)
}

// spanNames caches the spans' names, so a call does not build its name:
// there are as many as operations, entity types and indexes.
type spanNames struct {
	mu sync.RWMutex
	m  map[nameKey]string
}

type nameKey struct {
	op            repo.Op
	prefix, index string
}

func (n *spanNames) name(c *repo.Call) string {
	k := nameKey{c.Op, c.Prefix, c.Index}
	n.mu.RLock()
	s, ok := n.m[k]
	n.mu.RUnlock()
	if ok {
		return s
	}
	s = SpanName(c)
	n.mu.Lock()
	if n.m == nil {
		n.m = map[nameKey]string{}
	}
	if len(n.m) < maxNames {
		n.m[k] = s
	}
	n.mu.Unlock()
	return s
}

// maxNames bounds the cache of span names, against a program that makes
// repositories of ever new types.
const maxNames = 1024

// End ends the call's span, with what the call did and cost, and records
// its metrics.
func (o *Observer) End(ctx context.Context, c *repo.Call) {
	kind := callinfo.KindName(c)
	class := callinfo.Classify(c.Op, kind)
	if span, ok := ctx.Value(ourSpan{}).(trace.Span); ok {
		o.endSpan(span, c, kind, class)
	}
	o.record(ctx, c, kind, class)
}

// endSpan sets the span's attributes and status, and ends it.
func (o *Observer) endSpan(span trace.Span, c *repo.Call, kind string, class callinfo.Class) {
	u := c.Usage
	total := u.Capacity.Total()
	attrs := make([]attribute.KeyValue, 0, 12)
	attrs = append(attrs,
		AttrItems.Int(c.Items),
		AttrRequests.Int(u.Requests),
		AttrRetries.Int(u.Retries),
		AttrThrottles.Int(u.Throttles),
		AttrReadUnits.Float64(total.Read),
		AttrWriteUnits.Float64(total.Write),
		tableRead.Float64(u.Capacity.Table.Read),
		tableWrite.Float64(u.Capacity.Table.Write))
	for i, units := range u.Capacity.Indexes {
		if units.Read != 0 {
			attrs = append(attrs, indexRead[i].Float64(units.Read))
		}
		if units.Write != 0 {
			attrs = append(attrs, indexWrite[i].Float64(units.Write))
		}
	}
	if kind != "" {
		attrs = append(attrs, AttrErrorKind.String(kind))
		if reason, ok := callinfo.ThrottleReason(c); ok {
			attrs = append(attrs, AttrThrottleReason.String(reason))
		}
	}
	if class >= callinfo.Notable {
		attrs = append(attrs, semconv.ErrorTypeKey.String(kind))
		desc := kind // a Call with a Kind and no Err, from a caller of End
		if c.Err != nil {
			desc = strings.ToValidUTF8(c.Err.Error(), "\uFFFD")
		}
		span.SetStatus(codes.Error, desc)
	}
	span.SetAttributes(attrs...)
	span.End()
}

// The capacity attributes of the table and of each index.
var (
	tableRead             = attribute.Key("tenantrepo.capacity.table.read_units")
	tableWrite            = attribute.Key("tenantrepo.capacity.table.write_units")
	indexRead, indexWrite [backend.MaxIndexes]attribute.Key
	// resources are the capacity metrics' AttrCapacityResource values:
	// the table's, then each index's.
	resources [1 + backend.MaxIndexes]attribute.KeyValue
)

func init() {
	resources[0] = AttrCapacityResource.String("table")
	for n := 1; n <= backend.MaxIndexes; n++ {
		name := backend.IndexName(n)
		lower := strings.ToLower(name)
		indexRead[n-1] = attribute.Key("tenantrepo.capacity." + lower + ".read_units")
		indexWrite[n-1] = attribute.Key("tenantrepo.capacity." + lower + ".write_units")
		resources[n] = AttrCapacityResource.String(name)
	}
}

// enabled reports whether any of the observer's instruments records.
func (o *Observer) enabled(ctx context.Context) bool {
	for _, i := range &o.instruments {
		if i.Enabled(ctx) {
			return true
		}
	}
	return false
}

// record records the call's metrics.
func (o *Observer) record(ctx context.Context, c *repo.Call, kind string, class callinfo.Class) {
	if !o.enabled(ctx) {
		return // a no-op meter, or views that drop every metric
	}
	s := o.seriesOf(c, kind)
	o.calls.Add(ctx, 1, s.withKind)
	o.duration.Record(ctx, c.Duration.Seconds(), s.withKind)
	if class >= callinfo.Notable {
		o.errs.Add(ctx, 1, s.withKind)
	}
	u := c.Usage
	if c.Items != 0 {
		o.items.Add(ctx, int64(c.Items), s.base)
	}
	if u.Requests != 0 {
		o.requests.Add(ctx, int64(u.Requests), s.base)
	}
	if u.Retries != 0 {
		o.retries.Add(ctx, int64(u.Retries), s.base)
	}
	if u.Throttles != 0 {
		o.throttles.Add(ctx, int64(u.Throttles), s.base)
	}
	if u.Capacity.IsZero() {
		return
	}
	for i := range resources {
		units := u.Capacity.Table
		if i > 0 {
			units = u.Capacity.Indexes[i-1]
		}
		if units.IsZero() {
			continue
		}
		res := s.resource(i)
		if units.Read != 0 {
			o.readUnits.Add(ctx, units.Read, res)
		}
		if units.Write != 0 {
			o.writeUnits.Add(ctx, units.Write, res)
		}
	}
}

// series holds the attribute sets of the metrics of calls alike: of one
// operation, entity type, index, tenant label and error kind. Building a
// set sorts and copies its attributes; the observer keeps those of up to
// maxSeries such groups, so most calls build none.
type series struct {
	attrs    []attribute.KeyValue // the base attributes: all but the kind
	withKind metric.MeasurementOption
	base     metric.MeasurementOption
	// res[i] is the base set with resources[i], made when first needed.
	res [len(resources)]atomic.Pointer[metric.MeasurementOption]
}

// seriesKey identifies a series.
type seriesKey struct {
	op                         repo.Op
	prefix, index, label, kind string
}

// maxSeries bounds the series the observer keeps the sets of. A label of
// tenant IDs can make more (one per tenant, operation and type); calls of
// those build their sets each time.
const maxSeries = 4096

// seriesOf returns the series of a call.
func (o *Observer) seriesOf(c *repo.Call, kind string) *series {
	label := o.tenant.label(c.Tenant)
	k := seriesKey{op: c.Op, prefix: c.Prefix, index: c.Index, label: label, kind: kind}
	o.mu.RLock()
	s := o.series[k]
	o.mu.RUnlock()
	if s != nil {
		return s
	}
	s = o.newSeries(k)
	o.mu.Lock()
	if old := o.series[k]; old != nil {
		s = old
	} else if len(o.series) < maxSeries {
		if o.series == nil {
			o.series = map[seriesKey]*series{}
		}
		o.series[k] = s
	}
	o.mu.Unlock()
	return s
}

// newSeries builds the sets of series k.
func (o *Observer) newSeries(k seriesKey) *series {
	attrs := make([]attribute.KeyValue, 0, 6)
	attrs = append(attrs,
		semconv.DBSystemNameAWSDynamoDB,
		semconv.DBOperationName(string(k.op)),
		AttrEntityPrefix.String(k.prefix))
	if k.index != "" {
		attrs = append(attrs, AttrIndex.String(k.index))
	}
	if k.label != "" {
		attrs = append(attrs, o.tenant.key.String(k.label))
	}
	s := &series{attrs: attrs, base: newSet(attrs)}
	s.withKind = s.base
	if k.kind != "" {
		s.withKind = newSet(append(attrs[:len(attrs):len(attrs)], AttrErrorKind.String(k.kind)))
	}
	return s
}

// resource returns the base set with resources[i].
func (s *series) resource(i int) metric.MeasurementOption {
	if p := s.res[i].Load(); p != nil {
		return *p
	}
	opt := newSet(append(s.attrs[:len(s.attrs):len(s.attrs)], resources[i]))
	s.res[i].Store(&opt)
	return opt
}

// newSet returns the option of the set of attrs. NewSet sorts the slice it
// is given: it is given a copy.
func newSet(attrs []attribute.KeyValue) metric.MeasurementOption {
	return metric.WithAttributeSet(attribute.NewSet(append([]attribute.KeyValue(nil), attrs...)...))
}
