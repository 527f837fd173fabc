package ops

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/internal/ddbjson"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
	"github.com/tenantrepo/tenantrepo/internal/testfixture"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// This file holds the fixtures of the tests of package ops: the backends
// every test runs on, contexts, the near-collision neighbour tenants,
// items to seed, snapshots of the other partitions, export data, and
// backend wrappers that inject faults.

// testBackend is one backend the tests run on.
type testBackend struct {
	name string
	new  func(t *testing.T) backend.Backend
}

// testBackends are the memory backend and DynamoDB Local (skipped without
// DYNAMODB_ENDPOINT, failing under CI=true).
var testBackends = []testBackend{
	{"memory", func(t *testing.T) backend.Backend { return memory.New() }},
	{"dynamodb", func(t *testing.T) backend.Backend { return dynamotest.NewTable(t) }},
}

// eachBackend runs f on a fresh backend of each kind.
func eachBackend(t *testing.T, f func(t *testing.T, b backend.Backend)) {
	t.Helper()
	for _, kb := range testBackends {
		t.Run(kb.name, func(t *testing.T) { f(t, kb.new(t)) })
	}
}

// tenantCtx returns a context of tenant id.
func tenantCtx(t testing.TB, id string) context.Context {
	t.Helper()
	ctx, err := tenantctx.WithTenant(t.Context(), id)
	require.NoError(t, err)
	return ctx
}

// operatorCtx returns an operator's context.
func operatorCtx(t testing.TB) context.Context {
	t.Helper()
	ctx, err := tenantctx.AsOperator(t.Context(), "ops tests")
	require.NoError(t, err)
	return ctx
}

// neighbours are tenants whose IDs nearly collide with "acme", and rawPKs
// partition keys that start like acme's (or like a neighbour's) but are no
// tenant's: what no operation on acme may touch.
var (
	neighbours = []string{"acme-corp", "acme-corp2", "acm", "acme2", "Acme", "acme.x"}
	rawPKs     = []string{"tenant#acme#x", "tenant#acme#user#by-email#a", "tenant#acme#user#by-id#1", "tenantacme", "tenant#acme-corp#y", "tenant#"}
)

// tenantPKs returns the partition keys of tenants, then the raw ones.
func tenantPKs(tenants ...string) []string {
	var pks []string
	for _, id := range tenants {
		pks = append(pks, entity.PartitionKey(id))
	}
	return append(pks, rawPKs...)
}

