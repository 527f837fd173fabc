package tenantctx_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// specTenant states the tenant ID rules independently of package entity:
// non-empty, valid UTF-8, no '#', no control character (C0, DEL, C1), at
// most 2048-len("tenant#") bytes.
func specTenant(s string) bool {
	if s == "" || len(s) > 2048-len("tenant#") || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r == '#' || r < 0x20 || (r >= 0x7f && r <= 0x9f) {
			return false
		}
	}
	return true
}

// FuzzWithTenant checks WithTenant against the rules, on a context that
// may already carry another tenant: a valid ID replaces it; an invalid one
// is refused with ErrInvalidTenant and the parent context comes back
// unchanged (still the parent's tenant, never the invalid one);
// MustWithTenant panics exactly when WithTenant fails.
func FuzzWithTenant(f *testing.F) {
	for _, s := range [][2]string{
		{"acme", ""}, {"acme", "other"}, {"acme#", "acme"}, {"", "acme"}, {"acme\n", ""},
		{"acme\u0080", "acme"}, {"acme\u00a0", ""}, {"\xed\xa0\x80", ""}, // a surrogate: invalid UTF-8
		{strings.Repeat("a", 2041), ""}, {strings.Repeat("a", 2042), "acme"}, {"tenant#acme", ""},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, id, parentTenant string) {
		parent := context.Background()
		parentHas := false
		if p, err := tenantctx.WithTenant(parent, parentTenant); err == nil {
			parent, parentHas = p, true
		}
		ctx, err := tenantctx.WithTenant(parent, id)
		want := specTenant(id)
		if (err == nil) != want {
			t.Fatalf("WithTenant(%q) = %v; the rules say valid=%v", id, err, want)
		}
		if (err == nil) != (entity.ValidateTenantID(id) == nil) {
			t.Fatalf("WithTenant(%q) and entity.ValidateTenantID disagree", id)
		}
		panicked := func() (p bool) {
			defer func() { p = recover() != nil }()
			tenantctx.MustWithTenant(parent, id)
			return false
		}()
		if panicked != (err != nil) {
			t.Fatalf("MustWithTenant(%q) panicked=%v, WithTenant error %v", id, panicked, err)
		}
		got, gotErr := tenantctx.FromContext(ctx)
		if err != nil {
			if !errors.Is(err, tenantctx.ErrInvalidTenant) || errors.Is(err, tenantctx.ErrNoTenant) {
				t.Fatalf("WithTenant(%q) = %v: not exactly ErrInvalidTenant", id, err)
			}
			if ctx != parent {
				t.Fatalf("WithTenant(%q) failed but returned another context than its parent", id)
			}
			if parentHas {
				if gotErr != nil || got != parentTenant {
					t.Fatalf("after a refused WithTenant(%q): FromContext = %q, %v; want the parent's %q", id, got, gotErr, parentTenant)
				}
			} else if !errors.Is(gotErr, tenantctx.ErrNoTenant) {
				t.Fatalf("after a refused WithTenant(%q) on a context without tenant: FromContext = %q, %v", id, got, gotErr)
			}
			return
		}
		if gotErr != nil || got != id {
			t.Fatalf("FromContext(WithTenant(%q)) = %q, %v", id, got, gotErr)
		}
		if back, ok := entity.ParsePartitionKey(entity.PartitionKey(got)); !ok || back != id {
			t.Fatalf("partition key of %q parses back to %q, %v", id, back, ok)
		}
	})
}
