package tenantotel_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantotel"
)

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// call observes c as a repository would: Start, then during in the
// context Start returned, then End with it.
func call(obs repo.Observer, ctx context.Context, c repo.Call, during func(ctx context.Context)) {
	ctx = obs.Start(ctx, &c)
	if during != nil {
		during(ctx)
	}
	obs.End(ctx, &c)
}

// opErr is an error as the repository returns: it wraps its kind.
func opErr(kind error, cause error) error {
	if cause == nil {
		return fmt.Errorf("repo: op: %w", kind)
	}
	return fmt.Errorf("repo: op: %w: %w", kind, cause)
}

func TestSpanOfASuccessfulCall(t *testing.T) {
	h := newHarness(t)
	var capacity backend.Capacity
	capacity.Table = backend.Units{Write: 2}
	capacity.Indexes[0] = backend.Units{Write: 2}
	capacity.Indexes[2] = backend.Units{Read: 0.5}
	call(h.obs, context.Background(), repo.Call{
		Tenant: "acme", Type: "shop.User", Prefix: "user", Op: repo.OpCreate, Begin: t0,
		Items: 1, Duration: 3 * time.Millisecond,
		Usage: backend.Usage{Capacity: capacity, Requests: 2, Retries: 1, Throttles: 1},
	}, nil)
	spans := h.ended()
	s, ok := spans["Create user"]
	if !ok || len(spans) != 1 {
		t.Fatalf("spans %v, want one named Create user", spans)
	}
	if s.SpanKind() != trace.SpanKindInternal {
		t.Errorf("kind %v, want internal", s.SpanKind())
	}
	if s.Status().Code != codes.Unset {
		t.Errorf("status %v, want unset", s.Status())
	}
	want := map[string]string{
		"db.system.name":                        "aws.dynamodb",
		"db.operation.name":                     "Create",
		"tenantrepo.tenant":                     "acme",
		"tenantrepo.entity.type":                "shop.User",
		"tenantrepo.entity.prefix":              "user",
		"tenantrepo.items":                      "1",
		"tenantrepo.requests":                   "2",
		"tenantrepo.retries":                    "1",
		"tenantrepo.throttles":                  "1",
		"tenantrepo.capacity.read_units":        "0.5",
		"tenantrepo.capacity.write_units":       "4",
		"tenantrepo.capacity.table.read_units":  "0",
		"tenantrepo.capacity.table.write_units": "2",
		"tenantrepo.capacity.gsi1.write_units":  "2",
		"tenantrepo.capacity.gsi3.read_units":   "0.5",
	}
	got := attrMap(s.Attributes())
	for k, v := range want {
		if got[k] != v {
			t.Errorf("attribute %s = %q, want %q", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("attributes %v, want exactly %v", got, want)
	}
}

func TestSpanNames(t *testing.T) {
	for _, tc := range []struct {
		c    repo.Call
		want string
	}{
		{repo.Call{Op: repo.OpGet, Prefix: "user"}, "Get user"},
		{repo.Call{Op: repo.OpQuery, Prefix: "order", Index: "by-user"}, "Query order/by-user"},
		{repo.Call{Op: repo.OpTransact}, "Transact"},
	} {
		if got := tenantotel.SpanName(&tc.c); got != tc.want {
			t.Errorf("SpanName(%+v) = %q, want %q", tc.c, got, tc.want)
		}
	}
}

// The requests a call sends are made in the context Start returns: spans
// started there are the call span's children.
func TestRequestsAreChildrenOfTheCallSpan(t *testing.T) {
	h := newHarness(t)
	ctx, parent := h.tp.Tracer("app").Start(context.Background(), "handler")
	call(h.obs, ctx, repo.Call{Tenant: "acme", Op: repo.OpGet, Prefix: "user", Begin: time.Now()}, func(ctx context.Context) {
		_, req := h.tp.Tracer("sdk").Start(ctx, "DynamoDB.GetItem")
		req.End()
	})
	parent.End()
	spans := h.ended()
	get, req, handler := spans["Get user"], spans["DynamoDB.GetItem"], spans["handler"]
	if get == nil || req == nil || handler == nil {
		t.Fatalf("spans %v", spans)
	}
	if req.Parent().SpanID() != get.SpanContext().SpanID() {
		t.Errorf("request's parent %v, want the call's span %v", req.Parent().SpanID(), get.SpanContext().SpanID())
	}
	if get.Parent().SpanID() != handler.SpanContext().SpanID() {
		t.Errorf("call's parent %v, want the handler's span %v", get.Parent().SpanID(), handler.SpanContext().SpanID())
	}
	if get.SpanContext().TraceID() != handler.SpanContext().TraceID() {
		t.Error("call span in another trace")
	}
}

// End given a context without the observer's span (not the one Start
// returned) ends no span: never the caller's.
func TestEndEndsOnlyItsOwnSpan(t *testing.T) {
	h := newHarness(t)
	ctx, parent := h.tp.Tracer("app").Start(context.Background(), "handler")
	c := repo.Call{Tenant: "acme", Op: repo.OpGet, Prefix: "user", Begin: time.Now()}
	h.obs.Start(ctx, &c)
	h.obs.End(ctx, &c)
	if n := len(h.spans.Ended()); n != 0 {
		t.Errorf("%d spans ended, want none", n)
	}
	if !parent.IsRecording() {
		t.Error("the caller's span was ended")
	}
	// The metrics are recorded all the same.
	if got := total(h.metrics(t)[tenantotel.MetricCalls], nil); got != 1 {
		t.Errorf("calls %v, want 1", got)
	}
}

func TestErrorsAndExpectedOutcomes(t *testing.T) {
	throttle := &backend.ThrottledError{Reason: backend.ThrottleKeyRange, Code: "TableWriteKeyRangeThroughputExceeded"}
	for _, tc := range []struct {
		name       string
		c          repo.Call
		status     codes.Code
		kind       string
		errorType  string // error.type, "" when not set
		reason     string
		countedErr bool
	}{
		{"get missing", repo.Call{Op: repo.OpGet, Err: opErr(repo.ErrNotFound, nil), Kind: repo.ErrNotFound}, codes.Unset, "not_found", "", "", false},
		{"update missing", repo.Call{Op: repo.OpUpdate, Err: opErr(repo.ErrNotFound, nil), Kind: repo.ErrNotFound}, codes.Error, "not_found", "not_found", "", true},
		{"create existing", repo.Call{Op: repo.OpCreate, Err: opErr(repo.ErrAlreadyExists, nil), Kind: repo.ErrAlreadyExists}, codes.Error, "already_exists", "already_exists", "", true},
		{"condition", repo.Call{Op: repo.OpPut, Err: opErr(repo.ErrConditionFailed, nil), Kind: repo.ErrConditionFailed}, codes.Error, "condition_failed", "condition_failed", "", true},
		{"throttled", repo.Call{Op: repo.OpPut, Err: opErr(repo.ErrThrottled, throttle), Kind: repo.ErrThrottled}, codes.Error, "throttled", "throttled", "key range", true},
		{"missing index", repo.Call{Op: repo.OpQuery, Index: "by-email", Err: opErr(repo.ErrMissingIndex, nil), Kind: repo.ErrMissingIndex}, codes.Error, "missing_index", "missing_index", "", true},
		{"applied", repo.Call{Op: repo.OpUpdateExpr, Err: opErr(repo.ErrDecode, repo.ErrApplied), Kind: repo.ErrDecode}, codes.Error, "applied", "applied", "", true},
		{"deadline", repo.Call{Op: repo.OpList, Err: opErr(context.DeadlineExceeded, nil)}, codes.Error, "deadline_exceeded", "deadline_exceeded", "", true},
		{"unknown", repo.Call{Op: repo.OpGet, Err: errors.New("boom")}, codes.Error, "_OTHER", "_OTHER", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			tc.c.Tenant, tc.c.Prefix, tc.c.Begin = "acme", "user", time.Now()
			call(h.obs, context.Background(), tc.c, nil)
			spans := h.spans.Ended()
			if len(spans) != 1 {
				t.Fatalf("%d spans", len(spans))
			}
			s := spans[0]
			if s.Status().Code != tc.status {
				t.Errorf("status %v, want %v", s.Status().Code, tc.status)
			}
			if tc.status == codes.Error && s.Status().Description != tc.c.Err.Error() {
				t.Errorf("status description %q, want the error's message", s.Status().Description)
			}
			attrs := attrMap(s.Attributes())
			if attrs["tenantrepo.error.kind"] != tc.kind {
				t.Errorf("error kind %q, want %q", attrs["tenantrepo.error.kind"], tc.kind)
			}
			if attrs["error.type"] != tc.errorType {
				t.Errorf("error.type %q, want %q", attrs["error.type"], tc.errorType)
			}
			if attrs["tenantrepo.throttle.reason"] != tc.reason {
				t.Errorf("throttle reason %q, want %q", attrs["tenantrepo.throttle.reason"], tc.reason)
			}
			m := h.metrics(t)
			if got := total(m[tenantotel.MetricCalls], map[string]string{"tenantrepo.error.kind": tc.kind}); got != 1 {
				t.Errorf("calls of kind %s: %v, want 1", tc.kind, got)
			}
			wantErrs := 0.0
			if tc.countedErr {
				wantErrs = 1
			}
			if got := total(m[tenantotel.MetricErrors], map[string]string{"tenantrepo.error.kind": tc.kind}); got != wantErrs {
				t.Errorf("errors %v, want %v", got, wantErrs)
			}
		})
	}
}

func TestMetricsOfCalls(t *testing.T) {
	h := newHarness(t)
	var put backend.Capacity
	put.Table = backend.Units{Write: 2}
	put.Indexes[0] = backend.Units{Write: 3}
	var query backend.Capacity
	query.Indexes[0] = backend.Units{Read: 0.5}
	calls := []repo.Call{
		{Tenant: "acme", Prefix: "user", Op: repo.OpPut, Items: 1, Duration: 2 * time.Millisecond, Usage: backend.Usage{Capacity: put, Requests: 1}},
		{Tenant: "acme", Prefix: "user", Op: repo.OpPut, Items: 1, Duration: 4 * time.Millisecond, Usage: backend.Usage{Capacity: put, Requests: 3, Retries: 2, Throttles: 2}},
		{Tenant: "acme", Prefix: "user", Op: repo.OpQuery, Index: "by-email", Items: 7, Duration: time.Millisecond, Usage: backend.Usage{Capacity: query, Requests: 1}},
		{Tenant: "globex", Prefix: "user", Op: repo.OpGet, Duration: time.Millisecond, Err: opErr(repo.ErrNotFound, nil), Kind: repo.ErrNotFound,
			Usage: backend.Usage{Capacity: backend.Capacity{Table: backend.Units{Read: 0.5}}, Requests: 1}},
	}
	for _, c := range calls {
		call(h.obs, context.Background(), c, nil)
	}
	m := h.metrics(t)
	check := func(metric string, want map[string]float64) {
		t.Helper()
		got := byKey(m[metric])
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s:\n got %v\nwant %v", metric, got, want)
		}
	}
	const (
		acmePut   = "db.operation.name=Put,tenantrepo.entity.prefix=user,tenantrepo.tenant=acme"
		acmeQuery = "db.operation.name=Query,tenantrepo.entity.prefix=user,tenantrepo.index=by-email,tenantrepo.tenant=acme"
		globexGet = "db.operation.name=Get,tenantrepo.entity.prefix=user,tenantrepo.tenant=globex"
		notFound  = "db.operation.name=Get,tenantrepo.entity.prefix=user,tenantrepo.error.kind=not_found,tenantrepo.tenant=globex"
	)
	check(tenantotel.MetricCalls, map[string]float64{acmePut: 2, acmeQuery: 1, notFound: 1})
	check(tenantotel.MetricDuration, map[string]float64{acmePut: 2, acmeQuery: 1, notFound: 1})
	check(tenantotel.MetricErrors, map[string]float64{})
	check(tenantotel.MetricItems, map[string]float64{acmePut: 2, acmeQuery: 7})
	check(tenantotel.MetricRequests, map[string]float64{acmePut: 4, acmeQuery: 1, globexGet: 1})
	check(tenantotel.MetricRetries, map[string]float64{acmePut: 2})
	check(tenantotel.MetricThrottles, map[string]float64{acmePut: 2})
	check(tenantotel.MetricWriteUnits, map[string]float64{
		"db.operation.name=Put,tenantrepo.capacity.resource=table,tenantrepo.entity.prefix=user,tenantrepo.tenant=acme": 4,
		"db.operation.name=Put,tenantrepo.capacity.resource=GSI1,tenantrepo.entity.prefix=user,tenantrepo.tenant=acme":  6,
	})
	check(tenantotel.MetricReadUnits, map[string]float64{
		"db.operation.name=Query,tenantrepo.capacity.resource=GSI1,tenantrepo.entity.prefix=user,tenantrepo.index=by-email,tenantrepo.tenant=acme": 0.5,
		"db.operation.name=Get,tenantrepo.capacity.resource=table,tenantrepo.entity.prefix=user,tenantrepo.tenant=globex":                          0.5,
	})
	for _, p := range m[tenantotel.MetricDuration] {
		if p.key() == acmePut && p.sum != 0.006 {
			t.Errorf("duration sum of the puts %v s, want 0.006", p.sum)
		}
	}
	for name, points := range m {
		for _, p := range points {
			if p.attrs["db.system.name"] != "aws.dynamodb" {
				t.Errorf("%s: point %v without db.system.name", name, p.attrs)
			}
		}
	}
}

