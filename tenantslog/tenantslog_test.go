package tenantslog_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantslog"
)

// recorder is a slog.Handler that keeps the records it is given, with
// their attributes flattened ("capacity.table.read").
type recorder struct {
	level slog.Level
	mu    sync.Mutex
	recs  []rec
}

type rec struct {
	level slog.Level
	msg   string
	attrs map[string]string
}

func (r *recorder) Enabled(_ context.Context, l slog.Level) bool { return l >= r.level }
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler           { return r }
func (r *recorder) WithGroup(string) slog.Handler                { return r }

func (r *recorder) Handle(_ context.Context, sr slog.Record) error {
	out := rec{level: sr.Level, msg: sr.Message, attrs: map[string]string{}}
	var flatten func(prefix string, a slog.Attr)
	flatten = func(prefix string, a slog.Attr) {
		if a.Value.Kind() == slog.KindGroup {
			for _, g := range a.Value.Group() {
				flatten(prefix+a.Key+".", g)
			}
			return
		}
		out.attrs[prefix+a.Key] = a.Value.String()
	}
	sr.Attrs(func(a slog.Attr) bool { flatten("", a); return true })
	r.mu.Lock()
	r.recs = append(r.recs, out)
	r.mu.Unlock()
	return nil
}

func (r *recorder) records() []rec {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]rec(nil), r.recs...)
}

func newObserver(t *testing.T, level slog.Level, optFns ...func(*tenantslog.Options)) (*tenantslog.Observer, *recorder) {
	t.Helper()
	r := &recorder{level: level}
	obs, err := tenantslog.New(append([]func(*tenantslog.Options){tenantslog.WithLogger(slog.New(r))}, optFns...)...)
	if err != nil {
		t.Fatal(err)
	}
	return obs, r
}

func observe(obs repo.Observer, c repo.Call) {
	ctx := obs.Start(context.Background(), &c)
	obs.End(ctx, &c)
}

func opErr(kind, cause error) error {
	if cause == nil {
		return fmt.Errorf("repo: op: %w", kind)
	}
	return fmt.Errorf("repo: op: %w: %w", kind, cause)
}

func TestRecordOfASuccessfulCall(t *testing.T) {
	obs, r := newObserver(t, slog.LevelDebug)
	var capacity backend.Capacity
	capacity.Table = backend.Units{Write: 2}
	capacity.Indexes[0] = backend.Units{Write: 3}
	observe(obs, repo.Call{Tenant: "acme", Type: "shop.User", Prefix: "user", Op: repo.OpPut, Items: 1,
		Duration: 3 * time.Millisecond, Usage: backend.Usage{Capacity: capacity, Requests: 2, Retries: 1, Throttles: 1}})
	recs := r.records()
	if len(recs) != 1 {
		t.Fatalf("%d records", len(recs))
	}
	got := recs[0]
	if got.level != slog.LevelInfo || got.msg != tenantslog.Message {
		t.Errorf("record %v %q, want INFO %q", got.level, got.msg, tenantslog.Message)
	}
	want := map[string]string{
		"op": "Put", "tenant": "acme", "type": "shop.User", "prefix": "user", "items": "1", "duration": "3ms",
		"requests": "2", "retries": "1", "throttles": "1", "read_units": "0", "write_units": "5",
		"capacity.table.read": "0", "capacity.table.write": "2", "capacity.GSI1.read": "0", "capacity.GSI1.write": "3",
	}
	if fmt.Sprint(got.attrs) != fmt.Sprint(want) {
		t.Errorf("attributes\n got %v\nwant %v", got.attrs, want)
	}
}

