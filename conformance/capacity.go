package conformance

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
)

// The Capacity/... cases hold a backend that claims Capacity to the
// capacity DynamoDB's ConsumedCapacity reports (ReturnConsumedCapacity
// INDEXES), request by request: each call runs with a meter of its own
// (backend.WithMeter) and the case asserts the exact backend.Usage charged,
// one request and the table's and each index's units, by the rules of
// backend/capacity.go. The figures are those DynamoDB Local 3.3.0 reports;
// where it reports nothing (a write whose condition failed, a canceled
// transaction) the case checks the published rule both backends compute,
// and says so.

// capWant is the usage of one request: table units, and index units by slot.
func capWant(table backend.Units, indexes ...any) backend.Usage {
	u := backend.Usage{Requests: 1, Capacity: backend.Capacity{Table: table}}
	for i := 0; i < len(indexes); i += 2 {
		u.Capacity.Indexes[indexes[i].(int)-1] = indexes[i+1].(backend.Units)
	}
	return u
}

func capW(w float64) backend.Units { return backend.Units{Write: w} }
func capR(r float64) backend.Units { return backend.Units{Read: r} }

// capCheck asserts that fn, run with a meter, succeeds and charges want.
func capCheck(t *testing.T, msg string, want backend.Usage, fn func(ctx context.Context) error) {
	t.Helper()
	ctx, m := backend.WithMeter(t.Context())
	require.NoError(t, fn(ctx), msg)
	assert.Equal(t, want, m.Usage(), msg)
}

// capItem returns an item of partition bePK of exactly size bytes, with
// the index keys of slot n (GSI<n>PK ipk, GSI<n>SK "s") when ipk is not
// empty.
func capItem(t *testing.T, sk string, size int, n int, ipk string) backend.Item {
	t.Helper()
	it := beItem(bePK, sk)
	if ipk != "" {
		pk, skName := backend.IndexKeyNames(backend.IndexName(n))
		it[pk], it[skName] = beS(ipk), beS("s")
	}
	it["data"] = beS(strings.Repeat("x", size-backend.ItemSize(it)-len("data")))
	require.Equal(t, size, backend.ItemSize(it))
	return it
}

func capPut(b backend.Backend, it backend.Item) func(ctx context.Context) error {
	return func(ctx context.Context) error { return b.Put(ctx, backend.PutInput{Item: it}) }
}

// capacitySingleItems: GetItem, PutItem, UpdateItem and DeleteItem on the
// table, around the 1 KB and 4 KB boundaries.
func capacitySingleItems(t *testing.T, h *harness) {
	b := h.b
	k := beKey(bePK, "one")
	get := func(consistent bool) func(ctx context.Context) error {
		return func(ctx context.Context) error {
			_, err := b.Get(ctx, backend.GetInput{Key: k, ConsistentRead: consistent})
			return err
		}
	}
	capCheck(t, "put new 1024 B", capWant(capW(1)), capPut(b, capItem(t, "one", 1024, 0, "")))
	capCheck(t, "put 1025 B over 1024 B", capWant(capW(2)), capPut(b, capItem(t, "one", 1025, 0, "")))
	capCheck(t, "put 1025 B again", capWant(capW(2)), capPut(b, capItem(t, "one", 1025, 0, "")))
	capCheck(t, "get 1025 B eventual", capWant(capR(0.5)), get(false))
	capCheck(t, "get 1025 B consistent", capWant(capR(1)), get(true))
	capCheck(t, "put 4096 B", capWant(capW(4)), capPut(b, capItem(t, "one", 4096, 0, "")))
	capCheck(t, "get 4096 B consistent", capWant(capR(1)), get(true))
	capCheck(t, "put 4097 B", capWant(capW(5)), capPut(b, capItem(t, "one", 4097, 0, "")))
	capCheck(t, "get 4097 B eventual", capWant(capR(1)), get(false))
	capCheck(t, "get 4097 B consistent", capWant(capR(2)), get(true))
	capCheck(t, "update shrinking 4097 B to a few bytes: the larger", capWant(capW(5)), func(ctx context.Context) error {
		_, err := b.Update(ctx, backend.UpdateInput{Key: k, Expr: beUpdate(t, expression.Set(expression.Name("data"), expression.Value(beS("y"))), nil)})
		return err
	})
	capCheck(t, "update creating a 3000 B item", capWant(capW(3)), func(ctx context.Context) error {
		_, err := b.Update(ctx, backend.UpdateInput{Key: beKey(bePK, "two"), Expr: beUpdate(t, expression.Set(expression.Name("data"), expression.Value(beS(strings.Repeat("z", 2980)))), nil)})
		return err
	})
	capCheck(t, "delete the 3000 B item", capWant(capW(3)), func(ctx context.Context) error {
		return b.Delete(ctx, backend.DeleteInput{Key: beKey(bePK, "two")})
	})
	capCheck(t, "delete a missing item", capWant(capW(1)), func(ctx context.Context) error {
		return b.Delete(ctx, backend.DeleteInput{Key: beKey(bePK, "two")})
	})
	capCheck(t, "get a missing item eventual: the minimum", capWant(capR(0.5)), func(ctx context.Context) error {
		_, err := b.Get(ctx, backend.GetInput{Key: beKey(bePK, "two")})
		require.ErrorIs(t, err, backend.ErrNotFound)
		return nil
	})
	capCheck(t, "get a missing item consistent", capWant(capR(1)), func(ctx context.Context) error {
		_, err := b.Get(ctx, backend.GetInput{Key: beKey(bePK, "two"), ConsistentRead: true})
		require.ErrorIs(t, err, backend.ErrNotFound)
		return nil
	})
	// Without a meter nothing is charged anywhere, and the call works.
	require.NoError(t, capPut(b, capItem(t, "one", 100, 0, ""))(t.Context()))
}