// tenants is a workload of 30 calls by 30 tenants, 10 of each tier.
func tenants() []repo.Call {
	var calls []repo.Call
	for i := range 30 {
		calls = append(calls, repo.Call{Tenant: fmt.Sprintf("t%02d", i), Prefix: "user", Op: repo.OpGet, Items: 1, Begin: t0})
	}
	return calls
}

func tier(tenant string) string {
	var n int
	fmt.Sscanf(tenant, "t%d", &n)
	return [...]string{"free", "pro", "enterprise"}[n%3]
}

func TestTenantLabel(t *testing.T) {
	for _, tc := range []struct {
		name   string
		label  tenantotel.TenantLabel
		key    string // the metric attribute of the tenant, "" for none
		series int    // the calls counter's points
	}{
		{"id", tenantotel.TenantID, "tenantrepo.tenant", 30},
		{"off", tenantotel.NoTenant, "", 1},
		{"tier", tenantotel.TenantTier(tier), "tenantrepo.tenant.tier", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tenantotel.WithMetricTenant(tc.label))
			for _, c := range tenants() {
				call(h.obs, context.Background(), c, nil)
			}
			m := h.metrics(t)
			for _, name := range []string{tenantotel.MetricCalls, tenantotel.MetricDuration, tenantotel.MetricItems} {
				points := m[name]
				if len(points) != tc.series {
					t.Errorf("%s: %d series, want %d", name, len(points), tc.series)
				}
				values := map[string]bool{}
				for _, p := range points {
					for _, k := range []string{"tenantrepo.tenant", "tenantrepo.tenant.tier"} {
						if v, ok := p.attrs[k]; ok && k != tc.key {
							t.Errorf("%s: point has %s=%s", name, k, v)
						}
					}
					if tc.key != "" {
						values[p.attrs[tc.key]] = true
					}
				}
				if tc.key == "tenantrepo.tenant.tier" && len(values) != 3 || tc.key == "tenantrepo.tenant" && !values["t07"] {
					t.Errorf("%s: %s values %v", name, tc.key, values)
				}
				if got := total(points, nil); got != 30 {
					t.Errorf("%s: total %v, want 30", name, got)
				}
			}
			// Spans carry the ID whatever the metrics do, and the tier with TenantTier.
			for _, s := range h.spans.Ended() {
				a := attrMap(s.Attributes())
				if a["tenantrepo.tenant"] == "" {
					t.Errorf("span without its tenant: %v", a)
				}
				if _, ok := a["tenantrepo.tenant.tier"]; ok != (tc.key == "tenantrepo.tenant.tier") {
					t.Errorf("span tier attribute %v", a)
				} else if ok && a["tenantrepo.tenant.tier"] != tier(a["tenantrepo.tenant"]) {
					t.Errorf("span tier %q of tenant %q", a["tenantrepo.tenant.tier"], a["tenantrepo.tenant"])
				}
			}
		})
	}
}

