package route_test

import (
	"context"
	"testing"
	"time"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/route"
)

// BenchmarkGet compares a Get through a Router (catalog cache hit) with
// the same Get on the memory Store itself.
func BenchmarkGet(b *testing.B) {
	ctx := context.Background()
	pool := memory.New()
	if err := pool.Put(ctx, backend.PutInput{Item: item("tenant#acme", "u#1", "v", "x")}); err != nil {
		b.Fatal(err)
	}
	cat, err := route.NewCatalog(pool)
	if err != nil {
		b.Fatal(err)
	}
	r, err := route.New(cat, route.NewMemoryTables(pool, "s-{tenant}"))
	if err != nil {
		b.Fatal(err)
	}
	in := backend.GetInput{Key: key("tenant#acme", "u#1")}
	for _, bc := range []struct {
		name string
		b    backend.Backend
	}{{"store", pool}, {"router", r}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bc.b.Get(ctx, in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPut compares a Put through a Router (catalog cache hit), with
// the catalog's WriteTimeout (the default) and without a bound, with the
// same Put on the memory Store itself: what bounding each write costs.
func BenchmarkPut(b *testing.B) {
	ctx := context.Background()
	pool := memory.New()
	tables := route.NewMemoryTables(pool, "s-{tenant}")
	router := func(timeout time.Duration) *route.Router {
		cat, err := route.NewCatalog(pool, func(o *route.CatalogOptions) { o.WriteTimeout = timeout })
		if err != nil {
			b.Fatal(err)
		}
		r, err := route.New(cat, tables)
		if err != nil {
			b.Fatal(err)
		}
		return r
	}
	in := backend.PutInput{Item: item("tenant#acme", "u#1", "v", "x")}
	for _, bc := range []struct {
		name string
		b    backend.Backend
	}{{"store", pool}, {"router", router(0)}, {"router-unbounded", router(-1)}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := bc.b.Put(ctx, in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
