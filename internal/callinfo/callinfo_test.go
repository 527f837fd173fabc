package callinfo

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/repo"
)

// Every kind has a name of its own, found from Kind and from Err alike.
func TestKindNames(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range kindNames {
		if seen[k.name] {
			t.Errorf("name %q twice", k.name)
		}
		seen[k.name] = true
		err := fmt.Errorf("repo: get user: %w", k.kind)
		fromErr := KindName(&repo.Call{Err: err})
		if fromErr != k.name {
			t.Errorf("%v: name from Err %q, want %q", k.kind, fromErr, k.name)
		}
		if k.kind == context.Canceled || k.kind == context.DeadlineExceeded || k.kind == repo.ErrApplied {
			continue // never a Call's Kind
		}
		if got := KindName(&repo.Call{Err: err, Kind: k.kind}); got != k.name {
			t.Errorf("%v: name from Kind %q, want %q", k.kind, got, k.name)
		}
	}
	if got := KindName(&repo.Call{}); got != "" {
		t.Errorf("success named %q", got)
	}
	if got := KindName(&repo.Call{Err: errors.New("boom")}); got != Other {
		t.Errorf("unknown error named %q", got)
	}
	// A sub-kind is named, not its parent.
	if got := KindName(&repo.Call{Err: fmt.Errorf("x: %w", repo.ErrUnknownIndex)}); got != "unknown_index" {
		t.Errorf("unknown index named %q", got)
	}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		op   repo.Op
		kind string
		want Class
	}{
		{repo.OpGet, "", OK},
		{repo.OpGet, "not_found", Expected},
		{repo.OpUpdate, "not_found", Notable},
		{repo.OpPut, "condition_failed", Notable},
		{repo.OpGet, "throttled", Notable},
		{repo.OpGet, "no_tenant", Failure},
		{repo.OpGet, "decode", Failure},
		{repo.OpGet, Other, Failure},
	} {
		if got := Classify(tc.op, tc.kind); got != tc.want {
			t.Errorf("Classify(%s, %q) = %v, want %v", tc.op, tc.kind, got, tc.want)
		}
	}
	// Every named kind is classified on purpose: the failures are exactly these.
	failures := map[string]bool{"no_tenant": true, "missing_index": true, "duplicate_prefix": true, "applied": true, "decode": true, "unsupported": true}
	for _, k := range kindNames {
		if got := Classify(repo.OpPut, k.name); (got == Failure) != failures[k.name] {
			t.Errorf("%s: class %v", k.name, got)
		}
	}
}

func TestThrottleReason(t *testing.T) {
	err := fmt.Errorf("repo: put: %w: %w", repo.ErrThrottled, &backend.ThrottledError{Reason: backend.ThrottleKeyRange})
	if r, ok := ThrottleReason(&repo.Call{Err: err}); !ok || r != "key range" {
		t.Errorf("reason %q %v", r, ok)
	}
	if _, ok := ThrottleReason(&repo.Call{Err: repo.ErrThrottled}); ok {
		t.Error("a reason without a ThrottledError")
	}
}
