package bench

import (
	"context"
	"fmt"
	"io"
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
	"github.com/tenantrepo/tenantrepo/ops"
	"github.com/tenantrepo/tenantrepo/repo"
)

// opsItems is how many items of one tenant BenchmarkLocalOps purges and
// exports.
const opsItems = 10_000

// opsPrefixes are the sort-key prefixes of the items of the ops
// benchmarks: three entity types, as a tenant has.
var opsPrefixes = []string{"profile", "order", "invoice"}

// opsItem returns the i-th item of the ops benchmarks for partition pk: a
// profile (about 170 bytes) under one of three prefixes.
func opsItem(tb testing.TB, pk string, i int) map[string]types.AttributeValue {
	item, err := attributevalue.MarshalMap(profile(i))
	if err != nil {
		tb.Fatal(err)
	}
	item["PK"] = &types.AttributeValueMemberS{Value: pk}
	item["SK"] = &types.AttributeValueMemberS{Value: opsPrefixes[i%len(opsPrefixes)] + "#" + id(i)}
	return item
}

// seedLocal writes opsItems items into partition pk with BatchWriteItem,
// rawConcurrency requests in flight, retrying unprocessed items.
func seedLocal(tb testing.TB, r rawOps, pk string) {
	tb.Helper()
	ctx := context.Background()
	reqs := make(chan []types.WriteRequest)
	errs := make(chan error, rawConcurrency)
	var wg sync.WaitGroup
	for range rawConcurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for batch := range reqs {
				for len(batch) > 0 {
					out, err := r.c.BatchWriteItem(ctx, &ddb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{r.table: batch}})
					if err != nil {
						errs <- err
						return
					}
					batch = out.UnprocessedItems[r.table]
				}
			}
		}()
	}
	for lo := 0; lo < opsItems; lo += 25 {
		batch := make([]types.WriteRequest, 0, 25)
		for i := lo; i < min(lo+25, opsItems); i++ {
			batch = append(batch, types.WriteRequest{PutRequest: &types.PutRequest{Item: opsItem(tb, pk, i)}})
		}
		reqs <- batch
	}
	close(reqs)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		tb.Fatal(err)
	}
}

// countLocal returns how many items partition pk holds, read consistently.
func countLocal(tb testing.TB, r rawOps, pk string) int {
	tb.Helper()
	n := 0
	var start map[string]types.AttributeValue
	for {
		out, err := r.c.Query(context.Background(), r.partitionQuery(pk, true, rawPageSize, start))
		if err != nil {
			tb.Fatal(err)
		}
		n += len(out.Items)
		if len(out.LastEvaluatedKey) == 0 {
			return n
		}
		start = out.LastEvaluatedKey
	}
}

// reportItems reports the items per second of the timed part of b.
func reportItems(b *testing.B, items int) {
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(items*b.N)/s, "items/s")
	}
}

// pair times the two sides of a comparison over the iterations of one
// benchmark: each iteration runs both, raw first in even iterations and
// ops first in odd ones, so that the drift of a shared machine (and of
// DynamoDB Local, whose speed wanders by tens of percent from one second
// to the next here) hits both alike.
type pair struct {
	raw, ops       time.Duration
	rawCPU, opsCPU time.Duration // the process's CPU time during each side
	// DynamoDB Local's CPU time during each side, in ticks of 10 ms;
	// local is its /proc stat file, "" when not found.
	rawLocal, opsLocal int64
	local              string
	rawAlloc, opsAlloc uint64    // bytes the process allocated during each side
	ratios             []float64 // per iteration: ops items/s over raw items/s
}

// run runs one iteration: prepare (untimed) then the side, for each side.
func (p *pair) run(b *testing.B, i int, prepare func(side string), raw, ops func()) {
	sides := []string{"raw", "ops"}
	if i%2 == 1 {
		sides = []string{"ops", "raw"}
	}
	var took [2]time.Duration
	for _, side := range sides {
		b.StopTimer()
		if prepare != nil {
			prepare(side)
		}
		b.StartTimer()
		local0, _ := processCPU(p.local)
		alloc0 := heapAllocs()
		cpu0, _ := cpuTime()
		start := time.Now()
		if side == "raw" {
			raw()
			took[0] = time.Since(start)
		} else {
			ops()
			took[1] = time.Since(start)
		}
		cpu1, _ := cpuTime()
		alloc1 := heapAllocs()
		local1, _ := processCPU(p.local)
		if side == "raw" {
			p.rawCPU += time.Duration(cpu1 - cpu0)
			p.rawLocal += local1 - local0
			p.rawAlloc += alloc1 - alloc0
		} else {
			p.opsCPU += time.Duration(cpu1 - cpu0)
			p.opsLocal += local1 - local0
			p.opsAlloc += alloc1 - alloc0
		}
	}
	p.raw += took[0]
	p.ops += took[1]
	p.ratios = append(p.ratios, took[0].Seconds()/took[1].Seconds())
}

