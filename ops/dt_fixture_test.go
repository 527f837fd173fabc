package ops

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/internal/ddbjson"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// This file holds the fixtures of the tests of Export, Stats, Import and
// Copy. Names start with dt so they do not meet those of the other
// operations' tests.

// dtBackend is one backend the tests run on.
type dtBackend struct {
	name string
	new  func(t *testing.T) backend.Backend
}

// dtBackends are the memory backend and DynamoDB Local (skipped without
// DYNAMODB_ENDPOINT, failing under CI=true).
var dtBackends = []dtBackend{
	{"memory", func(t *testing.T) backend.Backend { return memory.New() }},
	{"dynamodb", func(t *testing.T) backend.Backend { return dynamotest.NewTable(t) }},
}

// dtEach runs f on a fresh backend of each kind.
func dtEach(t *testing.T, f func(t *testing.T, b backend.Backend)) {
	t.Helper()
	for _, kb := range dtBackends {
		t.Run(kb.name, func(t *testing.T) { f(t, kb.new(t)) })
	}
}

// dtCtx returns a context of tenant id.
func dtCtx(t testing.TB, id string) context.Context {
	t.Helper()
	ctx, err := tenantctx.WithTenant(t.Context(), id)
	require.NoError(t, err)
	return ctx
}

// dtNeighbours are tenants whose IDs nearly collide with "acme", and
// dtRawPKs partition keys that start like acme's but are no tenant's:
// what no operation on acme may touch.
var (
	dtNeighbours = []string{"acme-corp", "acme-corp2", "acm", "acme2", "Acme"}
	dtRawPKs     = []string{"tenant#acme#x", "tenant#acme#user#by-email#a", "tenantacme", "tenant#acme-corp#y"}
)

// dtOtherPKs returns the partition keys of the neighbours and the raw
// ones, less skip.
func dtOtherPKs(skip ...string) []string {
	var pks []string
	for _, id := range dtNeighbours {
		pks = append(pks, "tenant#"+id)
	}
	pks = append(pks, dtRawPKs...)
	var out []string
	for _, pk := range pks {
		keep := true
		for _, s := range skip {
			keep = keep && pk != s
		}
		if keep {
			out = append(out, pk)
		}
	}
	return out
}

func dtS(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func dtN(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }

// dtItems returns n items of partition pk across types, with index keys
// (the layout's, naming pk's tenant, and one another program wrote), and
// values of every kind.
func dtItems(pk string, n int) []backend.Item {
	items := make([]backend.Item, 0, n)
	for i := range n {
		var it backend.Item
		switch i % 5 {
		case 0:
			it = backend.Item{
				"PK": dtS(pk), "SK": dtS(fmt.Sprintf("user#%05d", i)),
				"GSI1PK": dtS(pk + "#user#by-email#" + fmt.Sprintf("u%d@x.example", i)), "GSI1SK": dtS(fmt.Sprintf("%05d", i)),
				"name": dtS(fmt.Sprintf("User <%d> & \"co\"", i)), "age": dtN(fmt.Sprint(20 + i%50)),
				"tags": &types.AttributeValueMemberSS{Value: []string{"z", "a", fmt.Sprintf("t%d", i%7)}},
			}
		case 1:
			it = backend.Item{
				"PK": dtS(pk), "SK": dtS(fmt.Sprintf("order#%05d", i)),
				"GSI2PK": dtS(pk), "GSI2SK": dtS(fmt.Sprintf("o%05d", i)),
				"total":  dtN(fmt.Sprintf("%d.%02d", i, i%100)),
				"scores": &types.AttributeValueMemberNS{Value: []string{"10", "-2", fmt.Sprint(i%3 + 100)}},
				"blob":   &types.AttributeValueMemberB{Value: []byte{byte(i), 0, 0xff, byte(i >> 8)}},
				"lines": &types.AttributeValueMemberL{Value: []types.AttributeValue{
					&types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"sku": dtS("s1"), "qty": dtN("2")}},
					&types.AttributeValueMemberNULL{Value: true},
					&types.AttributeValueMemberBOOL{Value: i%2 == 0},
				}},
			}
		case 2:
			it = backend.Item{
				"PK": dtS(pk), "SK": dtS(fmt.Sprintf("evt#%05d", i)),
				"GSI3PK": dtS("legacy#" + fmt.Sprint(i%4)), "GSI3SK": dtS("x"), // another program's index keys
				"bins":    &types.AttributeValueMemberBS{Value: [][]byte{{3}, {1, 2}, {}}},
				"expires": dtN("4102444800"),
				"doc": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
					"nested": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"n": dtN("1.50"), "s": dtS("é\u2028")}},
					"empty":  &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}},
					"list":   &types.AttributeValueMemberL{Value: []types.AttributeValue{}},
				}},
			}
		case 3:
			it = backend.Item{"PK": dtS(pk), "SK": dtS(fmt.Sprintf("meta%05d", i)), "v": dtN(fmt.Sprint(i))}
		default:
			it = backend.Item{
				"PK": dtS(pk), "SK": dtS(fmt.Sprintf("user#%05d#x", i)),
				"GSI4PK": dtS(pk + "#user#by-team#t" + fmt.Sprint(i%3)), "GSI4SK": dtS("s"),
				"GSI5PK": dtS("tenantless"), "GSI5SK": dtS("s"),
				"text": dtS(strings.Repeat("ab\n", i%20)),
			}
		}
		items = append(items, it)
	}
	return items
}