// richItems returns n items of partition pk across types, with index keys
// (the layout's, naming pk's tenant, and one another program wrote), and
// values of every kind.
func richItems(pk string, n int) []backend.Item {
	items := make([]backend.Item, 0, n)
	for i := range n {
		var it backend.Item
		switch i % 5 {
		case 0:
			it = backend.Item{
				"PK": testfixture.S(pk), "SK": testfixture.S(fmt.Sprintf("user#%05d", i)),
				"GSI1PK": testfixture.S(pk + "#user#by-email#" + fmt.Sprintf("u%d@x.example", i)), "GSI1SK": testfixture.S(fmt.Sprintf("%05d", i)),
				"name": testfixture.S(fmt.Sprintf("User <%d> & \"co\"", i)), "age": testfixture.N(fmt.Sprint(20 + i%50)),
				"tags": &types.AttributeValueMemberSS{Value: []string{"z", "a", fmt.Sprintf("t%d", i%7)}},
			}
		case 1:
			it = backend.Item{
				"PK": testfixture.S(pk), "SK": testfixture.S(fmt.Sprintf("order#%05d", i)),
				"GSI2PK": testfixture.S(pk), "GSI2SK": testfixture.S(fmt.Sprintf("o%05d", i)),
				"total":  testfixture.N(fmt.Sprintf("%d.%02d", i, i%100)),
				"scores": &types.AttributeValueMemberNS{Value: []string{"10", "-2", fmt.Sprint(i%3 + 100)}},
				"blob":   &types.AttributeValueMemberB{Value: []byte{byte(i), 0, 0xff, byte(i >> 8)}},
				"lines": &types.AttributeValueMemberL{Value: []types.AttributeValue{
					&types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"sku": testfixture.S("s1"), "qty": testfixture.N("2")}},
					&types.AttributeValueMemberNULL{Value: true},
					&types.AttributeValueMemberBOOL{Value: i%2 == 0},
				}},
			}
		case 2:
			it = backend.Item{
				"PK": testfixture.S(pk), "SK": testfixture.S(fmt.Sprintf("evt#%05d", i)),
				"GSI3PK": testfixture.S("legacy#" + fmt.Sprint(i%4)), "GSI3SK": testfixture.S("x"), // another program's index keys
				"bins":    &types.AttributeValueMemberBS{Value: [][]byte{{3}, {1, 2}, {}}},
				"expires": testfixture.N("4102444800"),
				"doc": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
					"nested": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"n": testfixture.N("1.50"), "s": testfixture.S("é\u2028")}},
					"empty":  &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}},
					"list":   &types.AttributeValueMemberL{Value: []types.AttributeValue{}},
				}},
			}
		case 3:
			it = backend.Item{"PK": testfixture.S(pk), "SK": testfixture.S(fmt.Sprintf("meta%05d", i)), "v": testfixture.N(fmt.Sprint(i))}
		default:
			it = backend.Item{
				"PK": testfixture.S(pk), "SK": testfixture.S(fmt.Sprintf("user#%05d#x", i)),
				"GSI4PK": testfixture.S(pk + "#user#by-team#t" + fmt.Sprint(i%3)), "GSI4SK": testfixture.S("s"),
				"GSI5PK": testfixture.S("tenantless"), "GSI5SK": testfixture.S("s"),
				"text": testfixture.S(strings.Repeat("ab\n", i%20)),
			}
		}
		items = append(items, it)
	}
	return items
}

// mixedItems returns n items of partition pk of every sort of shape: users
// and orders in the seed layout, items of a type no program here knows,
// sort keys without a separator or with several, and index keys.
func mixedItems(pk string, n int) []backend.Item {
	s, num := testfixture.S, testfixture.N
	items := make([]backend.Item, 0, n)
	for i := range n {
		var it backend.Item
		switch i % 6 {
		case 0:
			it = testfixture.Item(pk, fmt.Sprintf("user#%05d", i), "user_id", s(fmt.Sprint(i)), "user_name", s("name"), "user_email", s(fmt.Sprintf("u%d@example.com", i)))
		case 1:
			it = testfixture.Item(pk, fmt.Sprintf("order#%05d", i), "user_id", s(fmt.Sprint(i%7)), "order_amount", num(fmt.Sprint(i)), "order_id", s(fmt.Sprint(i)))
		case 2:
			it = testfixture.Item(pk, fmt.Sprintf("zzunknown#%05d", i), "blob", &types.AttributeValueMemberB{Value: []byte{0, 1, byte(i)}}, "tags", &types.AttributeValueMemberSS{Value: []string{"a", "b"}})
		case 3:
			it = testfixture.Item(pk, fmt.Sprintf("raw%05d", i), "m", &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"k": s("v")}})
		case 4:
			it = testfixture.Item(pk, fmt.Sprintf("a#b#%05d", i), "GSI2PK", s(pk+"#a#ix#v"), "GSI2SK", s("x"))
		default:
			it = testfixture.Item(pk, fmt.Sprintf("%05d-é", i), "n", num("-1.5"))
		}
		items = append(items, it)
	}
	return items
}

// writeItems writes items to b in batches, eight at a time, retrying
// unprocessed writes.
func writeItems(t testing.TB, b backend.Backend, items []backend.Item) {
	t.Helper()
	ctx := context.Background()
	batches := make(chan []backend.WriteRequest)
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for writes := range batches {
				for len(writes) > 0 {
					out, err := b.BatchWrite(ctx, backend.BatchWriteInput{Writes: writes})
					if err != nil {
						select {
						case errs <- err:
						default:
						}
						break
					}
					writes = out.Unprocessed
				}
			}
		}()
	}
	for lo := 0; lo < len(items); lo += backend.MaxBatchWrite {
		var writes []backend.WriteRequest
		for _, it := range items[lo:min(lo+backend.MaxBatchWrite, len(items))] {
			writes = append(writes, backend.WriteRequest{Put: it})
		}
		batches <- writes
	}
	close(batches)
	wg.Wait()
	close(errs)
	require.NoError(t, <-errs)
}