// capacityIndexWrites: index entries put, changed (the larger of old and
// new), moved (a delete and a put), removed, and identical (nothing).
func capacityIndexWrites(t *testing.T, h *harness) {
	b := h.b
	k := beKey(bePK, "ix")
	set := func(name string, v types.AttributeValue) func(ctx context.Context) error {
		return func(ctx context.Context) error {
			_, err := b.Update(ctx, backend.UpdateInput{Key: k, Expr: beUpdate(t, expression.Set(expression.Name(name), expression.Value(v)), nil)})
			return err
		}
	}
	big := capItem(t, "ix", 1536, 1, "g1")
	capCheck(t, "put new 1.5 KB in GSI1", capWant(capW(2), 1, capW(2)), capPut(b, big))
	capCheck(t, "put the identical item again: no index write", capWant(capW(2)), capPut(b, backend.CopyItem(big)))
	capCheck(t, "put 600 B with GSI1PK changed: delete 2 + put 1", capWant(capW(2), 1, capW(3)), capPut(b, capItem(t, "ix", 600, 1, "g2")))
	base := beSizeWithoutData(t, capItem(t, "ix", 600, 1, "g2"))
	capCheck(t, "update growing to 1500 B, same index keys: the larger", capWant(capW(2), 1, capW(2)), set("data", beS(strings.Repeat("x", 1500-base))))
	capCheck(t, "update setting GSI2's keys: GSI1 changed, GSI2 put", capWant(capW(2), 1, capW(2), 2, capW(2)), func(ctx context.Context) error {
		_, err := b.Update(ctx, backend.UpdateInput{Key: k, Expr: beUpdate(t,
			expression.Set(expression.Name("GSI2PK"), expression.Value(beS("h"))).Set(expression.Name("GSI2SK"), expression.Value(beS("s"))), nil)})
		return err
	})
	capCheck(t, "update removing GSI1PK: GSI1 removed, GSI2 changed", capWant(capW(2), 1, capW(2), 2, capW(2)), func(ctx context.Context) error {
		_, err := b.Update(ctx, backend.UpdateInput{Key: k, Expr: beUpdate(t, expression.Remove(expression.Name("GSI1PK")), nil)})
		return err
	})
	capCheck(t, "update writing the same value: nothing in GSI2", capWant(capW(2)), set("GSI2PK", beS("h")))
	capCheck(t, "delete: the entry in GSI2 removed", capWant(capW(2), 2, capW(2)), func(ctx context.Context) error {
		return b.Delete(ctx, backend.DeleteInput{Key: k})
	})
}