func TestLevels(t *testing.T) {
	throttle := &backend.ThrottledError{Reason: backend.ThrottleTenantLimit, Tenant: "acme", RetryAfter: time.Second}
	for _, tc := range []struct {
		name   string
		c      repo.Call
		level  slog.Level
		kind   string
		reason string
	}{
		{"ok", repo.Call{Op: repo.OpGet, Items: 1}, slog.LevelDebug, "", ""},
		{"get missing", repo.Call{Op: repo.OpGet, Err: opErr(repo.ErrNotFound, nil), Kind: repo.ErrNotFound}, slog.LevelDebug, "not_found", ""},
		{"update missing", repo.Call{Op: repo.OpUpdate, Err: opErr(repo.ErrNotFound, nil), Kind: repo.ErrNotFound}, slog.LevelWarn, "not_found", ""},
		{"condition", repo.Call{Op: repo.OpPut, Err: opErr(repo.ErrConditionFailed, nil), Kind: repo.ErrConditionFailed}, slog.LevelWarn, "condition_failed", ""},
		{"conflict", repo.Call{Op: repo.OpPut, Err: opErr(repo.ErrConflict, nil), Kind: repo.ErrConflict}, slog.LevelWarn, "conflict", ""},
		{"canceled tx", repo.Call{Op: repo.OpTransact, Err: opErr(repo.ErrTxCanceled, nil), Kind: repo.ErrTxCanceled}, slog.LevelWarn, "tx_canceled", ""},
		{"throttled", repo.Call{Op: repo.OpGet, Err: opErr(repo.ErrThrottled, throttle), Kind: repo.ErrThrottled}, slog.LevelWarn, "throttled", "tenant limit"},
		{"invalid id", repo.Call{Op: repo.OpGet, Err: opErr(repo.ErrInvalidID, nil), Kind: repo.ErrInvalidID}, slog.LevelWarn, "invalid_id", ""},
		{"canceled", repo.Call{Op: repo.OpList, Err: opErr(context.Canceled, nil)}, slog.LevelWarn, "canceled", ""},
		{"no tenant", repo.Call{Op: repo.OpGet, Err: opErr(repo.ErrNoTenant, nil), Kind: repo.ErrNoTenant}, slog.LevelError, "no_tenant", ""},
		{"decode", repo.Call{Op: repo.OpGet, Err: opErr(repo.ErrDecode, nil), Kind: repo.ErrDecode}, slog.LevelError, "decode", ""},
		{"applied", repo.Call{Op: repo.OpUpdateExpr, Err: opErr(repo.ErrDecode, repo.ErrApplied), Kind: repo.ErrDecode}, slog.LevelError, "applied", ""},
		{"missing index", repo.Call{Op: repo.OpQuery, Err: opErr(repo.ErrMissingIndex, nil), Kind: repo.ErrMissingIndex}, slog.LevelError, "missing_index", ""},
		{"unknown", repo.Call{Op: repo.OpGet, Err: errors.New("boom")}, slog.LevelError, "_OTHER", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obs, r := newObserver(t, slog.LevelDebug, tenantslog.WithLevel(slog.LevelDebug))
			tc.c.Tenant, tc.c.Prefix = "acme", "user"
			if got := obs.Level(&tc.c); got != tc.level {
				t.Errorf("Level %v, want %v", got, tc.level)
			}
			observe(obs, tc.c)
			recs := r.records()
			if len(recs) != 1 {
				t.Fatalf("%d records", len(recs))
			}
			got := recs[0]
			if got.level != tc.level {
				t.Errorf("level %v, want %v", got.level, tc.level)
			}
			if got.attrs["error_kind"] != tc.kind {
				t.Errorf("error_kind %q, want %q", got.attrs["error_kind"], tc.kind)
			}
			if tc.c.Err != nil && got.attrs["error"] != tc.c.Err.Error() {
				t.Errorf("error %q, want %q", got.attrs["error"], tc.c.Err)
			}
			if _, ok := got.attrs["error"]; ok != (tc.c.Err != nil) {
				t.Errorf("error attribute present %v", ok)
			}
			if got.attrs["throttle_reason"] != tc.reason {
				t.Errorf("throttle_reason %q, want %q", got.attrs["throttle_reason"], tc.reason)
			}
		})
	}
}

// Below the logger's level, nothing is built: End allocates nothing.
func TestDisabledLevelCostsNothing(t *testing.T) {
	obs, r := newObserver(t, slog.LevelInfo, tenantslog.WithLevel(slog.LevelDebug))
	c := repo.Call{Tenant: "acme", Prefix: "user", Op: repo.OpGet, Items: 1}
	ctx := context.Background()
	if allocs := testing.AllocsPerRun(100, func() { obs.End(obs.Start(ctx, &c), &c) }); allocs != 0 {
		t.Errorf("%v allocations for a call below the level, want none", allocs)
	}
	if n := len(r.records()); n != 0 {
		t.Errorf("%d records below the level", n)
	}
	// A failure is logged all the same.
	c.Err, c.Kind = opErr(repo.ErrConditionFailed, nil), repo.ErrConditionFailed
	observe(obs, c)
	if recs := r.records(); len(recs) != 1 || recs[0].level != slog.LevelWarn {
		t.Errorf("records %v, want one at Warn", recs)
	}
}

func tier(tenant string) string {
	var n int
	fmt.Sscanf(tenant, "t%d", &n)
	return [...]string{"free", "pro", "enterprise"}[n%3]
}

func TestTenantOptions(t *testing.T) {
	for _, tc := range []struct {
		name       string
		opts       []func(*tenantslog.Options)
		tenant     bool
		tier       bool
		tierValues int
	}{
		{"id", nil, true, false, 0},
		{"hidden", []func(*tenantslog.Options){tenantslog.WithoutTenant()}, false, false, 0},
		{"tier", []func(*tenantslog.Options){tenantslog.WithTier(tier)}, true, true, 3},
		{"tier only", []func(*tenantslog.Options){tenantslog.WithTier(tier), tenantslog.WithoutTenant()}, false, true, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obs, r := newObserver(t, slog.LevelInfo, tc.opts...)
			for i := range 30 {
				observe(obs, repo.Call{Tenant: fmt.Sprintf("t%02d", i), Prefix: "user", Op: repo.OpGet, Items: 1})
			}
			tenants, tiers := map[string]bool{}, map[string]bool{}
			for _, rec := range r.records() {
				if v, ok := rec.attrs["tenant"]; ok {
					tenants[v] = true
				}
				if v, ok := rec.attrs["tier"]; ok {
					tiers[v] = true
				}
			}
			if tc.tenant && len(tenants) != 30 || !tc.tenant && len(tenants) != 0 {
				t.Errorf("%d tenant IDs in the records", len(tenants))
			}
			if len(tiers) != tc.tierValues {
				t.Errorf("tiers %v, want %d", tiers, tc.tierValues)
			}
		})
	}
}

func TestDefaultLogger(t *testing.T) {
	r := &recorder{level: slog.LevelInfo}
	old := slog.Default()
	slog.SetDefault(slog.New(r))
	t.Cleanup(func() { slog.SetDefault(old) })
	obs, err := tenantslog.New()
	if err != nil {
		t.Fatal(err)
	}
	observe(obs, repo.Call{Tenant: "acme", Prefix: "user", Op: repo.OpGet, Items: 1})
	if recs := r.records(); len(recs) != 1 || recs[0].attrs["tenant"] != "acme" {
		t.Errorf("records %v, want one through slog.Default()", recs)
	}
}

func TestNilOption(t *testing.T) {
	if _, err := tenantslog.New(nil); err == nil {
		t.Error("New(nil) succeeded")
	}
}