// seedMixed writes n mixed items for tenant "acme" and fewer for each
// neighbour and raw partition key, with the same sort keys, and returns
// acme's items.
func seedMixed(t testing.TB, b backend.Backend, n int) []backend.Item {
	t.Helper()
	acme := mixedItems("tenant#acme", n)
	all := append([]backend.Item(nil), acme...)
	for _, pk := range tenantPKs(neighbours...) {
		all = append(all, mixedItems(pk, 24)...)
	}
	writeItems(t, b, all)
	return acme
}

// seedOthers writes, besides what a test writes for acme, rich items of
// the neighbours and raw partitions, and returns their snapshot.
func seedOthers(t testing.TB, b backend.Backend) map[string]map[string]backend.Item {
	t.Helper()
	pks := tenantPKs(neighbours...)
	for i, pk := range pks {
		writeItems(t, b, richItems(pk, 7+i))
	}
	return snapshot(t, b, pks)
}

// partitionItems returns every item of partition pk, read consistently,
// by sort key.
func partitionItems(t testing.TB, b backend.Backend, pk string) map[string]backend.Item {
	t.Helper()
	items := map[string]backend.Item{}
	err := readPartition(context.Background(), b, pk, partitionRead{PageSize: 1000}, func(p page) error {
		for _, it := range p.Items {
			items[sortKeyOf(it)] = it
		}
		return nil
	})
	require.NoError(t, err)
	return items
}

// snapshot returns the items of the partition keys, by partition key.
func snapshot(t testing.TB, b backend.Backend, pks []string) map[string]map[string]backend.Item {
	t.Helper()
	snap := map[string]map[string]backend.Item{}
	for _, pk := range pks {
		snap[pk] = partitionItems(t, b, pk)
	}
	return snap
}

// checkOthers asserts that the partitions of before (a snapshot of
// seedOthers) hold what they held, item for item as export lines (sets
// compare as sets), and, on the memory backend, that no item appeared in
// any partition but acme's, new's and those.
func checkOthers(t testing.TB, b backend.Backend, before map[string]map[string]backend.Item) {
	t.Helper()
	lines := func(items map[string]backend.Item) string {
		var buf []byte
		for _, sk := range slices.Sorted(maps.Keys(items)) {
			buf = append(buf, exportLine(t, items[sk])...)
		}
		return string(buf)
	}
	for pk, items := range before {
		require.NotEmpty(t, items, "partition %s was seeded", pk)
		require.Equal(t, lines(items), lines(partitionItems(t, b, pk)), "partition %s changed", pk)
	}
	if m, ok := b.(*memory.Store); ok {
		for _, it := range m.Snapshot() {
			pk, _ := stringAttr(it, "PK")
			_, known := before[pk]
			require.True(t, known || strings.HasPrefix(pk, "tenant#acme") || strings.HasPrefix(pk, "tenant#new"), "item in partition %q", pk)
		}
	}
}

// countByType counts items per type as TypeStats does, and their bytes.
func countByType(items []backend.Item) (map[string]TypeStats, int64) {
	by := map[string]TypeStats{}
	var bytes int64
	for _, it := range items {
		addByType(by, sortKeyOf(it), backend.ItemSize(it))
		bytes += int64(backend.ItemSize(it))
	}
	return by, bytes
}

// clearPartition deletes every item of partition pk, as a test's own
// cleanup (Purge has tests of its own).
func clearPartition(t testing.TB, b backend.Backend, pk string) {
	t.Helper()
	var writes []backend.WriteRequest
	for _, it := range partitionItems(t, b, pk) {
		k, _ := backend.KeyOf(it)
		writes = append(writes, backend.WriteRequest{Delete: &k})
	}
	for len(writes) > 0 {
		n := min(len(writes), backend.MaxBatchWrite)
		batch := writes[:n]
		for len(batch) > 0 {
			out, err := b.BatchWrite(context.Background(), backend.BatchWriteInput{Writes: batch})
			require.NoError(t, err)
			batch = out.Unprocessed
		}
		writes = writes[n:]
	}
}