// capacityUnitsMeter: under a meter that reads only totals
// (backend.WithUnitsMeter, a limiter's), a request is charged as one
// request with the same total as under a full meter, index writes
// included, either split as under a full meter or all on the table (ours
// do that). A full meter around the units meter gets every figure, and so
// does the units meter inside it.
func capacityUnitsMeter(t *testing.T, h *harness) {
	b := h.b
	check := func(msg string, want backend.Usage, fn func(ctx context.Context) error) {
		t.Helper()
		ctx, m := backend.WithUnitsMeter(t.Context())
		require.NoError(t, fn(ctx), msg)
		got := m.Usage()
		assert.Equal(t, want.Requests, got.Requests, msg)
		assert.Equal(t, want.Capacity.Total(), got.Capacity.Total(), msg)
		if got.Capacity != want.Capacity {
			assert.Equal(t, backend.Capacity{Table: want.Capacity.Total()}, got.Capacity, msg+": neither split nor all on the table")
		}
	}
	check("put new 1.5 KB in GSI1", capWant(capW(2), 1, capW(2)), capPut(b, capItem(t, "um", 1536, 1, "u1")))
	check("put 600 B with GSI1PK changed", capWant(capW(2), 1, capW(3)), capPut(b, capItem(t, "um", 600, 1, "u2")))
	check("get 600 B eventual", capWant(capR(0.5)), func(ctx context.Context) error {
		_, err := b.Get(ctx, backend.GetInput{Key: beKey(bePK, "um")})
		return err
	})
	full, fm := backend.WithMeter(t.Context())
	units, um := backend.WithUnitsMeter(full)
	require.NoError(t, capPut(b, capItem(t, "um", 1536, 1, "u3"))(units))
	assert.Equal(t, capWant(capW(2), 1, capW(3)), fm.Usage(), "the full meter around it: GSI1 delete 1 + put 2")
	assert.Equal(t, fm.Usage(), um.Usage(), "the units meter inside a full one")
}

// beSizeWithoutData returns the size of it less its "data" value.
func beSizeWithoutData(t *testing.T, it backend.Item) int {
	t.Helper()
	return backend.ItemSize(it) - backend.ValueSize(it["data"])
}

// capacityQueries: a page costs the sizes of the items it evaluated,
// summed then rounded to 4 KB, before the filter; an empty page costs
// nothing on DynamoDB Local (real DynamoDB charges at least 0.5, see the
// package documentation); an index query charges the index only.
func capacityQueries(t *testing.T, h *harness) {
	b := h.b
	for i := range 10 {
		it := capItem(t, "q#"+string(rune('a'+i)), 1000, 3, bePK+"#qq")
		bePut(t, b, it)
	}
	query := func(in backend.QueryInput) func(ctx context.Context) error {
		return func(ctx context.Context) error {
			_, err := b.Query(ctx, in)
			return err
		}
	}
	rng := backend.SortRange{Op: backend.BeginsWith, Lo: "q#"}
	capCheck(t, "10 items of 1000 B, eventual: 10000 B is 3 units, halved", capWant(capR(1.5)),
		query(backend.QueryInput{PK: bePK, Range: rng, Limit: 100}))
	capCheck(t, "consistent", capWant(capR(3)),
		query(backend.QueryInput{PK: bePK, Range: rng, Limit: 100, ConsistentRead: true}))
	capCheck(t, "limit 4: 4000 B", capWant(capR(0.5)),
		query(backend.QueryInput{PK: bePK, Range: rng, Limit: 4}))
	capCheck(t, "limit 5: 5000 B", capWant(capR(1)),
		query(backend.QueryInput{PK: bePK, Range: rng, Limit: 5}))
	capCheck(t, "a filter that drops every item: charged as without it", capWant(capR(1.5)),
		query(backend.QueryInput{PK: bePK, Range: rng, Limit: 100, Expr: beBuild(t, expression.NewBuilder().WithFilter(
			expression.AttributeExists(expression.Name("nothing"))))}))
	capCheck(t, "an empty page: nothing (DynamoDB Local)", capWant(capR(0)),
		query(backend.QueryInput{PK: bePK, Range: backend.SortRange{Op: backend.BeginsWith, Lo: "none#"}, Limit: 10}))
	capCheck(t, "index query: the index only", capWant(capR(0), 3, capR(1.5)),
		query(backend.QueryInput{Index: "GSI3", PK: bePK + "#qq", Range: backend.SortRange{Op: backend.BeginsWith}, Limit: 100}))
	capCheck(t, "empty index query", capWant(capR(0)),
		query(backend.QueryInput{Index: "GSI3", PK: bePK + "#none", Range: backend.SortRange{Op: backend.BeginsWith}, Limit: 100}))
}

