package ops

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
	"github.com/tenantrepo/tenantrepo/internal/testfixture"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// This file holds the fixtures of the tests of Purge, Reindex and
// Tenants: the backends, seeding, snapshots, and backend wrappers that
// inject faults. Names start with pt so they do not meet those of the
// other operations' tests.

// ptBackend is one backend the tests run on.
type ptBackend struct {
	name string
	new  func(t *testing.T) backend.Backend
}

// ptBackends are the memory backend and DynamoDB Local (skipped without
// DYNAMODB_ENDPOINT).
var ptBackends = []ptBackend{
	{"memory", func(t *testing.T) backend.Backend { return memory.New() }},
	{"dynamodb", func(t *testing.T) backend.Backend { return dynamotest.NewTable(t) }},
}

// ptEach runs f on a fresh backend of each kind.
func ptEach(t *testing.T, f func(t *testing.T, b backend.Backend)) {
	t.Helper()
	for _, kb := range ptBackends {
		t.Run(kb.name, func(t *testing.T) {
			f(t, kb.new(t))
		})
	}
}

// ptCtx returns a context of tenant id.
func ptCtx(t testing.TB, id string) context.Context {
	t.Helper()
	ctx, err := tenantctx.WithTenant(t.Context(), id)
	require.NoError(t, err)
	return ctx
}

// ptOperator returns an operator's context.
func ptOperator(t testing.TB) context.Context {
	t.Helper()
	ctx, err := tenantctx.AsOperator(t.Context(), "ops tests")
	require.NoError(t, err)
	return ctx
}

// ptNeighbours are tenants whose IDs nearly collide with "acme", and raw
// partition keys that start like acme's: what no operation on acme may
// touch.
var (
	ptNeighbours = []string{"acme-corp", "acm", "acme2", "Acme", "acme.x"}
	ptRawPKs     = []string{"tenant#acme#x", "tenant#acme#user#by-id#1", "tenantacme", "tenant#"}
)

// ptPKs returns the partition keys of tenants and the raw ones.
func ptPKs(tenants ...string) []string {
	var pks []string
	for _, id := range tenants {
		pks = append(pks, "tenant#"+id)
	}
	return append(pks, ptRawPKs...)
}

// ptWrite writes items to b in batches, eight at a time, retrying
// unprocessed writes.
func ptWrite(t testing.TB, b backend.Backend, items []backend.Item) {
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

// ptMixed returns n items of partition pk of every sort of shape: users
// and orders in the seed layout, items of a type no program here knows,
// sort keys without a separator or with several, and index keys.
func ptMixed(pk string, n int) []backend.Item {
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

// ptSeed writes n mixed items for tenant "acme" and fewer for each
// neighbour and raw partition key, with the same sort keys, and returns
// acme's items.
func ptSeed(t testing.TB, b backend.Backend, n int) []backend.Item {
	t.Helper()
	acme := ptMixed("tenant#acme", n)
	all := append([]backend.Item(nil), acme...)
	for _, pk := range ptPKs(ptNeighbours...) {
		all = append(all, ptMixed(pk, 24)...)
	}
	ptWrite(t, b, all)
	return acme
}

// ptPartition returns every item of partition pk, read consistently, by
// sort key.
func ptPartition(t testing.TB, b backend.Backend, pk string) map[string]backend.Item {
	t.Helper()
	items := map[string]backend.Item{}
	var start *backend.Key
	for {
		out, err := b.Query(context.Background(), backend.QueryInput{PK: pk, Range: partitionRange, Limit: 1000, StartKey: start, ConsistentRead: true})
		require.NoError(t, err)
		for _, it := range out.Items {
			sk, _ := stringAttr(it, "SK")
			items[sk] = it
		}
		if out.LastKey == nil {
			return items
		}
		start = out.LastKey
	}
}

// ptSnapshot returns the items of the partition keys, by partition key.
func ptSnapshot(t testing.TB, b backend.Backend, pks []string) map[string]map[string]backend.Item {
	t.Helper()
	snap := map[string]map[string]backend.Item{}
	for _, pk := range pks {
		snap[pk] = ptPartition(t, b, pk)
	}
	return snap
}

// ptCounts counts items per type as TypeStats does.
func ptCounts(items []backend.Item) (map[string]TypeStats, int64) {
	by := map[string]TypeStats{}
	var bytes int64
	for _, it := range items {
		sk, _ := stringAttr(it, "SK")
		ts := by[typeOf(sk)]
		ts.Items++
		ts.Bytes += int64(backend.ItemSize(it))
		by[typeOf(sk)] = ts
		bytes += int64(backend.ItemSize(it))
	}
	return by, bytes
}

// ptKeys returns the sorted keys of m.
func ptKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ptFaulty wraps a backend: BatchWrite leaves unprocessed the writes that
// unprocessed reports true for, and fails once failAfter writes (batch
// writes and updates, counted by item) are done, when failAfter > 0;
// beforeUpdate, when set, runs before each Update.
type ptFaulty struct {
	backend.Backend
	unprocessed  func(k backend.Key, attempt int) bool
	failAfter    int64
	writes       atomic.Int64
	beforeUpdate func(in backend.UpdateInput)

	mu       sync.Mutex
	attempts map[backend.Key]int
}

var errPtInjected = errors.New("injected failure")

func (f *ptFaulty) fail(n int) error {
	if f.failAfter > 0 && f.writes.Add(int64(n)) > f.failAfter {
		return fmt.Errorf("%w: %w", backend.ErrThrottled, errPtInjected)
	}
	return nil
}

func (f *ptFaulty) BatchWrite(ctx context.Context, in backend.BatchWriteInput) (backend.BatchWriteOutput, error) {
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

func (f *ptFaulty) Update(ctx context.Context, in backend.UpdateInput) (backend.Item, error) {
	if err := f.fail(1); err != nil {
		return nil, err
	}
	if f.beforeUpdate != nil {
		f.beforeUpdate(in)
	}
	return f.Backend.Update(ctx, in)
}

// ptFastRetries makes the retries of unprocessed writes quick for a test.
func ptFastRetries(t *testing.T) {
	old := retryDelay
	retryDelay = func(int) time.Duration { return time.Millisecond }
	t.Cleanup(func() { retryDelay = old })
}

// ptSetAmount is an update setting order_amount.
func ptSetAmount(v string) expression.Builder {
	return expression.NewBuilder().WithUpdate(expression.Set(expression.Name("order_amount"), expression.Value(testfixture.N(v))))
}