// exportData exports ctx's tenant of b and returns the data.
func exportData(t testing.TB, ctx context.Context, b backend.Backend, optFns ...func(*Options)) ([]byte, Manifest) {
	t.Helper()
	var buf bytes.Buffer
	m, err := Export(ctx, b, &buf, optFns...)
	require.NoError(t, err)
	return buf.Bytes(), m
}

// exportLine returns the export line of one item.
func exportLine(t testing.TB, it backend.Item) string {
	t.Helper()
	line, err := ddbjson.AppendLine(nil, it)
	require.NoError(t, err)
	return string(line)
}

// exportLines returns the export lines of items, in their order.
func exportLines(t testing.TB, items []backend.Item) []byte {
	t.Helper()
	var buf []byte
	for _, it := range items {
		buf = append(buf, exportLine(t, it)...)
	}
	return buf
}

// renamedData returns export data with every item's keys renamed from
// partition from to partition to, as Import renames them.
func renamedData(t testing.TB, data []byte, from, to string) []byte {
	t.Helper()
	var out []byte
	for line := range bytes.Lines(data) {
		item, _, err := ddbjson.DecodeLine(line)
		require.NoError(t, err)
		out, err = ddbjson.AppendLine(out, renameItem(item, from, to))
		require.NoError(t, err)
	}
	return out
}

// fastRetries makes the retries of unprocessed writes quick for a test.
func fastRetries(t *testing.T) {
	old := retryDelay
	retryDelay = func(int) time.Duration { return time.Millisecond }
	t.Cleanup(func() { retryDelay = old })
}

// errInjected is the error the wrappers below inject.
var errInjected = errors.New("injected failure")

// faultyBatches wraps a backend and makes some of its batch writes fail: fail
// decides, for the n-th batch write (from 1) and its writes, whether to
// fail it before it reaches the backend (before), after it was applied
// (after: the answer is lost), or to leave some writes unprocessed.
type faultyBatches struct {
	backend.Backend
	mu    sync.Mutex
	n     int
	calls atomic.Int64
	fail  func(n int, writes []backend.WriteRequest) batchFault
}

// batchFault is what faultyBatches does to one batch write.
type batchFault struct {
	before, after bool
	refuse        bool // fail before, as a refusal (backend.ErrInvalidArgument)
	unprocessed   func(backend.WriteRequest) bool
}

func (f *faultyBatches) BatchWrite(ctx context.Context, in backend.BatchWriteInput) (backend.BatchWriteOutput, error) {
	f.mu.Lock()
	f.n++
	n := f.n
	f.mu.Unlock()
	f.calls.Add(1)
	var fault batchFault
	if f.fail != nil {
		fault = f.fail(n, in.Writes)
	}
	switch {
	case fault.refuse:
		return backend.BatchWriteOutput{}, fmt.Errorf("%w: refused by the test", backend.ErrInvalidArgument)
	case fault.before:
		return backend.BatchWriteOutput{}, errInjected
	}
	var keep, left []backend.WriteRequest
	for _, w := range in.Writes {
		if fault.unprocessed != nil && fault.unprocessed(w) {
			left = append(left, w)
		} else {
			keep = append(keep, w)
		}
	}
	out, err := f.Backend.BatchWrite(ctx, backend.BatchWriteInput{Writes: keep})
	if err != nil {
		return out, err
	}
	out.Unprocessed = append(out.Unprocessed, left...)
	if fault.after {
		return backend.BatchWriteOutput{}, errInjected
	}
	return out, nil
}