// capacityBatches: BatchWriteItem sums its writes' figures, index entries
// included; BatchGetItem rounds each item on its own, and a missing item
// costs nothing (DynamoDB Local).
func capacityBatches(t *testing.T, h *harness) {
	b := h.b
	items := []backend.Item{
		capItem(t, "b#1", 1000, 0, ""),
		capItem(t, "b#2", 1500, 1, "bg"),
		capItem(t, "b#3", 3000, 0, ""),
	}
	var writes []backend.WriteRequest
	for _, it := range items {
		writes = append(writes, backend.WriteRequest{Put: it})
	}
	capCheck(t, "batch write of three puts", capWant(capW(6), 1, capW(2)), func(ctx context.Context) error {
		_, err := b.BatchWrite(ctx, backend.BatchWriteInput{Writes: writes})
		return err
	})
	keys := []backend.Key{beKey(bePK, "b#1"), beKey(bePK, "b#2"), beKey(bePK, "b#3"), beKey(bePK, "b#missing")}
	capCheck(t, "batch get eventual: 0.5 per item", capWant(capR(1.5)), func(ctx context.Context) error {
		_, err := b.BatchGet(ctx, backend.BatchGetInput{Keys: keys})
		return err
	})
	capCheck(t, "batch get consistent: 1 per item", capWant(capR(3)), func(ctx context.Context) error {
		_, err := b.BatchGet(ctx, backend.BatchGetInput{Keys: keys, ConsistentRead: true})
		return err
	})
	capCheck(t, "batch get of missing items: nothing", capWant(capR(0)), func(ctx context.Context) error {
		_, err := b.BatchGet(ctx, backend.BatchGetInput{Keys: keys[3:]})
		return err
	})
	// Deletes of existing items (DynamoDB Local charges a batch delete of
	// a missing item 2 units where DeleteItem charges 1; not checked).
	capCheck(t, "batch write: a put over b#1 and two deletes", capWant(capW(1+2+3), 1, capW(2)), func(ctx context.Context) error {
		_, err := b.BatchWrite(ctx, backend.BatchWriteInput{Writes: []backend.WriteRequest{
			{Put: capItem(t, "b#1", 900, 0, "")},
			{Delete: &keys[1]},
			{Delete: &keys[2]},
		}})
		return err
	})
}

// capacityTransactions: every write doubled, index entries included; a
// ConditionCheck costs two units per 4 KB of its item (at least two),
// which DynamoDB Local reports among the write's units.
func capacityTransactions(t *testing.T, h *harness) {
	b := h.b
	big := capItem(t, "t#big", 1536, 1, "tg")
	bePut(t, b, big)
	bePut(t, b, capItem(t, "t#del", 1000, 0, ""))
	bePut(t, b, capItem(t, "t#check", 5000, 0, ""))
	capCheck(t, "tx: the unchanged 1.5 KB item put (4) and a 1000 B delete (2)", capWant(capW(6)), func(ctx context.Context) error {
		return b.TransactWrite(ctx, backend.TransactInput{Actions: []backend.TxAction{
			beTxPut(t, backend.CopyItem(big), nil),
			beTxDelete(t, beKey(bePK, "t#del"), nil),
		}})
	})
	capCheck(t, "tx: check on 5000 B (4), check on a missing item (2), update moving GSI1 (table 4, GSI1 8)",
		capWant(capW(4+2+4), 1, capW(8)), func(ctx context.Context) error {
			return b.TransactWrite(ctx, backend.TransactInput{Actions: []backend.TxAction{
				beTxCheck(t, beKey(bePK, "t#check"), beExists),
				beTxCheck(t, beKey(bePK, "t#nothing"), beNotExists),
				beTxUpdate(t, beKey(bePK, "t#big"), expression.Set(expression.Name("GSI1PK"), expression.Value(beS("th"))), nil),
			}})
		})
}