// dtWrite writes items to b in batches of 25, retrying unprocessed
// writes.
func dtWrite(t testing.TB, b backend.Backend, items []backend.Item) {
	t.Helper()
	ctx := context.Background()
	for len(items) > 0 {
		n := min(len(items), backend.MaxBatchWrite)
		writes := make([]backend.WriteRequest, n)
		for i, it := range items[:n] {
			writes[i] = backend.WriteRequest{Put: it}
		}
		for len(writes) > 0 {
			out, err := b.BatchWrite(ctx, backend.BatchWriteInput{Writes: writes})
			require.NoError(t, err)
			writes = out.Unprocessed
		}
		items = items[n:]
	}
}

// dtSeed writes, besides what a test writes for acme, items of the
// neighbours and raw partitions, and returns their snapshot.
func dtSeed(t testing.TB, b backend.Backend, skip ...string) map[string][]byte {
	t.Helper()
	pks := dtOtherPKs(skip...)
	for i, pk := range pks {
		dtWrite(t, b, dtItems(pk, 7+i))
	}
	return dtSnapshot(t, b, pks)
}

// dtSnapshot returns the items of each partition pks, as export lines.
func dtSnapshot(t testing.TB, b backend.Backend, pks []string) map[string][]byte {
	t.Helper()
	snap := map[string][]byte{}
	for _, pk := range pks {
		var buf []byte
		err := readPartition(context.Background(), b, pk, partitionRead{PageSize: 100}, func(p page) error {
			for _, it := range p.Items {
				var err error
				if buf, err = ddbjson.AppendLine(buf, it); err != nil {
					return err
				}
			}
			return nil
		})
		require.NoError(t, err)
		snap[pk] = buf
	}
	return snap
}

// dtCheckOthers asserts that the partitions of before are as they were.
func dtCheckOthers(t testing.TB, b backend.Backend, before map[string][]byte) {
	t.Helper()
	var pks []string
	for pk := range before {
		pks = append(pks, pk)
	}
	after := dtSnapshot(t, b, pks)
	for _, pk := range pks {
		require.NotEmpty(t, before[pk], "partition %s was seeded", pk)
		require.Equal(t, string(before[pk]), string(after[pk]), "partition %s changed", pk)
	}
	if m, ok := b.(*memory.Store); ok {
		// Nothing appeared in any partition but acme's and those above.
		for _, it := range m.Snapshot() {
			pk := it["PK"].(*types.AttributeValueMemberS).Value
			_, known := before[pk]
			require.True(t, known || strings.HasPrefix(pk, "tenant#acme") || strings.HasPrefix(pk, "tenant#new"), "item in partition %q", pk)
		}
	}
}