// report reports each side's items/s over all iterations; ops/raw, the
// median of the iterations' ratios of items/s (one iteration slowed by
// the machine's other load moves it least); and each side's CPU time per
// iteration: the client's (cpu-ms), which shares the machine's CPUs with
// DynamoDB Local, and DynamoDB Local's (local-cpu-ms, when its process is
// found), the work each side asks of it; and the bytes the client
// allocated during each side (alloc-MB, the SDK's included).
func (p *pair) report(b *testing.B, items int) {
	n := float64(items * len(p.ratios))
	iters := float64(len(p.ratios))
	b.ReportMetric(n/p.raw.Seconds(), "raw-items/s")
	b.ReportMetric(n/p.ops.Seconds(), "ops-items/s")
	b.ReportMetric(p.rawCPU.Seconds()*1000/iters, "raw-cpu-ms/op")
	b.ReportMetric(p.opsCPU.Seconds()*1000/iters, "ops-cpu-ms/op")
	b.ReportMetric(float64(p.rawAlloc)/1e6/iters, "raw-alloc-MB/op")
	b.ReportMetric(float64(p.opsAlloc)/1e6/iters, "ops-alloc-MB/op")
	if p.local != "" {
		b.ReportMetric(float64(p.rawLocal)*10/iters, "raw-local-cpu-ms/op")
		b.ReportMetric(float64(p.opsLocal)*10/iters, "ops-local-cpu-ms/op")
	}
	r := slices.Clone(p.ratios)
	slices.Sort(r)
	med := r[len(r)/2]
	if len(r)%2 == 0 {
		med = math.Sqrt(r[len(r)/2-1] * r[len(r)/2])
	}
	b.ReportMetric(med, "ops/raw")
}

// BenchmarkLocalOps purges and exports opsItems items of one tenant on
// DynamoDB Local with package ops (ops.Purge, ops.Export, their default
// options) and with the hand-written SDK baseline of ops_baseline_test.go,
// both sides in every iteration (see pair). A purge's items are written
// beforehand, untimed, into a new tenant each time; the exports read one
// tenant written once, and the baseline's export must give the same bytes
// as ops.Export (the same SHA-256). It reports raw-items/s, ops-items/s
// and ops/raw, the figure of the target of issue #12: no less than 0.9.
func BenchmarkLocalOps(b *testing.B) {
	store := dynamotest.NewTable(b)
	r := rawOps{c: dynamotest.Client(b), table: store.Table()}
	run := 0
	newTenant := func() (context.Context, string) {
		run++
		tenant := fmt.Sprintf("ops-%d-%d", time.Now().UnixNano(), run)
		return tenantCtx(b, tenant), "tenant#" + tenant
	}
	b.Run("op=export", func(b *testing.B) {
		// One tenant to export, and DynamoDB Local warmed up by writing
		// it and reading it once each way.
		exportCtx, exportPK := newTenant()
		seedLocal(b, r, exportPK)
		if n := countLocal(b, r, exportPK); n != opsItems {
			b.Fatalf("seeded %d items, want %d", n, opsItems)
		}
		if _, sum, err := r.export(context.Background(), exportPK, io.Discard); err != nil {
			b.Fatal(err)
		} else if m, err := ops.Export(exportCtx, store, io.Discard); err != nil {
			b.Fatal(err)
		} else if m.SHA256 != sum {
			b.Fatalf("the baseline's export (SHA-256 %s) is not ops.Export's (%s)", sum, m.SHA256)
		}
		p := pair{local: localProcess()}
		for i := 0; b.Loop(); i++ {
			p.run(b, i, nil, func() {
				n, _, err := r.export(context.Background(), exportPK, io.Discard)
				if err != nil || n != opsItems {
					b.Fatal(n, err)
				}
			}, func() {
				m, err := ops.Export(exportCtx, store, io.Discard)
				if err != nil || m.ItemCount != opsItems {
					b.Fatal(m.ItemCount, err)
				}
			})
		}
		p.report(b, opsItems)
	})
	b.Run("op=purge", func(b *testing.B) {
		p := pair{local: localProcess()}
		var ctx context.Context
		var pk string
		for i := 0; b.Loop(); i++ {
			p.run(b, i, func(string) {
				ctx, pk = newTenant()
				seedLocal(b, r, pk)
			}, func() {
				n, err := r.purge(context.Background(), pk)
				if err != nil || n != opsItems {
					b.Fatal(n, err)
				}
			}, func() {
				res, err := ops.Purge(ctx, store)
				if err != nil || res.Done != opsItems {
					b.Fatal(res.Done, err)
				}
			})
		}
		p.report(b, opsItems)
	})
}

