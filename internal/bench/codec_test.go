package bench

import (
	"context"
	"testing"

	"github.com/tenantrepo/tenantrepo/backend"
	dynamodbbackend "github.com/tenantrepo/tenantrepo/backend/dynamodb"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	codecswitch "github.com/tenantrepo/tenantrepo/internal/codec"
	"github.com/tenantrepo/tenantrepo/repo"
)

// codecSides are two repositories of Profile on one store: one with the
// per-type codec (fast), one made with it switched off (av), which encodes
// and decodes with attributevalue only.
type codecSides struct {
	ctx      context.Context
	fast, av *repo.Repository[Profile]
}

func newCodecSides(tb testing.TB, store backend.Backend) codecSides {
	tb.Helper()
	fast, err := repo.New[Profile](store)
	if err != nil {
		tb.Fatal(err)
	}
	restore := codecswitch.SetOff(true)
	defer restore()
	av, err := repo.New[Profile](store) // the same type: the prefix is its own
	if err != nil {
		tb.Fatal(err)
	}
	return codecSides{ctx: tenantCtx(tb, benchTenant), fast: fast, av: av}
}

// BenchmarkCodec measures the repository with its per-type codec
// (impl=fast) and without it (impl=attributevalue: the codec switched off
// when the repository is made): Get, Put and a List page of pageSize, over
// the canned transport (as BenchmarkCanned) and on the memory backend
// (1,000 items in one tenant). Each operation's two sides run one right
// after the other. Compare with `benchstat -col /impl`.
func BenchmarkCodec(b *testing.B) {
	b.Run("backend=canned", func(b *testing.B) {
		c, _ := cannedClients()
		store, err := dynamodbbackend.New(c, benchTable)
		if err != nil {
			b.Fatal(err)
		}
		runCodecOps(b, newCodecSides(b, store))
	})
	b.Run("backend=memory", func(b *testing.B) {
		store := memory.New()
		s := newCodecSides(b, store)
		ps := make([]Profile, 1000)
		for i := range ps {
			ps[i] = profile(i)
		}
		if err := s.fast.BatchPut(s.ctx, ps); err != nil {
			b.Fatal(err)
		}
		runCodecOps(b, s)
	})
}

func runCodecOps(b *testing.B, s codecSides) {
	sides := []struct {
		name string
		r    *repo.Repository[Profile]
	}{{"impl=fast", s.fast}, {"impl=attributevalue", s.av}}
	get, put := id(42), profile(7)
	b.Run("op=Get", func(b *testing.B) {
		for _, side := range sides {
			b.Run(side.name, func(b *testing.B) {
				loop(b, func() {
					if p, err := side.r.Get(s.ctx, get); err != nil || p.ID != get {
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
					if _, err := side.r.Put(s.ctx, put); err != nil {
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
					page, err := side.r.List(s.ctx, repo.WithLimit(pageSize))
					if err != nil || len(page.Items) != pageSize || page.Next == "" {
						b.Fatal(len(page.Items), err)
					}
				})
			})
		}
	})
}
