package callinfo

import (
	"fmt"
	"testing"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/repo"
)

// TestAttack14TypedNilThrottle: a call whose error holds a nil
// *backend.ThrottledError (a custom backend's mistake) is a throttle of
// unknown reason, and naming it panics nothing (tenantotel and
// tenantslog read it here).
func TestAttack14TypedNilThrottle(t *testing.T) {
	var e *backend.ThrottledError
	for _, err := range []error{e, fmt.Errorf("repo: get: %w", e)} {
		c := &repo.Call{Op: repo.OpGet, Err: fmt.Errorf("%w: %w", repo.ErrThrottled, err), Kind: repo.ErrThrottled}
		if got := KindName(c); got != "throttled" {
			t.Errorf("KindName = %q, want throttled", got)
		}
		reason, ok := ThrottleReason(c)
		if !ok || reason != backend.ThrottleUnknown.String() {
			t.Errorf("ThrottleReason = %q, %v; want %q, true", reason, ok, backend.ThrottleUnknown)
		}
	}
}
