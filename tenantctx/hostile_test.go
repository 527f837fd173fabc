package tenantctx_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// anyKey answers every key, tenantctx's unexported one included, with v.
type anyKey struct {
	context.Context
	v any
}

func (c anyKey) Value(any) any { return c.v }

// tenantKeyOnly answers tenantctx's unexported tenant key, found by its
// type's name, with v, and every other key as its parent does: a forged
// context that a check of unowned keys cannot tell from a good one.
type tenantKeyOnly struct {
	context.Context
	v any
}

func (c tenantKeyOnly) Value(k any) any {
	if fmt.Sprintf("%T", k) == "tenantctx.key" {
		return c.v
	}
	return c.Context.Value(k)
}

// TestFromContextRefusesContextsAnsweringEveryKey: a context whose Value
// answers every key, even with a valid tenant ID, is refused. Such a
// context also answers the AWS SDK's own keys, and the SDK then panicked
// inside the DynamoDB backend's calls, while the memory backend served it.
func TestFromContextRefusesContextsAnsweringEveryKey(t *testing.T) {
	for _, v := range []any{"acme", "victim", "\uFFFD", "#", 42} {
		id, err := tenantctx.FromContext(anyKey{context.Background(), v})
		if !errors.Is(err, tenantctx.ErrInvalidTenant) || errors.Is(err, tenantctx.ErrNoTenant) || id != "" {
			t.Errorf("FromContext of a context answering every key with %#v = %q, %v; want ErrInvalidTenant", v, id, err)
		}
	}
	// A context answering every key with nil holds no tenant.
	if _, err := tenantctx.FromContext(anyKey{context.Background(), nil}); !errors.Is(err, tenantctx.ErrNoTenant) {
		t.Errorf("a context answering nil: %v; want ErrNoTenant", err)
	}
	// The probe does not refuse contexts that only hold their own values.
	type other struct{}
	ctx := context.WithValue(tenantctx.MustWithTenant(context.Background(), "acme"), other{}, "x")
	if id, err := tenantctx.FromContext(ctx); err != nil || id != "acme" {
		t.Errorf("FromContext of a good context = %q, %v", id, err)
	}
}

// TestFromContextChecksTheValue: a context can answer the tenant key with
// anything; FromContext gives back only valid tenant IDs, and
// ErrInvalidTenant (not ErrNoTenant) for any other value.
func TestFromContextChecksTheValue(t *testing.T) {
	type named string
	for _, v := range []any{
		"", "#", "victim#x", "\xff", "\xfe", "a\xffb", "\xed\xa0\x80", "\x00", "a\nb", "a\u0085", "\x7f",
		strings.Repeat("t", entity.MaxTenantIDBytes+1), 42, []byte("acme"), named("acme"), struct{}{},
		errors.New("acme"), (*string)(nil),
	} {
		id, err := tenantctx.FromContext(tenantKeyOnly{context.Background(), v})
		if !errors.Is(err, tenantctx.ErrInvalidTenant) || errors.Is(err, tenantctx.ErrNoTenant) || id != "" {
			t.Errorf("FromContext of a context answering %#v = %q, %v; want ErrInvalidTenant", v, id, err)
		}
	}
	for _, v := range []string{"acme", "victim", "\uFFFD", strings.Repeat("t", entity.MaxTenantIDBytes)} {
		id, err := tenantctx.FromContext(tenantKeyOnly{context.Background(), v})
		if err != nil || id != v {
			t.Errorf("FromContext of a context answering %q = %q, %v", v, id, err)
		}
	}
	if _, err := tenantctx.FromContext(tenantKeyOnly{context.Background(), nil}); !errors.Is(err, tenantctx.ErrNoTenant) {
		t.Errorf("a context answering nil: %v; want ErrNoTenant", err)
	}
}

// FuzzFromContext: whatever string a context answers under the tenant key,
// FromContext returns it exactly when the tenant rules accept it, and
// ErrInvalidTenant otherwise.
func FuzzFromContext(f *testing.F) {
	for _, s := range []string{"acme", "", "#", "victim#x", "\xff", "a\u0085", "a\u00a0", "\xc2", "a\xc2", strings.Repeat("a", 2041), strings.Repeat("a", 2042)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := tenantctx.FromContext(tenantKeyOnly{context.Background(), s})
		if specTenant(s) {
			if err != nil || id != s {
				t.Fatalf("FromContext(%q) = %q, %v; the rules accept it", s, id, err)
			}
			return
		}
		if !errors.Is(err, tenantctx.ErrInvalidTenant) || id != "" {
			t.Fatalf("FromContext(%q) = %q, %v; want ErrInvalidTenant", s, id, err)
		}
	})
}
