package tenantotel_test

import (
	"context"
	"errors"
	"testing"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"

	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantotel"
)

// validAttrs reports the attributes whose string values are not valid
// UTF-8, which OTLP's protobuf encoding refuses (a whole export batch
// fails with them).
func invalidAttrs(kvs []attribute.KeyValue) []string {
	var bad []string
	for _, kv := range kvs {
		if kv.Value.Type() == attribute.STRING && !utf8.ValidString(kv.Value.AsString()) {
			bad = append(bad, string(kv.Key))
		}
	}
	return bad
}

// TestAttack14InvalidUTF8 : a tier function that returns invalid UTF-8,
// and an error whose text is not UTF-8, give spans and metric points whose
// strings are all valid UTF-8, the bad bytes replaced, the rest kept.
func TestAttack14InvalidUTF8(t *testing.T) {
	h := newHarness(t, tenantotel.WithMetricTenant(tenantotel.TenantTier(func(string) string { return "pro\xff\xfe" })))
	call(h.obs, context.Background(), repo.Call{Tenant: "acme", Prefix: "user", Op: repo.OpGet, Begin: t0}, nil)
	call(h.obs, context.Background(), repo.Call{Tenant: "acme", Prefix: "user", Op: repo.OpPut, Begin: t0,
		Err: opErr(repo.ErrInvalidArgument, errors.New("codec: bad byte \xc3")), Kind: repo.ErrInvalidArgument}, nil)
	spans := h.spans.Ended()
	if len(spans) != 2 {
		t.Fatalf("%d spans, want 2", len(spans))
	}
	for _, s := range spans {
		if bad := invalidAttrs(s.Attributes()); len(bad) > 0 {
			t.Errorf("span %s: attributes not UTF-8: %v", s.Name(), bad)
		}
		if d := s.Status().Description; !utf8.ValidString(d) {
			t.Errorf("span %s: status %q not UTF-8", s.Name(), d)
		}
		if tier := attrMap(s.Attributes())["tenantrepo.tenant.tier"]; tier != "pro\uFFFD" {
			t.Errorf("span %s: tier %q, want %q", s.Name(), tier, "pro\uFFFD")
		}
	}
	for name, points := range h.metrics(t) {
		for _, p := range points {
			for k, v := range p.attrs {
				if !utf8.ValidString(v) {
					t.Errorf("%s: attribute %s=%q not UTF-8", name, k, v)
				}
			}
		}
	}
}

// TestAttack14TierPanics: a tier function that panics leaves the tier
// out: Start and End do not panic, the span is ended, and the call is
// counted.
func TestAttack14TierPanics(t *testing.T) {
	h := newHarness(t, tenantotel.WithMetricTenant(tenantotel.TenantTier(func(string) string { panic("tier") })))
	call(h.obs, context.Background(), repo.Call{Tenant: "acme", Prefix: "user", Op: repo.OpGet, Begin: t0}, nil)
	spans := h.spans.Ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans ended, want 1", len(spans))
	}
	if _, ok := attrMap(spans[0].Attributes())["tenantrepo.tenant.tier"]; ok {
		t.Errorf("span has a tier: %v", attrMap(spans[0].Attributes()))
	}
	if got := total(h.metrics(t)[tenantotel.MetricCalls], nil); got != 1 {
		t.Errorf("calls counted %v, want 1", got)
	}
}

// TestAttack14KindWithoutErr: End given a Call with a Kind and no Err (a
// caller of the observer's own, not the repository) does not panic; the
// span's status says the kind.
func TestAttack14KindWithoutErr(t *testing.T) {
	h := newHarness(t)
	call(h.obs, context.Background(), repo.Call{Tenant: "acme", Prefix: "user", Op: repo.OpPut, Begin: t0, Kind: repo.ErrConflict}, nil)
	spans := h.spans.Ended()
	if len(spans) != 1 || spans[0].Status().Description != "conflict" {
		t.Fatalf("spans %v", spans)
	}
}