// faultyWrites wraps a backend: BatchWrite leaves unprocessed the writes that
// unprocessed reports true for, and fails once failAfter writes (batch
// writes and updates, counted by item) are done, when failAfter > 0;
// beforeUpdate, when set, runs before each Update.
type faultyWrites struct {
	backend.Backend
	unprocessed  func(k backend.Key, attempt int) bool
	failAfter    int64
	writes       atomic.Int64
	beforeUpdate func(in backend.UpdateInput)

	mu       sync.Mutex
	attempts map[backend.Key]int
}

func (f *faultyWrites) fail(n int) error {
	if f.failAfter > 0 && f.writes.Add(int64(n)) > f.failAfter {
		return fmt.Errorf("%w: %w", backend.ErrThrottled, errInjected)
	}
	return nil
}

func (f *faultyWrites) BatchWrite(ctx context.Context, in backend.BatchWriteInput) (backend.BatchWriteOutput, error) {
	if err := f.fail(len(in.Writes)); err != nil {
		return backend.BatchWriteOutput{}, err
	}
	if f.unprocessed == nil {
		return f.Backend.BatchWrite(ctx, in)
	}
	var send, left []backend.WriteRequest
	f.mu.Lock()
	if f.attempts == nil {
		f.attempts = map[backend.Key]int{}
	}
	for _, w := range in.Writes {
		k := writeKey(w)
		f.attempts[k]++
		if f.unprocessed(k, f.attempts[k]) {
			left = append(left, w)
		} else {
			send = append(send, w)
		}
	}
	f.mu.Unlock()
	if len(send) > 0 {
		out, err := f.Backend.BatchWrite(ctx, backend.BatchWriteInput{Writes: send})
		if err != nil {
			return out, err
		}
		left = append(left, out.Unprocessed...)
	}
	return backend.BatchWriteOutput{Unprocessed: left}, nil
}

func (f *faultyWrites) Update(ctx context.Context, in backend.UpdateInput) (backend.Item, error) {
	if err := f.fail(1); err != nil {
		return nil, err
	}
	if f.beforeUpdate != nil {
		f.beforeUpdate(in)
	}
	return f.Backend.Update(ctx, in)
}

// batchHook calls beforeBatch before each BatchWrite.
type batchHook struct {
	backend.Backend
	beforeBatch func()
}

func (h *batchHook) BatchWrite(ctx context.Context, in backend.BatchWriteInput) (backend.BatchWriteOutput, error) {
	h.beforeBatch()
	return h.Backend.BatchWrite(ctx, in)
}

// inFlight counts the write requests in flight, and the most seen.
type inFlight struct {
	backend.Backend
	now, most atomic.Int64
}

func (f *inFlight) enter() func() {
	n := f.now.Add(1)
	for {
		m := f.most.Load()
		if n <= m || f.most.CompareAndSwap(m, n) {
			break
		}
	}
	time.Sleep(2 * time.Millisecond)
	return func() { f.now.Add(-1) }
}

func (f *inFlight) BatchWrite(ctx context.Context, in backend.BatchWriteInput) (backend.BatchWriteOutput, error) {
	defer f.enter()()
	return f.Backend.BatchWrite(ctx, in)
}

func (f *inFlight) Update(ctx context.Context, in backend.UpdateInput) (backend.Item, error) {
	defer f.enter()()
	return f.Backend.Update(ctx, in)
}

// faultyScans is faultyWrites for a backend that scans; Scan fails once
// scanFailAfter scans are done, when it is above zero.
type faultyScans struct {
	*faultyWrites
	scanFailAfter int64
	scans         *atomic.Int64
}

func (f faultyScans) Scan(ctx context.Context, in backend.ScanInput) (backend.ScanOutput, error) {
	if f.scanFailAfter > 0 && f.scans.Add(1) > f.scanFailAfter {
		return backend.ScanOutput{}, fmt.Errorf("%w: %w", backend.ErrThrottled, errInjected)
	}
	return f.Backend.(backend.Scanner).Scan(ctx, in)
}

// noScan hides a backend's Scan.
type noScan struct{ backend.Backend }

// setAmount is an update setting order_amount.
func setAmount(v string) expression.Builder {
	return expression.NewBuilder().WithUpdate(expression.Set(expression.Name("order_amount"), expression.Value(testfixture.N(v))))
}