// A tier of "" (here: a call without a tenant) is left out.
func TestEmptyTierLeftOut(t *testing.T) {
	h := newHarness(t, tenantotel.WithMetricTenant(tenantotel.TenantTier(func(string) string { return "" })))
	call(h.obs, context.Background(), repo.Call{Op: repo.OpGet, Prefix: "user", Err: opErr(repo.ErrNoTenant, nil), Kind: repo.ErrNoTenant}, nil)
	m := h.metrics(t)
	if got := byKey(m[tenantotel.MetricCalls]); fmt.Sprint(got) != "map[db.operation.name=Get,tenantrepo.entity.prefix=user,tenantrepo.error.kind=no_tenant:1]" {
		t.Errorf("calls %v", got)
	}
	a := attrMap(h.spans.Ended()[0].Attributes())
	if _, ok := a["tenantrepo.tenant"]; ok {
		t.Errorf("span of a call without tenant has tenantrepo.tenant: %v", a)
	}
}

func TestNilOption(t *testing.T) {
	if _, err := tenantotel.New(nil); err == nil {
		t.Error("New(nil) succeeded")
	}
}

// refusingMeter refuses to make one kind of instrument: Int64Counter, or
// Float64Histogram.
type refusingMeter struct {
	metricnoop.Meter
	histogram bool
}

