package tenantctx_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// benchTenants are tenant IDs of typical and extreme lengths.
var benchTenants = []struct{ name, id string }{
	{"short", "acme"},
	{"uuid", "3f2c1a9e-8b7d-4e6f-a5c4-1b2d3e4f5a6b"},
	{"unicode", "テナント-株式会社"},
	{"max", strings.Repeat("t", entity.MaxTenantIDBytes)},
}

var sink string

// BenchmarkFromContext measures FromContext, which checks the tenant ID on
// every call, beside the bare lookup it does (BenchmarkContextValue): the
// difference is the cost of the check.
func BenchmarkFromContext(b *testing.B) {
	for _, tc := range benchTenants {
		ctx := tenantctx.MustWithTenant(context.Background(), tc.id)
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				id, err := tenantctx.FromContext(ctx)
				if err != nil {
					b.Fatal(err)
				}
				sink = id
			}
		})
	}
}

// benchKey stands for tenantctx's own key, for the bare lookup.
type benchKey struct{}

// BenchmarkContextValue is the lookup FromContext makes, without the check.
func BenchmarkContextValue(b *testing.B) {
	for _, tc := range benchTenants {
		ctx := context.WithValue(context.Background(), benchKey{}, tc.id)
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				id, _ := ctx.Value(benchKey{}).(string)
				sink = id
			}
		})
	}
}

// BenchmarkValidateTenantID is the check alone.
func BenchmarkValidateTenantID(b *testing.B) {
	for _, tc := range benchTenants {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				if err := entity.ValidateTenantID(tc.id); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
