package tenantctx_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// sameAsFromContext fails unless Tenant(ctx) agrees with FromContext(ctx):
// the same tenant ID with its partition key, or the same error.
func sameAsFromContext(t *testing.T, ctx context.Context) {
	t.Helper()
	id, err := tenantctx.FromContext(ctx)
	ten, terr := tenantctx.Tenant(ctx)
	if err != nil {
		if terr == nil || terr.Error() != err.Error() ||
			errors.Is(terr, tenantctx.ErrNoTenant) != errors.Is(err, tenantctx.ErrNoTenant) ||
			errors.Is(terr, tenantctx.ErrInvalidTenant) != errors.Is(err, tenantctx.ErrInvalidTenant) {
			t.Errorf("Tenant: %v; FromContext: %v", terr, err)
		}
		if ten != (entity.Tenant{}) {
			t.Errorf("Tenant returned %+v with its error", ten)
		}
		return
	}
	if terr != nil || ten.ID() != id || ten.PartitionKey() != entity.PartitionKey(id) {
		t.Errorf("Tenant = %q, %q, %v; FromContext = %q", ten.ID(), ten.PartitionKey(), terr, id)
	}
}

// TestTenantAgreesWithFromContext: the repository's one step from a
// context to a tenant and its keys, tenantctx.Tenant, refuses every
// context FromContext refuses, with the same error, and otherwise gives
// FromContext's tenant with its partition key.
func TestTenantAgreesWithFromContext(t *testing.T) {
	type named string
	var ctxs []context.Context
	for _, v := range []any{
		"", "#", "victim#x", "\xff", "\xfe", "a\xffb", "\xed\xa0\x80", "\x00", "a\nb", "a\u0085", "\x7f",
		strings.Repeat("t", entity.MaxTenantIDBytes+1), 42, []byte("acme"), named("acme"), struct{}{},
		errors.New("acme"), (*string)(nil), nil,
		"acme", "victim", "\uFFFD", strings.Repeat("t", entity.MaxTenantIDBytes),
	} {
		ctxs = append(ctxs, tenantKeyOnly{context.Background(), v}, anyKey{context.Background(), v})
	}
	var nilCtx context.Context
	ctxs = append(ctxs, nilCtx, context.Background(), tenantctx.MustWithTenant(context.Background(), "acme"))
	for _, ctx := range ctxs {
		sameAsFromContext(t, ctx)
	}
	ten, err := tenantctx.Tenant(tenantctx.MustWithTenant(context.Background(), "acme"))
	if err != nil || ten.ID() != "acme" || ten.PartitionKey() != "tenant#acme" ||
		ten.IndexPartitionKey("order", "by-user", "42") != "tenant#acme#order#by-user#42" {
		t.Errorf("Tenant of acme = %q, %q, %v", ten.ID(), ten.PartitionKey(), err)
	}
}

// FuzzTenant: for any string under the tenant key, Tenant and FromContext
// agree.
func FuzzTenant(f *testing.F) {
	for _, s := range []string{"acme", "", "#", "victim#x", "\xff", "a\u0085", "\xc2", strings.Repeat("a", 2042)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sameAsFromContext(t, tenantKeyOnly{context.Background(), s})
	})
}
