package bench

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
	"github.com/tenantrepo/tenantrepo/repo"
)

// localTable returns a new table on DynamoDB Local (skipping the benchmark
// without DYNAMODB_ENDPOINT, see package dynamotest) and the two sides on
// it, with the table holding pageSize+1 profiles of tenant.
func localTable(b testing.TB, tenant string) sides {
	b.Helper()
	store := dynamotest.NewTable(b)
	c := dynamotest.Client(b)
	s := newSides(b, c, raw{c: c, table: store.Table()}, tenant)
	ps := make([]Profile, pageSize+1)
	for i := range ps {
		ps[i] = profile(i)
	}
	if err := s.repo.BatchPut(s.ctx, ps); err != nil {
		b.Fatal(err)
	}
	// Warm DynamoDB Local (its JIT compiler, the new table) up, so that
	// the first benchmark does not pay for it: its first requests take
	// up to a second.
	for i := range 100 {
		p := profile(i % (pageSize + 1))
		if _, err := s.raw.get(s.ctx, s.tenant, p.ID); err != nil {
			b.Fatal(err)
		}
		if err := s.raw.put(s.ctx, s.tenant, p); err != nil {
			b.Fatal(err)
		}
		if i%10 == 0 {
			if _, _, err := s.raw.query(s.ctx, s.tenant, pageSize, nil); err != nil {
				b.Fatal(err)
			}
		}
	}
	return s
}

// BenchmarkLocal is BenchmarkCanned against DynamoDB Local: the same
// operations, on a table of its own. Its ratio is one of throughput, with
// DynamoDB Local's own work in both.
func BenchmarkLocal(b *testing.B) {
	s := localTable(b, benchTenant)
	runOps(b, s, id(42))
}

// batchItems is how many items BenchmarkLocalBatch writes and reads.
const batchItems = 10_000

// batchConcurrency is the repo.Options.BatchConcurrency of the "x4" runs.
const batchConcurrency = 4

// BenchmarkLocalBatch writes batchItems profiles with one Put each, with
// BatchPut (one request after the other, the default) and with BatchPut
// at batchConcurrency requests in flight, and reads them back with
// BatchGet, both ways, against DynamoDB Local. Each write goes to a tenant
// of its own, so each op inserts batchItems new items. ns/item is the time
// per item.
func BenchmarkLocalBatch(b *testing.B) {
	s := localTable(b, benchTenant)
	parallel, err := repo.New[Profile](s.store, func(o *repo.Options) { o.BatchConcurrency = batchConcurrency })
	if err != nil {
		b.Fatal(err)
	}
	ps := make([]Profile, batchItems)
	ids := make([]string, batchItems)
	for i := range ps {
		ps[i] = profile(i)
		ids[i] = ps[i].ID
	}
	run := 0
	newTenant := func() context.Context {
		run++
		return tenantCtx(b, fmt.Sprintf("batch-%d-%d", time.Now().UnixNano(), run))
	}
	perItem := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batchItems), "ns/item")
	}
	var written context.Context // a tenant holding the items, for the reads
	batchPut := func(r *repo.Repository[Profile]) func(b *testing.B) {
		return func(b *testing.B) {
			for b.Loop() {
				ctx := newTenant()
				if err := r.BatchPut(ctx, ps); err != nil {
					b.Fatal(err)
				}
				written = ctx
			}
			perItem(b)
		}
	}
	batchGet := func(r *repo.Repository[Profile]) func(b *testing.B) {
		return func(b *testing.B) {
			for b.Loop() {
				found, missing, err := r.BatchGet(written, ids)
				if err != nil || len(found) != batchItems || len(missing) != 0 {
					b.Fatal(len(found), len(missing), err)
				}
			}
			perItem(b)
		}
	}
	b.Run("op=write", func(b *testing.B) {
		b.Run("via=Put", func(b *testing.B) {
			for b.Loop() {
				ctx := newTenant()
				for _, p := range ps {
					if _, err := s.repo.Put(ctx, p); err != nil {
						b.Fatal(err)
					}
				}
			}
			perItem(b)
		})
		b.Run("via=BatchPut", batchPut(s.repo))
		b.Run("via=BatchPutx4", batchPut(parallel))
	})
	b.Run("op=read", func(b *testing.B) {
		if written == nil {
			written = newTenant()
			if err := s.repo.BatchPut(written, ps); err != nil {
				b.Fatal(err)
			}
		}
		b.Run("via=BatchGet", batchGet(s.repo))
		b.Run("via=BatchGetx4", batchGet(parallel))
	})
}
