package tenantslog_test

import (
	"log/slog"
	"testing"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantslog"
)

// TestAttack14HostileTier: a tier function that panics leaves the tier out
// and the call is still logged; one that returns invalid UTF-8 has the bad
// bytes replaced; a typed-nil *backend.ThrottledError is logged as a
// throttle of unknown reason. Nothing panics.
func TestAttack14HostileTier(t *testing.T) {
	obs, r := newObserver(t, slog.LevelInfo, tenantslog.WithTier(func(tenant string) string {
		if tenant == "acme" {
			panic("tier")
		}
		return "pro\xff"
	}))
	var te *backend.ThrottledError
	observe(obs, repo.Call{Tenant: "acme", Prefix: "user", Op: repo.OpGet})
	observe(obs, repo.Call{Tenant: "globex", Prefix: "user", Op: repo.OpGet,
		Err: opErr(repo.ErrThrottled, te), Kind: repo.ErrThrottled})
	recs := r.records()
	if len(recs) != 2 {
		t.Fatalf("%d records, want 2", len(recs))
	}
	if tier, ok := recs[0].attrs[tenantslog.KeyTier]; ok {
		t.Errorf("tier %q of a panicking tier function", tier)
	}
	if got := recs[1].attrs[tenantslog.KeyTier]; got != "pro\uFFFD" {
		t.Errorf("tier %q, want %q", got, "pro\uFFFD")
	}
	if got := recs[1].attrs[tenantslog.KeyThrottleReason]; got != "unknown" {
		t.Errorf("throttle reason %q, want unknown", got)
	}
}
