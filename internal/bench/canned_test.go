package bench

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	dynamodbbackend "github.com/tenantrepo/tenantrepo/backend/dynamodb"
	"github.com/tenantrepo/tenantrepo/repo"
)

// sides are the two implementations the overhead benchmarks compare: the
// repository on the DynamoDB backend, and hand-written SDK code (raw).
type sides struct {
	ctx    context.Context
	tenant string
	store  *dynamodbbackend.Backend
	repo   *repo.Repository[Profile]
	raw    raw
}

func newSides(tb testing.TB, c dynamodbbackend.API, rawc raw, tenant string) sides {
	tb.Helper()
	store, err := dynamodbbackend.New(c, rawc.table)
	if err != nil {
		tb.Fatal(err)
	}
	r, err := repo.New[Profile](store)
	if err != nil {
		tb.Fatal(err)
	}
	return sides{ctx: tenantCtx(tb, tenant), tenant: tenant, store: store, repo: r, raw: rawc}
}

// runOps runs Get, Put and a Query page of pageSize on both sides, each
// operation's raw and repo benchmarks next to each other, so that drift of
// the machine hits both alike. get is the ID Get reads; the page holds
// pageSize items.
func runOps(b *testing.B, s sides, get string) {
	put := profile(7)
	b.Run("op=Get", func(b *testing.B) {
		b.Run("impl=raw", func(b *testing.B) {
			loop(b, func() {
				if _, err := s.raw.get(s.ctx, s.tenant, get); err != nil {
					b.Fatal(err)
				}
			})
		})
		b.Run("impl=repo", func(b *testing.B) {
			loop(b, func() {
				if _, err := s.repo.Get(s.ctx, get); err != nil {
					b.Fatal(err)
				}
			})
		})
	})
	b.Run("op=Put", func(b *testing.B) {
		b.Run("impl=raw", func(b *testing.B) {
			loop(b, func() {
				if err := s.raw.put(s.ctx, s.tenant, put); err != nil {
					b.Fatal(err)
				}
			})
		})
		b.Run("impl=repo", func(b *testing.B) {
			loop(b, func() {
				if _, err := s.repo.Put(s.ctx, put); err != nil {
					b.Fatal(err)
				}
			})
		})
	})
	b.Run("op=Query", func(b *testing.B) {
		b.Run("impl=raw", func(b *testing.B) {
			var last map[string]types.AttributeValue
			loop(b, func() {
				ps, lk, err := s.raw.query(s.ctx, s.tenant, pageSize, nil)
				if err != nil || len(ps) != pageSize {
					b.Fatal(len(ps), err)
				}
				last = lk
			})
			if last == nil {
				b.Fatal("no LastEvaluatedKey")
			}
		})
		b.Run("impl=repo", func(b *testing.B) {
			loop(b, func() {
				page, err := s.repo.List(s.ctx, repo.WithLimit(pageSize))
				if err != nil || len(page.Items) != pageSize || page.Next == "" {
					b.Fatal(len(page.Items), err)
				}
			})
		})
	})
}

// BenchmarkCanned measures the repository's CPU cost over hand-written SDK
// code: both send the same requests through in-process transports that
// answer with canned DynamoDB responses (see canned and cannedClients: the
// repository's requests also ask for ConsumedCapacity, and get it), so
// nothing but the client's own work is timed. Compare with
// `benchstat -col /impl`.
func BenchmarkCanned(b *testing.B) {
	rc, wc := cannedClients()
	s := newSides(b, rc, raw{c: wc, table: benchTable}, benchTenant)
	runOps(b, s, id(42))
}
