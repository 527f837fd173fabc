package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/repo"
)

// memFixture is a memory store holding n profiles, spread evenly over
// tenants tenants (profile i belongs to tenant i % tenants), and what the
// benchmarks read and write.
type memFixture struct {
	repo    *repo.Repository[Profile]
	ctxs    []context.Context // by tenant
	ids     []string          // by profile
	order   []int32           // profiles in random order, for Get and Put
	tenants int
	cursors []string // cursors at random places among tenant 0's profiles
}

func newMemFixture(b testing.TB, tenants, n int) *memFixture {
	b.Helper()
	r, err := repo.New[Profile](memory.New())
	if err != nil {
		b.Fatal(err)
	}
	f := &memFixture{repo: r, tenants: tenants, ids: make([]string, n)}
	for t := range tenants {
		f.ctxs = append(f.ctxs, tenantCtx(b, fmt.Sprintf("tenant-%04d", t)))
	}
	for i := range n {
		f.ids[i] = id(i)
	}
	// Building is not measured: let the heap grow rather than collect it
	// again and again while it does.
	defer debug.SetGCPercent(debug.SetGCPercent(800))
	// Written through the repository, in batches per tenant.
	const chunk = 10_000
	batch := make([][]Profile, tenants)
	flush := func(t int) {
		if err := r.BatchPut(f.ctxs[t], batch[t]); err != nil {
			b.Fatal(err)
		}
		batch[t] = batch[t][:0]
	}
	for i := range n {
		t := i % tenants
		batch[t] = append(batch[t], profile(i))
		if len(batch[t]) == chunk {
			flush(t)
		}
	}
	for t := range tenants {
		if len(batch[t]) > 0 {
			flush(t)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	f.order = make([]int32, min(n, 1<<20))
	for i := range f.order {
		f.order[i] = int32(rng.IntN(n))
	}
	// Cursors after random profiles of tenant 0, each followed by a full
	// page, when the tenant has enough.
	if per := n / tenants; per >= 2*pageSize {
		for range 256 {
			j := rng.IntN(per-pageSize-1) * tenants
			page, err := r.Query(f.ctxs[0], repo.GreaterOrEqual(f.ids[j]), repo.WithLimit(1))
			if err != nil || page.Next == "" {
				b.Fatalf("cursor: %v (%d items)", err, len(page.Items))
			}
			f.cursors = append(f.cursors, page.Next)
		}
	}
	return f
}

// BenchmarkMemory measures Get, Put and a List page of pageSize on the
// memory backend, through the repository (so decoding is included), with
// 1k, 100k and 1M items in one tenant, and with as many spread over 1,000
// tenants. Get and Put address random items (of random tenants); Put
// replaces one. List reads the first page of a (random) tenant, which holds
// fewer than pageSize items when tenants do; ListAt the page after a cursor
// at a random place in one tenant, where a tenant holds 2*pageSize items or
// more. Compare sizes with `benchstat -col /items`.
func BenchmarkMemory(b *testing.B) {
	sizes := []struct {
		name string
		n    int
	}{{"1k", 1_000}, {"100k", 100_000}, {"1M", 1_000_000}}
	for _, tenants := range []int{1, 1000} {
		b.Run(fmt.Sprintf("tenants=%d", tenants), func(b *testing.B) {
			for _, size := range sizes {
				b.Run("items="+size.name, func(b *testing.B) {
					runtime.GC()
					f := newMemFixture(b, tenants, size.n)
					runtime.GC()
					f.run(b)
				})
			}
		})
	}
}

func (f *memFixture) run(b *testing.B) {
	// The item of the i-th operation, and its tenant's context.
	at := func(i int) (context.Context, int) {
		j := int(f.order[i%len(f.order)])
		return f.ctxs[j%f.tenants], j
	}
	b.Run("op=Get", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			ctx, j := at(i)
			if _, err := f.repo.Get(ctx, f.ids[j]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("op=Put", func(b *testing.B) {
		// Entities made beforehand, given the ID of the item replaced.
		ps := make([]Profile, 1024)
		for i := range ps {
			ps[i] = profile(i)
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			ctx, j := at(i)
			p := ps[i%len(ps)]
			p.ID = f.ids[j]
			if _, err := f.repo.Put(ctx, p); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	want := min(pageSize, len(f.ids)/f.tenants)
	b.Run("op=List", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			ctx, _ := at(i)
			page, err := f.repo.List(ctx, repo.WithLimit(pageSize))
			if err != nil || len(page.Items) != want {
				b.Fatal(len(page.Items), err)
			}
			i++
		}
	})
	b.Run("op=ListAt", func(b *testing.B) {
		if f.cursors == nil {
			b.Skipf("tenants hold fewer than %d items", 2*pageSize)
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			page, err := f.repo.List(f.ctxs[0], repo.WithLimit(pageSize), repo.WithCursor(f.cursors[i%len(f.cursors)]))
			if err != nil || len(page.Items) != pageSize {
				b.Fatal(len(page.Items), err)
			}
			i++
		}
	})
}
