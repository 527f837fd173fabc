package badinput_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// TestWithTenantBadInput: every tenant ID the rules refuse is refused with
// ErrInvalidTenant, WithTenant returns its parent context (with the
// parent's tenant, if any, never the refused one), and MustWithTenant
// panics; FromContext of nil or of a context without a tenant is
// ErrNoTenant.
func TestWithTenantBadInput(t *testing.T) {
	bad := map[string]string{
		"empty":         "",
		"hash":          "a#b",
		"only hash":     "#",
		"trailing hash": "acme#",
		"NUL":           "ac\x00me",
		"newline":       "acme\n",
		"tab":           "\tacme",
		"DEL":           "acme\x7f",
		"C1 NEL":        "acme\u0085",
		"C1 CSI":        "\u009bacme",
		"invalid UTF-8": "acme\xff",
		"truncated":     "acme\xe2\x82",
		"surrogate":     "\xed\xa0\x80",
		"overlong":      "\xc0\xaf",
		"too long":      strings.Repeat("t", entity.MaxTenantIDBytes+1),
		"far too long":  strings.Repeat("t", 1<<20),
	}
	parent := tenantctx.MustWithTenant(context.Background(), "parent")
	for name, id := range bad {
		for _, p := range []context.Context{context.Background(), parent} {
			ctx, err := tenantctx.WithTenant(p, id)
			checkKinds(t, err, kinds(tenantctx.ErrInvalidTenant), repoKinds)
			assert.True(t, ctx == p, "%s: the parent context comes back", name)
			got, err := tenantctx.FromContext(ctx)
			if p == parent {
				assert.Equal(t, "parent", got, name)
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, repo.ErrNoTenant, name)
			}
			assert.Panics(t, func() { tenantctx.MustWithTenant(p, id) }, name)
		}
		assert.Less(t, len(func() string { _, err := tenantctx.WithTenant(parent, id); return err.Error() }()), 400, "%s: message length", name)
	}
	// Allowed, though they may surprise: the rules do not exclude Unicode
	// format characters or unnormalized forms, so these are distinct
	// tenants that print alike.
	for _, id := range []string{"acme\u200b", "\u202eacme", "acme\ufeff", "e\u0301", "\u00e9", "acme ", strings.Repeat("t", entity.MaxTenantIDBytes)} {
		_, err := tenantctx.WithTenant(context.Background(), id)
		require.NoError(t, err, "%q", id)
	}
	//nolint:staticcheck // a nil context on purpose
	_, err := tenantctx.FromContext(nil)
	checkKinds(t, err, kinds(tenantctx.ErrNoTenant), repoKinds)
	_, err = tenantctx.FromContext(context.WithValue(context.Background(), struct{}{}, "acme"))
	checkKinds(t, err, kinds(tenantctx.ErrNoTenant), repoKinds)
	t.Logf("%d tenant IDs refused", len(bad))
}
