package bench

import (
	"context"
	"testing"

	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/repo"
)

// noopObserver is a repo.Observer that does nothing: what an observed call
// costs the repository itself (its Call, Meter and context), without any
// adapter's work.
type noopObserver struct{}

func (noopObserver) Start(ctx context.Context, _ *repo.Call) context.Context { return ctx }
func (noopObserver) End(context.Context, *repo.Call)                         {}

// BenchmarkObserver measures Get, Put and a List page of pageSize on the
// memory backend (1,000 items in one tenant) through a repository without
// an observer (obs=none) and through one with a no-op observer
// (obs=noop), one right after the other. Compare with
// `benchstat -col /obs`; obs=none is the figure issue #14 wants within 2%
// of the repository's before observers.
func BenchmarkObserver(b *testing.B) {
	store := memory.New()
	none, err := repo.New[Profile](store)
	if err != nil {
		b.Fatal(err)
	}
	noop, err := repo.New[Profile](store, func(o *repo.Options) { o.Observer = noopObserver{} })
	if err != nil {
		b.Fatal(err)
	}
	ctx := tenantCtx(b, benchTenant)
	ps := make([]Profile, 1000)
	for i := range ps {
		ps[i] = profile(i)
	}
	if err := none.BatchPut(ctx, ps); err != nil {
		b.Fatal(err)
	}
	sides := []struct {
		name string
		r    *repo.Repository[Profile]
	}{{"obs=none", none}, {"obs=noop", noop}}
	get, put := id(42), profile(7)
	b.Run("op=Get", func(b *testing.B) {
		for _, side := range sides {
			b.Run(side.name, func(b *testing.B) {
				loop(b, func() {
					if p, err := side.r.Get(ctx, get); err != nil || p.ID != get {
						b.Fatal(p.ID, err)
					}
				})
			})
		}
	})
	b.Run("op=Put", func(b *testing.B) {
		for _, side := range sides {
			b.Run(side.name, func(b *testing.B) {
				loop(b, func() {
					if _, err := side.r.Put(ctx, put); err != nil {
						b.Fatal(err)
					}
				})
			})
		}
	})
	b.Run("op=Query", func(b *testing.B) {
		for _, side := range sides {
			b.Run(side.name, func(b *testing.B) {
				loop(b, func() {
					page, err := side.r.Query(ctx, repo.BeginsWith("0"), repo.WithLimit(pageSize))
					if err != nil || len(page.Items) != pageSize || page.Next == "" {
						b.Fatal(len(page.Items), err)
					}
				})
			})
		}
	})
}
