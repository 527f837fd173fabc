package limit_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/limit"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// BenchmarkCheck is the limiter's cost per call, in front of a backend
// that does nothing: reading the tenant, the bucket lookup, the requests
// bucket, and with units the meter around the call.
func BenchmarkCheck(b *testing.B) {
	for _, c := range []struct {
		name string
		lim  limit.Limits
	}{
		{"none", limit.Limits{}},
		{"requests", limit.Limits{RequestsPerSecond: 1e12}},
		{"requests+units", limit.Limits{RequestsPerSecond: 1e12, UnitsPerSecond: 1e12}},
	} {
		for _, tenants := range []int{1, 10_000} {
			b.Run(fmt.Sprintf("%s/tenants=%d", c.name, tenants), func(b *testing.B) {
				lb, err := limit.New(&nopBackend{}, limit.WithLimits(func(string) limit.Limits { return c.lim }))
				if err != nil {
					b.Fatal(err)
				}
				ctxs := make([]context.Context, tenants)
				for i := range ctxs {
					ctxs[i] = tenantctx.MustWithTenant(context.Background(), fmt.Sprint("tenant-", i))
				}
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if _, err := lb.Get(ctxs[i%tenants], backend.GetInput{}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
	b.Run("parallel/requests/tenants=10000", func(b *testing.B) {
		lb, err := limit.New(&nopBackend{}, limit.WithLimits(func(string) limit.Limits {
			return limit.Limits{RequestsPerSecond: 1e12}
		}))
		if err != nil {
			b.Fatal(err)
		}
		ctxs := make([]context.Context, 10_000)
		for i := range ctxs {
			ctxs[i] = tenantctx.MustWithTenant(context.Background(), fmt.Sprint("tenant-", i))
		}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				if _, err := lb.Get(ctxs[i%len(ctxs)], backend.GetInput{}); err != nil {
					b.Fatal(err)
				}
				i += 7
			}
		})
	})
}

// BenchmarkRepoGet is a repository Get on the memory backend, without and
// with a limiter (requests, and requests and units), for the overhead the
// limiter adds to the cheapest real call.
func BenchmarkRepoGet(b *testing.B) {
	for _, c := range []struct {
		name string
		lim  *limit.Limits
	}{
		{"direct", nil},
		{"limiter/requests", &limit.Limits{RequestsPerSecond: 1e12}},
		{"limiter/requests+units", &limit.Limits{RequestsPerSecond: 1e12, UnitsPerSecond: 1e12}},
	} {
		b.Run(c.name, func(b *testing.B) {
			var store backend.Backend = memory.New()
			if c.lim != nil {
				lim := *c.lim
				lb, err := limit.New(store, limit.WithLimits(func(string) limit.Limits { return lim }))
				if err != nil {
					b.Fatal(err)
				}
				store = lb
			}
			notes, err := repo.New[Note](store)
			if err != nil {
				b.Fatal(err)
			}
			ctx := tenantctx.MustWithTenant(context.Background(), "acme")
			if _, err := notes.Put(ctx, Note{ID: "1", Text: "hello"}); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := notes.Get(ctx, "1"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