// dtExport exports ctx's tenant of b and returns the data.
func dtExport(t testing.TB, ctx context.Context, b backend.Backend, optFns ...func(*Options)) ([]byte, Manifest) {
	t.Helper()
	var buf bytes.Buffer
	m, err := Export(ctx, b, &buf, optFns...)
	require.NoError(t, err)
	return buf.Bytes(), m
}

// dtLines returns the export lines of items, in sort-key order when
// sorted is given so.
func dtLines(t testing.TB, items []backend.Item) []byte {
	t.Helper()
	var buf []byte
	for _, it := range items {
		var err error
		buf, err = ddbjson.AppendLine(buf, it)
		require.NoError(t, err)
	}
	return buf
}

// dtRenamed returns export data with every item's keys renamed from
// partition from to partition to, as Import renames them.
func dtRenamed(t testing.TB, data []byte, from, to string) []byte {
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

// dtFastRetries makes the loader's retries quick for the test.
func dtFastRetries(t *testing.T) {
	old := loadRetryDelay
	loadRetryDelay = func(int) time.Duration { return time.Millisecond }
	t.Cleanup(func() { loadRetryDelay = old })
}

// errDtInjected is the error dtFaulty injects.
var errDtInjected = errors.New("injected failure")

// dtFaulty wraps a backend and makes some of its batch writes fail: fail
// decides, for the n-th batch write (from 1) and its writes, whether to
// fail it before it reaches the backend (before), after it was applied
// (after: the answer is lost), or to leave some writes unprocessed.
type dtFaulty struct {
	backend.Backend
	mu    sync.Mutex
	n     int
	calls atomic.Int64
	fail  func(n int, writes []backend.WriteRequest) dtFault
}

// dtFault is what dtFaulty does to one batch write.
type dtFault struct {
	before, after bool
	refuse        bool // fail before, as a refusal (backend.ErrInvalidArgument)
	unprocessed   func(backend.WriteRequest) bool
}

func (f *dtFaulty) BatchWrite(ctx context.Context, in backend.BatchWriteInput) (backend.BatchWriteOutput, error) {
	f.mu.Lock()
	f.n++
	n := f.n
	f.mu.Unlock()
	f.calls.Add(1)
	var fault dtFault
	if f.fail != nil {
		fault = f.fail(n, in.Writes)
	}
	switch {
	case fault.refuse:
		return backend.BatchWriteOutput{}, fmt.Errorf("%w: refused by the test", backend.ErrInvalidArgument)
	case fault.before:
		return backend.BatchWriteOutput{}, errDtInjected
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
		return backend.BatchWriteOutput{}, errDtInjected
	}
	return out, nil
}

// dtSK returns the sort key of an item.
func dtSK(it backend.Item) string { return it["SK"].(*types.AttributeValueMemberS).Value }

// dtClear deletes every item of partition pk, as a test's own cleanup
// (Purge has tests of its own).
func dtClear(t testing.TB, b backend.Backend, pk string) {
	t.Helper()
	var keys []backend.Key
	err := readPartition(context.Background(), b, pk, partitionRead{PageSize: 500}, func(p page) error {
		for _, it := range p.Items {
			k, _ := backend.KeyOf(it)
			keys = append(keys, k)
		}
		return nil
	})
	require.NoError(t, err)
	for len(keys) > 0 {
		n := min(len(keys), backend.MaxBatchWrite)
		writes := make([]backend.WriteRequest, n)
		for i := range writes {
			writes[i] = backend.WriteRequest{Delete: &keys[i]}
		}
		for len(writes) > 0 {
			out, err := b.BatchWrite(context.Background(), backend.BatchWriteInput{Writes: writes})
			require.NoError(t, err)
			writes = out.Unprocessed
		}
		keys = keys[n:]
	}
}
