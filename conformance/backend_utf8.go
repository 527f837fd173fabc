package conformance

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
)

// beInvalidUTF8 are strings that are not valid UTF-8: a lone byte, the
// two bytes the SDK would both send as U+FFFD, a surrogate, an overlong
// form, a truncated sequence.
var beInvalidUTF8 = []string{"\xff", "\xfe", "a\xffb", "\xed\xa0\x80", "\xc0\xaf", "\xe2\x82"}

// backendInvalidUTF8Refused: every backend refuses, with
// ErrInvalidArgument and before it reads or writes anything, a request
// holding a string that is not valid UTF-8 where it names or compares data:
// a key (table or index position), a query's partition key, bounds or start
// key, an item's strings, names and map keys, an expression's values. On
// DynamoDB the SDK would send such bytes as U+FFFD: "tenant#\xff" and
// "tenant#\xfe" would both read and write the partition of the valid
// tenant "\uFFFD". The items stored under the U+FFFD keys stay as they were.
func backendInvalidUTF8Refused(t *testing.T, h *harness) {
	b := h.b
	ctx := t.Context()
	const fffd = "\uFFFD"
	pkF := "tenant#" + fffd
	ipk := pkF + "#user#by-x#" + fffd
	ixItem := func(pk, sk string) backend.Item {
		return beItem(pk, sk, "v", beS(fffd), "GSI1PK", beS(ipk), "GSI1SK", beS(fffd))
	}
	for _, it := range []backend.Item{
		ixItem(pkF, "user#1"), ixItem(pkF, "user#2"), ixItem(pkF, "user#"+fffd),
		ixItem(pkF+fffd, "user#1"), ixItem(bePK, "user#"+fffd),
	} {
		bePut(t, b, it)
	}
	pks := []string{pkF, pkF + fffd, bePK, "tenant#a" + fffd + "b"}
	snap := func() []string {
		out := rawSnapshot(t, h, pks)
		page, err := b.Query(ctx, backend.QueryInput{Index: "GSI1", PK: ipk, Range: backend.SortRange{Op: backend.BeginsWith}, Limit: 100})
		require.NoError(t, err)
		for _, it := range page.Items {
			out = append(out, "GSI1:"+describe(it))
		}
		return out
	}
	before := snap()
	require.Len(t, before, 10+countAll(b, 5))

	goodItem := func() backend.Item { return ixItem(pkF, "user#new") }
	eq := func(v string) backend.Expressions {
		return beCond(t, expression.Name("v").Equal(expression.Value(v)))
	}
	set := func(v any) backend.Expressions {
		return beUpdate(t, expression.Set(expression.Name("v"), expression.Value(v)), &beExists)
	}
	tableRange := backend.SortRange{Op: backend.BeginsWith, Lo: "user#"}
	for _, bad := range beInvalidUTF8 {
		badPK, badSK := "tenant#"+bad, "user#"+bad
		startKey := backend.Key{PK: pkF, SK: "user#1"}
		ixStart := backend.Key{PK: pkF, SK: "user#1", IndexPK: ipk, IndexSK: fffd}
		with := func(k backend.Key, f func(*backend.Key)) *backend.Key { f(&k); return &k }
		calls := []struct {
			name string
			call func() error
		}{
			{"get PK", func() error {
				_, err := b.Get(ctx, backend.GetInput{Key: beKey(badPK, "user#1"), ConsistentRead: true})
				return err
			}},
			{"get SK", func() error {
				_, err := b.Get(ctx, backend.GetInput{Key: beKey(pkF, badSK), ConsistentRead: true})
				return err
			}},
			{"put PK", func() error { return b.Put(ctx, backend.PutInput{Item: ixItem(badPK, "user#1")}) }},
			{"put SK", func() error { return b.Put(ctx, backend.PutInput{Item: ixItem(pkF, badSK)}) }},
			{"put value", func() error { return b.Put(ctx, backend.PutInput{Item: beItem(pkF, "user#1", "v", beS(bad))}) }},
			{"put index PK", func() error {
				return b.Put(ctx, backend.PutInput{Item: beItem(pkF, "user#1", "GSI1PK", beS(pkF+"#user#by-x#"+bad), "GSI1SK", beS("a"))})
			}},
			{"put index SK", func() error {
				return b.Put(ctx, backend.PutInput{Item: beItem(pkF, "user#1", "GSI1PK", beS(ipk), "GSI1SK", beS(bad))})
			}},
			{"put name", func() error { return b.Put(ctx, backend.PutInput{Item: beItem(pkF, "user#1", "v"+bad, beS("x"))}) }},
			{"put map key", func() error {
				return b.Put(ctx, backend.PutInput{Item: beItem(pkF, "user#1", "m", beM("k"+bad, beS("x")))})
			}},
			{"put nested string", func() error {
				return b.Put(ctx, backend.PutInput{Item: beItem(pkF, "user#1", "l", beL(beM("k", beL(beS(bad)))))})
			}},
			{"put string set", func() error { return b.Put(ctx, backend.PutInput{Item: beItem(pkF, "user#1", "ss", beSS("a", bad))}) }},
			{"put condition value", func() error { return b.Put(ctx, backend.PutInput{Item: goodItem(), Expr: eq(bad)}) }},
			{"update key", func() error {
				_, err := b.Update(ctx, backend.UpdateInput{Key: beKey(badPK, "user#1"), Expr: set("x")})
				return err
			}},
			{"update SK", func() error {
				_, err := b.Update(ctx, backend.UpdateInput{Key: beKey(pkF, badSK), Expr: set("x")})
				return err
			}},
			{"update value", func() error {
				_, err := b.Update(ctx, backend.UpdateInput{Key: beKey(pkF, "user#1"), Expr: set(bad)})
				return err
			}},
			{"update value in a list", func() error {
				_, err := b.Update(ctx, backend.UpdateInput{Key: beKey(pkF, "user#1"), Expr: set([]string{"a", bad})})
				return err
			}},
			{"update condition value", func() error {
				c := expression.Name("v").Equal(expression.Value(bad))
				_, err := b.Update(ctx, backend.UpdateInput{Key: beKey(pkF, "user#1"), Expr: beUpdate(t, expression.Set(expression.Name("v"), expression.Value("x")), &c)})
				return err
			}},
			{"delete key", func() error { return b.Delete(ctx, backend.DeleteInput{Key: beKey(badPK, "user#1")}) }},
			{"delete SK", func() error { return b.Delete(ctx, backend.DeleteInput{Key: beKey(pkF, badSK)}) }},
			{"delete condition value", func() error {
				return b.Delete(ctx, backend.DeleteInput{Key: beKey(pkF, "user#1"), Expr: eq(bad)})
			}},
			{"query PK", func() error {
				_, err := b.Query(ctx, backend.QueryInput{PK: badPK, Range: tableRange, Limit: 10, ConsistentRead: true})
				return err
			}},
			{"query begins_with", func() error {
				_, err := b.Query(ctx, backend.QueryInput{PK: pkF, Range: backend.SortRange{Op: backend.BeginsWith, Lo: badSK}, Limit: 10})
				return err
			}},
			{"query between lo", func() error {
				_, err := b.Query(ctx, backend.QueryInput{PK: pkF, Range: backend.SortRange{Op: backend.Between, Lo: "user#" + bad, Hi: "user#\U0010FFFF"}, Limit: 10})
				return err
			}},
			{"query between hi", func() error {
				_, err := b.Query(ctx, backend.QueryInput{PK: pkF, Range: backend.SortRange{Op: backend.Between, Lo: "user#", Hi: "user#" + fffd + bad}, Limit: 10})
				return err
			}},
			{"query start SK", func() error {
				_, err := b.Query(ctx, backend.QueryInput{PK: pkF, Range: tableRange, Limit: 10, StartKey: with(startKey, func(k *backend.Key) { k.SK = badSK })})
				return err
			}},
			{"query start PK", func() error {
				_, err := b.Query(ctx, backend.QueryInput{PK: pkF, Range: tableRange, Limit: 10, StartKey: with(startKey, func(k *backend.Key) { k.PK = badPK })})
				return err
			}},
			{"query filter value", func() error {
				f := beBuild(t, expression.NewBuilder().WithFilter(expression.Name("v").Equal(expression.Value(bad))))
				_, err := b.Query(ctx, backend.QueryInput{PK: pkF, Range: tableRange, Limit: 10, Expr: f})
				return err
			}},
			{"index query PK", func() error {
				_, err := b.Query(ctx, backend.QueryInput{Index: "GSI1", PK: pkF + "#user#by-x#" + bad, Range: backend.SortRange{Op: backend.BeginsWith}, Limit: 10})
				return err
			}},
			{"index query bound", func() error {
				_, err := b.Query(ctx, backend.QueryInput{Index: "GSI1", PK: ipk, Range: backend.SortRange{Op: backend.Between, Lo: bad, Hi: "\U0010FFFF"}, Limit: 10})
				return err
			}},
			{"index query start SK", func() error {
				_, err := b.Query(ctx, backend.QueryInput{Index: "GSI1", PK: ipk, Range: backend.SortRange{Op: backend.BeginsWith}, Limit: 10,
					StartKey: with(ixStart, func(k *backend.Key) { k.SK = badSK })})
				return err
			}},
			{"index query start index PK", func() error {
				_, err := b.Query(ctx, backend.QueryInput{Index: "GSI1", PK: ipk, Range: backend.SortRange{Op: backend.BeginsWith}, Limit: 10,
					StartKey: with(ixStart, func(k *backend.Key) { k.IndexPK = pkF + "#user#by-x#" + bad })})
				return err
			}},
			{"index query start index SK", func() error {
				_, err := b.Query(ctx, backend.QueryInput{Index: "GSI1", PK: ipk, Range: backend.SortRange{Op: backend.BeginsWith}, Limit: 10,
					StartKey: with(ixStart, func(k *backend.Key) { k.IndexSK = bad })})
				return err
			}},
			{"batch get", func() error {
				_, err := b.BatchGet(ctx, backend.BatchGetInput{Keys: []backend.Key{beKey(pkF, "user#1"), beKey(badPK, "user#2")}, ConsistentRead: true})
				return err
			}},
			{"batch get SK", func() error {
				_, err := b.BatchGet(ctx, backend.BatchGetInput{Keys: []backend.Key{beKey(pkF, badSK)}})
				return err
			}},
			{"batch write put", func() error {
				_, err := b.BatchWrite(ctx, backend.BatchWriteInput{Writes: []backend.WriteRequest{{Put: goodItem()}, {Put: ixItem(badPK, "user#2")}}})
				return err
			}},
			{"batch write put value", func() error {
				_, err := b.BatchWrite(ctx, backend.BatchWriteInput{Writes: []backend.WriteRequest{{Put: goodItem()}, {Put: beItem(pkF, "user#3", "v", beS(bad))}}})
				return err
			}},
			{"batch write delete", func() error {
				k := beKey(pkF, badSK)
				_, err := b.BatchWrite(ctx, backend.BatchWriteInput{Writes: []backend.WriteRequest{{Put: goodItem()}, {Delete: &k}}})
				return err
			}},
			{"transaction put", func() error {
				return b.TransactWrite(ctx, backend.TransactInput{Actions: []backend.TxAction{
					{Kind: backend.TxPut, Item: goodItem()}, {Kind: backend.TxPut, Item: ixItem(badPK, "user#1")},
				}})
			}},
			{"transaction update key", func() error {
				return b.TransactWrite(ctx, backend.TransactInput{Actions: []backend.TxAction{
					{Kind: backend.TxPut, Item: goodItem()}, {Kind: backend.TxUpdate, Key: beKey(badPK, "user#1"), Expr: set("x")},
				}})
			}},
			{"transaction update value", func() error {
				return b.TransactWrite(ctx, backend.TransactInput{Actions: []backend.TxAction{
					{Kind: backend.TxPut, Item: goodItem()}, {Kind: backend.TxUpdate, Key: beKey(pkF, "user#1"), Expr: set(bad)},
				}})
			}},
			{"transaction delete", func() error {
				return b.TransactWrite(ctx, backend.TransactInput{Actions: []backend.TxAction{
					{Kind: backend.TxPut, Item: goodItem()}, {Kind: backend.TxDelete, Key: beKey(pkF, badSK)},
				}})
			}},
			{"transaction check value", func() error {
				return b.TransactWrite(ctx, backend.TransactInput{Actions: []backend.TxAction{
					{Kind: backend.TxPut, Item: goodItem()}, {Kind: backend.TxCheck, Key: beKey(pkF, "user#1"), Expr: eq(bad)},
				}})
			}},
		}
		for _, c := range calls {
			err := c.call()
			require.ErrorIs(t, err, backend.ErrInvalidArgument, "%s with %q", c.name, bad)
			require.NotErrorIs(t, err, backend.ErrNotFound, "%s with %q", c.name, bad)
		}
	}
	require.Equal(t, before, snap(), "a request with invalid UTF-8 changed what is stored")
	require.Nil(t, beGet(t, b, beKey(pkF, "user#new")), "nothing was written")
}

// countAll is the number of items a backend that lists all it holds (see
// rawSnapshot) shows beside the partitions read, or 0.
func countAll(b backend.Backend, n int) int {
	if _, ok := b.(interface{ Snapshot() []backend.Item }); ok {
		return n
	}
	return 0
}