var errRefused = errors.New("instrument refused")

func (m refusingMeter) Int64Counter(name string, opts ...metric.Int64CounterOption) (metric.Int64Counter, error) {
	if !m.histogram {
		return nil, errRefused
	}
	return m.Meter.Int64Counter(name, opts...)
}

func (m refusingMeter) Float64Histogram(name string, opts ...metric.Float64HistogramOption) (metric.Float64Histogram, error) {
	if m.histogram {
		return nil, errRefused
	}
	return m.Meter.Float64Histogram(name, opts...)
}

type refusingProvider struct {
	metricnoop.MeterProvider
	histogram bool
}

func (p refusingProvider) Meter(string, ...metric.MeterOption) metric.Meter {
	return refusingMeter{histogram: p.histogram}
}

// New fails when the meter refuses any of its instruments: a counter, made
// before the histogram, as well as the histogram.
func TestInstrumentRefused(t *testing.T) {
	for _, histogram := range []bool{false, true} {
		_, err := tenantotel.New(tenantotel.WithMeterProvider(refusingProvider{histogram: histogram}))
		if !errors.Is(err, errRefused) {
			t.Errorf("histogram refused %v: New returned %v, want the meter's error", histogram, err)
		}
	}
}

// With no-op providers the observer builds nothing: Start and End
// allocate only what the no-op tracer does.
func TestNoopProvidersCostNothing(t *testing.T) {
	obs, err := tenantotel.New(tenantotel.WithTracerProvider(tracenoop.NewTracerProvider()),
		tenantotel.WithMeterProvider(metricnoop.NewMeterProvider()))
	if err != nil {
		t.Fatal(err)
	}
	c := repo.Call{Tenant: "acme", Type: "shop.User", Prefix: "user", Op: repo.OpGet, Begin: t0, Items: 1,
		Usage: backend.Usage{Requests: 1, Capacity: backend.Capacity{Table: backend.Units{Read: 0.5}}}}
	ctx := context.Background()
	allocs := testing.AllocsPerRun(100, func() {
		obs.End(obs.Start(ctx, &c), &c)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per call with no-op providers, want none", allocs)
	}
	// The global providers, when the program installs none, are no-ops
	// the observer cannot tell from others: it allocates what their
	// tracer's Start does, and records nothing.
	global, err := tenantotel.New()
	if err != nil {
		t.Fatal(err)
	}
	allocs = testing.AllocsPerRun(100, func() {
		global.End(global.Start(ctx, &c), &c)
	})
	tracer := otel.GetTracerProvider().Tracer("bare")
	bare := testing.AllocsPerRun(100, func() {
		_, span := tracer.Start(ctx, "Get user")
		span.End()
	})
	if allocs > bare {
		t.Errorf("%v allocations per call with the global no-op providers, want no more than their tracer's %v", allocs, bare)
	}
}

// The observer keeps the attribute sets of a bounded number of series;
// past it (here 5000 tenants labelled by ID), calls build their own, and
// every point is still right. Calls run concurrently.
func TestManySeries(t *testing.T) {
	h := newHarness(t)
	const tenants = 5000
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < tenants; i += 4 {
				c := repo.Call{Tenant: fmt.Sprintf("t%04d", i), Prefix: "user", Op: repo.OpPut, Items: 1, Begin: t0,
					Usage: backend.Usage{Requests: 1, Capacity: backend.Capacity{Table: backend.Units{Write: 1}}}}
				call(h.obs, context.Background(), c, nil)
				call(h.obs, context.Background(), c, nil)
			}
		}()
	}
	wg.Wait()
	m := h.metrics(t)
	for _, name := range []string{tenantotel.MetricCalls, tenantotel.MetricWriteUnits, tenantotel.MetricRequests} {
		points := m[name]
		if len(points) != tenants {
			t.Errorf("%s: %d series, want %d", name, len(points), tenants)
		}
		for _, p := range points {
			if p.value != 2 {
				t.Errorf("%s: %v = %v, want 2", name, p.attrs, p.value)
				break
			}
		}
	}
}