// capacityFailedConditions: DynamoDB charges a write whose condition
// failed the write units of the item as it is (at least one), AWS's
// published rule; DynamoDB Local reports nothing for it, so this case
// checks the figure both backends compute (backend.FailedWriteCapacity,
// backend.CanceledTxCapacity), not DynamoDB Local's.
func capacityFailedConditions(t *testing.T, h *harness) {
	b := h.b
	old := capItem(t, "f#1", 2500, 1, "fg")
	bePut(t, b, old)
	failed := func(err error) error {
		require.ErrorIs(t, err, backend.ErrConditionFailed)
		return nil
	}
	capCheck(t, "put failing on a 2500 B item: 3", capWant(capW(3)), func(ctx context.Context) error {
		return failed(b.Put(ctx, backend.PutInput{Item: capItem(t, "f#1", 100, 0, ""), Expr: beCond(t, beNotExists)}))
	})
	capCheck(t, "update failing on a missing item: 1", capWant(capW(1)), func(ctx context.Context) error {
		_, err := b.Update(ctx, backend.UpdateInput{Key: beKey(bePK, "f#none"),
			Expr: beUpdate(t, expression.Set(expression.Name("a"), expression.Value(beS("b"))), &beExists)})
		return failed(err)
	})
	capCheck(t, "delete failing on the 2500 B item: 3", capWant(capW(3)), func(ctx context.Context) error {
		return failed(b.Delete(ctx, backend.DeleteInput{Key: beKey(bePK, "f#1"), Expr: beCond(t, beNotExists)}))
	})
	capCheck(t, "canceled tx: 2 x 3 for the failed action on 2500 B, 2 for the other", capWant(capW(8)), func(ctx context.Context) error {
		err := b.TransactWrite(ctx, backend.TransactInput{Actions: []backend.TxAction{
			beTxDelete(t, beKey(bePK, "f#1"), &beNotExists),
			beTxPut(t, capItem(t, "f#2", 100, 0, ""), nil),
		}})
		beRequireTxCanceled(t, err)
		return nil
	})
	assert.Equal(t, backend.ItemSize(old), backend.ItemSize(beGet(t, b, beKey(bePK, "f#1"))), "nothing changed")
}

// capacityUTF8AndNumbers: sizes count UTF-8 bytes of names and values and
// numbers' base-100 digits, so multi-byte text and numbers cross the 1 KB
// boundary where backend.ItemSize says.
func capacityUTF8AndNumbers(t *testing.T, h *harness) {
	b := h.b
	// "é" is 2 bytes, "日" 3: names and values of multi-byte text, in GSI4.
	it := beItem(bePK, "u#1", "名前", beS("é"), "n", beN("12345678901234567890"), "GSI4PK", beS("ü"), "GSI4SK", beS("s"))
	pad := 1024 - backend.ItemSize(it) - len("données")
	it["données"] = beS(strings.Repeat("日", pad/3) + strings.Repeat("x", pad%3))
	require.Equal(t, 1024, backend.ItemSize(it))
	capCheck(t, "1024 B of multi-byte text", capWant(capW(1), 4, capW(1)), capPut(b, it))
	it2 := backend.CopyItem(it)
	it2["n"] = beN("1234567890123456789012") // one base-100 digit more: 1025 B
	require.Equal(t, 1025, backend.ItemSize(it2))
	capCheck(t, "a number one digit pair longer: 1025 B", capWant(capW(2), 4, capW(2)), capPut(b, it2))
	it3 := backend.CopyItem(it2)
	it3["名前"] = beS("e") // one byte less: 1024 B
	require.Equal(t, 1024, backend.ItemSize(it3))
	capCheck(t, "é to e: back to 1024 B, the larger is 1025", capWant(capW(2), 4, capW(2)), capPut(b, it3))
	capCheck(t, "and again, identical: no index write", capWant(capW(1)), capPut(b, backend.CopyItem(it3)))
	capCheck(t, "a number written with a trailing .0 equals the stored one: identical", capWant(capW(1)), func(ctx context.Context) error {
		_, err := b.Update(ctx, backend.UpdateInput{Key: beKey(bePK, "u#1"), Expr: beUpdate(t,
			expression.Set(expression.Name("n"), expression.Value(beN("1234567890123456789012.0"))), nil)})
		return err
	})
}

// capacityScan: a scan page costs its items' sizes summed, whole items
// even for KeysOnly.
func capacityScan(t *testing.T, h *harness) {
	sc, ok := h.b.(backend.Scanner)
	require.True(t, ok)
	for i := range 6 {
		bePut(t, h.b, capItem(t, "s#"+string(rune('a'+i)), 1500, 0, ""))
	}
	for _, keysOnly := range []bool{false, true} {
		capCheck(t, "scan of 9000 B", capWant(capR(1.5)), func(ctx context.Context) error {
			_, err := sc.Scan(ctx, backend.ScanInput{TotalSegments: 1, Limit: 100, KeysOnly: keysOnly})
			return err
		})
	}
	capCheck(t, "scan of 9000 B consistent", capWant(capR(3)), func(ctx context.Context) error {
		_, err := sc.Scan(ctx, backend.ScanInput{TotalSegments: 1, Limit: 100, ConsistentRead: true})
		return err
	})
	capCheck(t, "scan limit 2: 3000 B", capWant(capR(0.5)), func(ctx context.Context) error {
		_, err := sc.Scan(ctx, backend.ScanInput{TotalSegments: 1, Limit: 2})
		return err
	})
}