// memExportItems are the tenant sizes BenchmarkMemoryExport exports: the
// target is about 100,000; 10,000 shows the peak does not grow with them.
var memExportItems = []int{10_000, 100_000}

// heapSampler samples the heap in a goroutine until stopped, and keeps the
// peak: the bytes of heap objects, live or not yet collected
// (runtime/metrics /memory/classes/heap/objects:bytes, ReadMemStats'
// HeapAlloc, without stopping the world).
type heapSampler struct {
	stop chan struct{}
	done chan uint64
}

const heapObjects = "/memory/classes/heap/objects:bytes"

func heapNow() uint64 {
	s := []metrics.Sample{{Name: heapObjects}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func startHeapSampler(every time.Duration) *heapSampler {
	h := &heapSampler{stop: make(chan struct{}), done: make(chan uint64, 1)}
	go func() {
		s := []metrics.Sample{{Name: heapObjects}}
		var peak uint64
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			metrics.Read(s)
			peak = max(peak, s[0].Value.Uint64())
			select {
			case <-h.stop:
				metrics.Read(s)
				h.done <- max(peak, s[0].Value.Uint64())
				return
			case <-t.C:
			}
		}
	}()
	return h
}

// heapAllocs returns the bytes allocated on the heap since the process
// started (runtime/metrics /gc/heap/allocs:bytes).
func heapAllocs() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// peak stops the sampler and returns the peak it saw.
func (h *heapSampler) peak() uint64 {
	close(h.stop)
	return <-h.done
}

// BenchmarkMemoryExport exports a tenant of 10,000 and of 100,000
// profiles (items=10k, 100k) from the memory backend with ops.Export into
// io.Discard, sampling the heap every millisecond in a goroutine. It
// reports:
//
//   - store-MB: the live heap before the export (after a collection): the
//     store and the process, which the export does not add;
//   - peak-heap-MB: the peak of the heap during the export, over store-MB:
//     what the export adds, its garbage not yet collected included (with
//     the default GOGC, the collector lets the heap grow by up to the live
//     heap before it runs, so this is an upper bound);
//   - peak-total-MB: the peak of the whole heap;
//   - items/s.
//
// The target of issue #12 is a peak under 64 MB at 100,000 items: the
// export keeps one page at a time, whatever the tenant's size, so
// peak-heap-MB is about the same at both sizes.
func BenchmarkMemoryExport(b *testing.B) {
	for _, n := range memExportItems {
		b.Run(fmt.Sprintf("items=%dk", n/1000), func(b *testing.B) { memoryExport(b, n) })
	}
}

func memoryExport(b *testing.B, items int) {
	store := memory.New()
	pr, err := repo.New[Profile](store)
	if err != nil {
		b.Fatal(err)
	}
	ctx := tenantCtx(b, benchTenant)
	func() {
		defer debug.SetGCPercent(debug.SetGCPercent(800))
		ps := make([]Profile, 0, 10_000)
		for i := range items {
			ps = append(ps, profile(i))
			if len(ps) == cap(ps) {
				if err := pr.BatchPut(ctx, ps); err != nil {
					b.Fatal(err)
				}
				ps = ps[:0]
			}
		}
	}()
	if store.Len() != items {
		b.Fatalf("%d items stored", store.Len())
	}
	var worst, total, base uint64
	b.ReportAllocs() // B/op: all the export allocates, a bound on its peak
	for b.Loop() {
		b.StopTimer()
		runtime.GC()
		base = heapNow()
		s := startHeapSampler(time.Millisecond)
		b.StartTimer()
		m, err := ops.Export(ctx, store, io.Discard)
		b.StopTimer()
		p := s.peak()
		if err != nil || m.ItemCount != int64(items) {
			b.Fatal(m.ItemCount, err)
		}
		worst = max(worst, p-min(p, base))
		total = max(total, p)
		b.StartTimer()
	}
	const mb = 1e6 // benchstat reads the unit MB as 10^6 bytes
	b.ReportMetric(float64(base)/mb, "store-MB")
	b.ReportMetric(float64(worst)/mb, "peak-heap-MB")
	b.ReportMetric(float64(total)/mb, "peak-total-MB")
	reportItems(b, items)
}
