package conformance

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
)

// The cases of this file pin the secondary indexes GSI1 ... GSI5 of package
// backend as DynamoDB (DynamoDB Local 3.3.0) keeps and queries them. The
// backend must have all backend.MaxIndexes indexes (the memory backend's
// default; internal/dynamotest.NewTable makes such tables). What DynamoDB
// Local does that the cases pin:
//
//   - an item is in an index when it has both key attributes; an index
//     query returns whole items (projection ALL) in index sort-key byte
//     order, and items with equal index sort keys in DynamoDB Local's
//     order: by the SHA-1 of their table key (see Backend/IndexOrder),
//     reversed when descending. DynamoDB itself promises no order for
//     them, so only a backend that claims DynamoDBLocalFidelity is held to
//     it (Backend/IndexPaging, which pages through ties, runs only then);
//     any other returns ties in any order among themselves;
//   - the LastEvaluatedKey of an index query is a position: PK, SK and the
//     index keys of the last item evaluated. A page stopped at its Limit
//     always has one, even when nothing follows, with no exception for the
//     BETWEEN bound (unlike a table query, Backend/QueryLimitAtEnd); a page
//     cut at 1 MB has one only when more of the range follows;
//   - a start key must hold all four keys, of the queried index partition,
//     with an index sort key the key condition selects; it need not be an
//     item's position, and may sit on the BETWEEN bound the query reads
//     towards (a table query's may not);
//   - an index key attribute that is not a string, an empty string, or a
//     string over the key size limits is refused on every write, whether or
//     not the item has the other key attribute; a transaction reports a
//     number or binary value as its action's ValidationError instead;
//   - a query of an index the table lacks, or a consistent one, is refused.

// ixP is the index partition the index cases use most; bePK is the table
// partition.
const ixP = bePK + "#ix"

// ixItem returns an item of partition bePK with the GSI1 keys gpk and gsk
// and the attributes given as name, value pairs.
func ixItem(sk, gpk, gsk string, attrs ...any) backend.Item {
	return beItem(bePK, sk, append([]any{"GSI1PK", beS(gpk), "GSI1SK", beS(gsk)}, attrs...)...)
}

// ixStr returns the string value of attribute name of item, "" if none.
func ixStr(item backend.Item, name string) string {
	if s, ok := item[name].(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

// ixIDs returns the table keys of items as "PK/SK", leaving out "tenant#".
func ixIDs(items []backend.Item) []string {
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = strings.TrimPrefix(ixStr(it, "PK"), "tenant#") + "/" + ixStr(it, "SK")
	}
	return ids
}

// ixOrder checks the ids of items an index query of GSI1 returned
// (ascending) against want. A backend that claims DynamoDBLocalFidelity
// must return them exactly in want's order, which places items with equal
// index sort keys as DynamoDB Local does; any other must return the same
// items in index sort-key order, ties in any order among themselves, as
// DynamoDB promises.
func ixOrder(t *testing.T, h *harness, want []string, items []backend.Item, msg string) {
	t.Helper()
	if h.fidelity() {
		assert.Equal(t, want, ixIDs(items), msg)
		return
	}
	assert.ElementsMatch(t, want, ixIDs(items), msg)
	for i := 1; i < len(items); i++ {
		assert.LessOrEqual(t, ixStr(items[i-1], "GSI1SK"), ixStr(items[i], "GSI1SK"), "%s: in index sort-key order", msg)
	}
}

// ixPos describes a position as "PK/SK@IndexPK/IndexSK", "" for none.
func ixPos(k *backend.Key) string {
	if k == nil {
		return ""
	}
	return fmt.Sprintf("%s/%s@%s/%s", strings.TrimPrefix(k.PK, "tenant#"), k.SK, k.IndexPK, k.IndexSK)
}

// ixPosOf returns the position of item in index, as an index query's
// LastKey holds it.
func ixPosOf(item backend.Item, index string) *backend.Key {
	pk, sk := backend.IndexKeyNames(index)
	return &backend.Key{PK: ixStr(item, "PK"), SK: ixStr(item, "SK"), IndexPK: ixStr(item, pk), IndexSK: ixStr(item, sk)}
}

// ixQuery queries and requires success.
func ixQuery(t *testing.T, b backend.Backend, in backend.QueryInput) backend.QueryOutput {
	t.Helper()
	if in.Index == "" {
		in.Index = "GSI1"
	}
	res, err := b.Query(t.Context(), in)
	require.NoError(t, err)
	return res
}

// ixPages runs an index query to its end and returns each page's ids. The
// LastKey of every page is the position of its last item.
func ixPages(t *testing.T, b backend.Backend, in backend.QueryInput) [][]string {
	t.Helper()
	if in.Index == "" {
		in.Index = "GSI1"
	}
	var out [][]string
	for range 100 {
		res := ixQuery(t, b, in)
		out = append(out, ixIDs(res.Items))
		if res.LastKey == nil {
			return out
		}
		if len(res.Items) > 0 && in.Expr.Filter == "" {
			assert.Equal(t, ixPos(ixPosOf(res.Items[len(res.Items)-1], in.Index)), ixPos(res.LastKey),
				"LastKey is the position of the page's last item")
		}
		in.StartKey = res.LastKey
	}
	t.Fatal("query did not end")
	return nil
}

func ixBW(lo string) backend.SortRange { return backend.SortRange{Op: backend.BeginsWith, Lo: lo} }
func ixBT(lo, hi string) backend.SortRange {
	return backend.SortRange{Op: backend.Between, Lo: lo, Hi: hi}
}

// ixSeed writes the items most index cases query: in index partition ixP
// of GSI1, index sort keys a#01 ... a#05, b#01, three items at b#02, two at
// b#03 and c, plus items that are in no index or in others.
func ixSeed(t *testing.T, b backend.Backend) {
	t.Helper()
	for _, x := range [][2]string{
		{"x#01", "a#01"}, {"x#02", "a#02"}, {"x#03", "a#03"}, {"x#04", "a#04"}, {"x#05", "a#05"},
		{"x#06", "b#01"}, {"t#1", "b#02"}, {"t#2", "b#02"}, {"t#3", "b#02"},
		{"t#4", "b#03"}, {"t#5", "b#03"}, {"x#09", "c"},
	} {
		bePut(t, b, ixItem(x[0], ixP, x[1], "v", beS(x[1])))
	}
	bePut(t, b, beItem("tenant#other", "x#01", "GSI1PK", beS(ixP+"2"), "GSI1SK", beS("a#03")))
	bePut(t, b, beItem(bePK, "y#1", "GSI1PK", beS(ixP)))                                            // no GSI1SK
	bePut(t, b, beItem(bePK, "y#2", "GSI1SK", beS("a#03")))                                         // no GSI1PK
	bePut(t, b, beItem(bePK, "y#3", "GSI2PK", beS(ixP), "GSI2SK", beS("a#03")))                     // GSI2 only
	bePut(t, b, beItem(bePK, "y#4", "GSI1PK", beS(ixP), "GSI2SK", beS("a#03"), "GSI3PK", beS(ixP))) // mixed
}

// ixAll is what ixSeed puts in partition ixP of GSI1, in ascending order
// (ties in DynamoDB Local's order).
var ixAll = []string{
	"acme/x#01", "acme/x#02", "acme/x#03", "acme/x#04", "acme/x#05", "acme/x#06",
	"acme/t#3", "acme/t#2", "acme/t#1", // b#02
	"acme/t#4", "acme/t#5", // b#03
	"acme/x#09",
}

func ixReversed(s []string) []string {
	r := make([]string, len(s))
	for i, v := range s {
		r[len(s)-1-i] = v
	}
	return r
}

// backendIndexSparse: an item is in an index exactly when it has both of
// its key attributes; items in several indexes are in each; an index query
// reads one index partition and returns whole items. A page below its
// Limit has no LastKey.
func backendIndexSparse(t *testing.T, h *harness) {
	b := h.b
	ixSeed(t, b)
	both := beItem(bePK, "z#1", "GSI1PK", beS(ixP+"3"), "GSI1SK", beS("k"), "GSI2PK", beS(ixP+"3"), "GSI2SK", beS("k2"),
		"GSI5PK", beS(ixP+"3"), "GSI5SK", beS("k5"), "n", beN("7"))
	bePut(t, b, both)

	res := ixQuery(t, b, backend.QueryInput{PK: ixP, Range: ixBW(""), Limit: 100})
	ixOrder(t, h, ixAll, res.Items, "GSI1: items with both keys, in index order")
	assert.Nil(t, res.LastKey)
	assert.Equal(t, ixItem("x#01", ixP, "a#01", "v", beS("a#01")), res.Items[0], "whole items")

	res = ixQuery(t, b, backend.QueryInput{Index: "GSI2", PK: ixP, Range: ixBW(""), Limit: 100})
	assert.Equal(t, []string{"acme/y#3"}, ixIDs(res.Items), "GSI2")
	res = ixQuery(t, b, backend.QueryInput{Index: "GSI3", PK: ixP, Range: ixBW(""), Limit: 100})
	assert.Empty(t, res.Items, "GSI3: no item has both keys")
	if h.shared() {
		// Another tenant's item in acme's index partition: a router puts
		// it in other's table, where acme's index queries do not look.
		res = ixQuery(t, b, backend.QueryInput{PK: ixP + "2", Range: ixBW(""), Limit: 100})
		assert.Equal(t, []string{"other/x#01"}, ixIDs(res.Items), "another index partition")
	}

	for _, ix := range []struct{ index, sk string }{{"GSI1", "k"}, {"GSI2", "k2"}, {"GSI5", "k5"}} {
		res = ixQuery(t, b, backend.QueryInput{Index: ix.index, PK: ixP + "3", Range: ixBW(""), Limit: 100})
		assert.Equal(t, []backend.Item{both}, res.Items, ix.index)
		res = ixQuery(t, b, backend.QueryInput{Index: ix.index, PK: ixP + "3", Range: ixBT(ix.sk, ix.sk), Limit: 100})
		assert.Len(t, res.Items, 1, ix.index)
	}
	// The table partition of an index partition key holds nothing; a
	// backend that is not one shared table refuses to read it, as it is
	// no tenant's partition.
	res, err := b.Query(t.Context(), backend.QueryInput{PK: ixP, Range: ixBW(""), Limit: 100})
	if !h.shared() {
		require.ErrorIs(t, err, backend.ErrInvalidArgument)
		return
	}
	require.NoError(t, err)
	assert.Empty(t, res.Items)
}

// backendIndexOrder: an index query returns items in the byte order of
// their index sort keys, either way, and items with equal index sort keys
// together, in an order that rewriting an item does not change. DynamoDB
// promises no order among them; a backend that claims
// DynamoDBLocalFidelity must have DynamoDB Local's, which is neither their
// partition nor their sort key order: by SHA-1("LocalDdb" + SHA-1("LocalDdb"
// + PK) + SHA-1("LocalDdb" + SK)), in ascending byte order (reversed when
// descending).
func backendIndexOrder(t *testing.T, h *harness) {
	b := h.b
	const p = ixP + "#order"
	// Index sort keys by bytes: "\x00" < "a" < "a\x00b" < "a\x01" < "é" <
	// U+FFFD < U+10FFFF.
	for i, gsk := range []string{"\U0010FFFF", "a\x01", "é", "a", "\x00", "\uFFFD", "a\x00b"} {
		bePut(t, b, ixItem(fmt.Sprintf("o#%d", i), p, gsk))
	}
	want := []string{"acme/o#4", "acme/o#3", "acme/o#6", "acme/o#1", "acme/o#2", "acme/o#5", "acme/o#0"}
	res := ixQuery(t, b, backend.QueryInput{PK: p, Range: ixBW(""), Limit: 100})
	assert.Equal(t, want, ixIDs(res.Items), "byte order")
	res = ixQuery(t, b, backend.QueryInput{PK: p, Range: ixBW(""), Limit: 100, Descending: true})
	assert.Equal(t, ixReversed(want), ixIDs(res.Items), "byte order, descending")

	// Ties: eight items with index sort key "s", between "r" and "t".
	const q = ixP + "#ties"
	// other stands for the items of another partition; a backend that is
	// not one shared table keeps another tenant's items apart, so there
	// they are acme's, under "u#".
	otherPK, otherSK, otherName := "tenant#other", "t#", "other/t#"
	if !h.shared() {
		otherPK, otherSK, otherName = bePK, "u#", "acme/u#"
	}
	for _, k := range []backend.Key{
		beKey(bePK, "t#1"), beKey(otherPK, otherSK+"3"), beKey(bePK, "t#5"), beKey(bePK, "t#2"),
		beKey(otherPK, otherSK+"1"), beKey(bePK, "t#4"), beKey(otherPK, otherSK+"2"), beKey(bePK, "t#3"),
	} {
		bePut(t, b, beItem(k.PK, k.SK, "GSI1PK", beS(q), "GSI1SK", beS("s")))
	}
	bePut(t, b, beItem(bePK, "t#9", "GSI1PK", beS(q), "GSI1SK", beS("t")))
	bePut(t, b, beItem(bePK, "t#0", "GSI1PK", beS(q), "GSI1SK", beS("r")))
	ties := []string{"acme/t#4", "acme/t#3", "acme/t#2", "acme/t#1", otherName + "3", otherName + "2", otherName + "1", "acme/t#5"}
	wantAll := append(append([]string{"acme/t#0"}, ties...), "acme/t#9")
	// DynamoDB promises no order among ties: only a backend that claims
	// DynamoDBLocalFidelity is held to DynamoDB Local's; any other must
	// return them all, between the items before and after them.
	checkTies := func(want, got []string, msg string) {
		t.Helper()
		if h.fidelity() {
			assert.Equal(t, want, got, msg)
			return
		}
		require.Len(t, got, len(want), msg)
		assert.Equal(t, want[0], got[0], msg)
		assert.Equal(t, want[len(want)-1], got[len(got)-1], msg)
		assert.ElementsMatch(t, want, got, msg)
	}
	res = ixQuery(t, b, backend.QueryInput{PK: q, Range: ixBW(""), Limit: 100})
	checkTies(wantAll, ixIDs(res.Items), "ties in DynamoDB Local's order")
	res = ixQuery(t, b, backend.QueryInput{PK: q, Range: ixBW(""), Limit: 100, Descending: true})
	checkTies(ixReversed(wantAll), ixIDs(res.Items), "ties reversed, descending")
	res = ixQuery(t, b, backend.QueryInput{PK: q, Range: ixBT("s", "s"), Limit: 100})
	assert.ElementsMatch(t, ties, ixIDs(res.Items))
	tieOrder := ixIDs(res.Items)
	if h.fidelity() {
		assert.Equal(t, ties, tieOrder)
	}

	// Rewriting items, by a put or an update, does not move them.
	bePut(t, b, beItem(bePK, "t#4", "GSI1PK", beS(q), "GSI1SK", beS("s"), "v", beS("again")))
	_, err := b.Update(t.Context(), backend.UpdateInput{Key: beKey(bePK, "t#1"),
		Expr: beUpdate(t, expression.Set(expression.Name("v"), expression.Value("again")), nil)})
	require.NoError(t, err)
	res = ixQuery(t, b, backend.QueryInput{PK: q, Range: ixBT("s", "s"), Limit: 100})
	assert.Equal(t, tieOrder, ixIDs(res.Items), "rewritten items keep their places")
}

// backendIndexPaging: a page cut at its Limit has the position of its last
// item as LastKey (PK, SK, IndexPK, IndexSK), and the next page starts
// after it, in either direction, through ties too. A start key need not be
// an item's position: one between ties is placed among them by its table
// key's hash (see Backend/IndexOrder).
func backendIndexPaging(t *testing.T, h *harness) {
	b := h.b
	ixSeed(t, b)
	var want [][]string
	for i := 0; i < len(ixAll); i += 5 {
		want = append(want, ixAll[i:min(i+5, len(ixAll))])
	}
	assert.Equal(t, want, ixPages(t, b, backend.QueryInput{PK: ixP, Range: ixBW(""), Limit: 5}))
	want = nil
	for i, rev := 0, ixReversed(ixAll); i < len(rev); i += 4 {
		want = append(want, rev[i:min(i+4, len(rev))])
	}
	want = append(want, []string{}) // 12 items in pages of 4: the last is empty
	assert.Equal(t, want, ixPages(t, b, backend.QueryInput{PK: ixP, Range: ixBW(""), Limit: 4, Descending: true}))

	// One item a page, through the ties at b#02 and b#03.
	got := ixPages(t, b, backend.QueryInput{PK: ixP, Range: ixBT("b#02", "b#03"), Limit: 1})
	assert.Equal(t, [][]string{{"acme/t#3"}, {"acme/t#2"}, {"acme/t#1"}, {"acme/t#4"}, {"acme/t#5"}, {}}, got)
	got = ixPages(t, b, backend.QueryInput{PK: ixP, Range: ixBT("b#02", "b#03"), Limit: 2, Descending: true})
	assert.Equal(t, [][]string{{"acme/t#5", "acme/t#4"}, {"acme/t#1", "acme/t#2"}, {"acme/t#3"}}, got)

	// The LastKey holds the position.
	res := ixQuery(t, b, backend.QueryInput{PK: ixP, Range: ixBW("b#"), Limit: 2})
	assert.Equal(t, "acme/t#3@"+ixP+"/b#02", ixPos(res.LastKey))

	// Start keys that are no item's position.
	for _, tc := range []struct {
		name  string
		desc  bool
		start backend.Key
		want  []string
	}{
		{"between ties", false, backend.Key{PK: "tenant#nobody", SK: "t#0", IndexPK: ixP, IndexSK: "b#02"},
			[]string{"acme/t#2", "acme/t#1", "acme/t#4", "acme/t#5", "acme/x#09"}},
		{"between ties, descending", true, backend.Key{PK: "tenant#nobody", SK: "t#0", IndexPK: ixP, IndexSK: "b#02"},
			[]string{"acme/t#3", "acme/x#06", "acme/x#05", "acme/x#04", "acme/x#03", "acme/x#02", "acme/x#01"}},
		{"the table key of an item with other index keys", false, backend.Key{PK: bePK, SK: "x#01", IndexPK: ixP, IndexSK: "b#015"},
			[]string{"acme/t#3", "acme/t#2", "acme/t#1", "acme/t#4", "acme/t#5", "acme/x#09"}},
		{"index sort key between items", true, backend.Key{PK: bePK, SK: "t#1", IndexPK: ixP, IndexSK: "a#035"},
			[]string{"acme/x#03", "acme/x#02", "acme/x#01"}},
	} {
		start := tc.start
		res := ixQuery(t, b, backend.QueryInput{PK: ixP, Range: ixBW(""), Limit: 100, Descending: tc.desc, StartKey: &start})
		assert.Equal(t, tc.want, ixIDs(res.Items), tc.name)
		assert.Nil(t, res.LastKey, tc.name)
	}
}

// backendIndexLimitAtEnd: an index query's page that reaches its Limit at
// the last item the key condition selects has a LastKey, whatever the
// condition: BETWEEN too, when the last item sits on the bound it reads
// towards (where a table query has none, Backend/QueryLimitAtEnd). The page
// after it is empty and has none.
func backendIndexLimitAtEnd(t *testing.T, h *harness) {
	b := h.b
	ixSeed(t, b)
	for _, tc := range []struct {
		name  string
		r     backend.SortRange
		desc  bool
		limit int
		last  string // the id of the last item, which the LastKey holds
	}{
		{"begins_with ascending", ixBW("a#"), false, 5, "acme/x#05"},
		{"begins_with descending", ixBW("a#"), true, 5, "acme/x#01"},
		{"whole partition ascending", ixBW(""), false, 12, "acme/x#09"},
		{"whole partition descending", ixBW(""), true, 12, "acme/x#01"},
		{"between ascending, last item at Hi", ixBT("b#00", "b#02"), false, 4, "acme/t#1"},
		{"between descending, last item at Lo", ixBT("b#02", "b#03"), true, 5, "acme/t#3"},
		{"between on one index sort key", ixBT("b#02", "b#02"), false, 3, "acme/t#1"},
		{"between on one index sort key, descending", ixBT("b#02", "b#02"), true, 3, "acme/t#3"},
		{"between ascending, last item at Hi at the partition's end", ixBT("b#03", "c"), false, 3, "acme/x#09"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := backend.QueryInput{Index: "GSI1", PK: ixP, Range: tc.r, Descending: tc.desc, Limit: tc.limit}
			res := ixQuery(t, b, in)
			require.Len(t, res.Items, tc.limit)
			last := res.Items[tc.limit-1]
			assert.Equal(t, tc.last, ixIDs([]backend.Item{last})[0])
			require.NotNil(t, res.LastKey, "a page stopped at its Limit has a LastKey")
			assert.Equal(t, ixPos(ixPosOf(last, "GSI1")), ixPos(res.LastKey))

			in.StartKey = res.LastKey
			res = ixQuery(t, b, in)
			assert.Empty(t, res.Items)
			assert.Nil(t, res.LastKey, "the empty page after it has no LastKey")
		})
	}
	// A page of ties at Hi that stops before the last of them goes on.
	got := ixPages(t, b, backend.QueryInput{PK: ixP, Range: ixBT("b#00", "b#02"), Limit: 2})
	assert.Equal(t, [][]string{{"acme/x#06", "acme/t#3"}, {"acme/t#2", "acme/t#1"}, {}}, got)
}

// backendIndexStartKeys records which start keys an index query refuses,
// with ErrInvalidStartKey (not ErrInvalidArgument): one without all four
// keys ("The provided starting key is invalid"), one of another index
// partition, and one whose index sort key the key condition does not
// select ("does not match the range key predicate"). Unlike a table
// query, the BETWEEN bound the query reads towards is accepted. A table
// query's start key with index keys is refused as well.
func backendIndexStartKeys(t *testing.T, h *harness) {
	b := h.b
	ixSeed(t, b)
	bw := ixBW("a#")
	bt := ixBT("a#02", "b#02")
	pos := func(pk, sk, ipk, isk string) backend.Key {
		return backend.Key{PK: pk, SK: sk, IndexPK: ipk, IndexSK: isk}
	}
	const refused = "refused"
	for _, tc := range []struct {
		name  string
		r     backend.SortRange
		start backend.Key
		asc   string // the ids of the page ascending, or refused
		desc  string // descending
	}{
		{"other index partition", bw, pos("tenant#other", "x#01", ixP+"2", "a#03"), refused, refused},
		{"no PK", bw, pos("", "x#03", ixP, "a#03"), refused, refused},
		{"no SK", bw, pos(bePK, "", ixP, "a#03"), refused, refused},
		{"no IndexPK", bw, pos(bePK, "x#03", "", "a#03"), refused, refused},
		{"no IndexSK", bw, pos(bePK, "x#03", ixP, ""), refused, refused},
		{"table keys only", bw, pos(bePK, "x#03", "", ""), refused, refused},
		{"begins_with, before the range", bw, pos(bePK, "x#03", ixP, "0"), refused, refused},
		{"begins_with, after the range", bw, pos(bePK, "x#03", ixP, "b#01"), refused, refused},
		{"between, below Lo", bt, pos(bePK, "x#01", ixP, "a#01"), refused, refused},
		{"between, above Hi", bt, pos(bePK, "t#4", ixP, "b#03"), refused, refused},
		{"an item's position", bw, pos(bePK, "x#03", ixP, "a#03"), "[acme/x#04 acme/x#05]", "[acme/x#02 acme/x#01]"},
		{"begins_with, the prefix", bw, pos(bePK, "x#03", ixP, "a#"),
			"[acme/x#01 acme/x#02 acme/x#03 acme/x#04 acme/x#05]", "[]"},
		{"between, at Hi (first tie)", bt, pos(bePK, "t#3", ixP, "b#02"),
			"[acme/t#2 acme/t#1]", "[acme/x#06 acme/x#05 acme/x#04 acme/x#03 acme/x#02]"},
		{"between, at Hi (last tie)", bt, pos(bePK, "t#1", ixP, "b#02"),
			"[]", "[acme/t#2 acme/t#3 acme/x#06 acme/x#05 acme/x#04 acme/x#03 acme/x#02]"},
		{"between, at Lo", bt, pos(bePK, "x#02", ixP, "a#02"),
			"[acme/x#03 acme/x#04 acme/x#05 acme/x#06 acme/t#3 acme/t#2 acme/t#1]", "[]"},
	} {
		for _, desc := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s desc=%v", tc.name, desc), func(t *testing.T) {
				want := tc.asc
				if desc {
					want = tc.desc
				}
				start := tc.start
				res, err := b.Query(t.Context(), backend.QueryInput{Index: "GSI1", PK: ixP, Range: tc.r, Descending: desc, Limit: 100, StartKey: &start})
				if want == refused {
					require.ErrorIs(t, err, backend.ErrInvalidStartKey)
					assert.NotErrorIs(t, err, backend.ErrInvalidArgument)
					t.Log(err)
					return
				}
				require.NoError(t, err)
				assert.Equal(t, want, fmt.Sprint(ixIDs(res.Items)))
				assert.Nil(t, res.LastKey)
			})
		}
	}

	// A table query's start key with index keys.
	start := pos(bePK, "x#03", ixP, "a#03")
	_, err := b.Query(t.Context(), backend.QueryInput{PK: bePK, Range: ixBW("x#"), Limit: 10, StartKey: &start})
	require.ErrorIs(t, err, backend.ErrInvalidStartKey)
	t.Log(err)
}

// backendIndexPageOverOneMB: an index query cuts its page at MaxPageBytes
// of item data as a table query does (Backend/QueryPageOverOneMB): the item
// that reaches it is on the page, whose LastKey is set only when more of
// the range follows. Ties count as more.
func backendIndexPageOverOneMB(t *testing.T, h *harness) {
	b := h.b
	const p = ixP + "#big"
	sized := func(sk, gsk string, size int) backend.Item {
		it := ixItem(sk, p, gsk)
		it["data"] = beS(strings.Repeat("x", size-backend.ItemSize(it)-len("data")))
		require.Equal(t, size, backend.ItemSize(it))
		return it
	}
	for i := range 15 {
		bePut(t, b, sized(fmt.Sprintf("s%02d", i), fmt.Sprintf("big#%02d", i), 100_025))
	}
	for i := range 8 {
		bePut(t, b, sized(fmt.Sprintf("e%02d", i), fmt.Sprintf("exact#%02d", i), backend.MaxPageBytes/8))
	}
	for i := range 9 {
		bePut(t, b, sized(fmt.Sprintf("c%02d", i), fmt.Sprintf("cross#%02d", i), backend.MaxPageBytes/8-1))
	}
	for i := range 12 {
		bePut(t, b, sized(fmt.Sprintf("o%02d", i), fmt.Sprintf("over#%02d", i), backend.MaxPageBytes/8+1))
	}
	// Nine ties, the ninth crossing MaxPageBytes; ten more ties after.
	for i := range 9 {
		bePut(t, b, sized(fmt.Sprintf("t%02d", i), "tie#1", backend.MaxPageBytes/8-1))
	}
	for i := range 10 {
		bePut(t, b, sized(fmt.Sprintf("u%02d", i), "tie#2", backend.MaxPageBytes/8-1))
	}
	for _, tc := range []struct {
		r     backend.SortRange
		limit int
		desc  bool
		pages []int
	}{
		{ixBW("big#"), 100, false, []int{11, 4}},
		{ixBW("exact#"), 100, false, []int{8}},
		{ixBW("exact#"), 100, true, []int{8}},
		{ixBW("cross#"), 100, false, []int{9}},
		{ixBW("over#"), 100, false, []int{8, 4}},
		{ixBW("exact#"), 8, false, []int{8, 0}},
		{ixBT("exact#00", "exact#07"), 100, false, []int{8}},
		{ixBW("tie#1"), 100, false, []int{9}},
		{ixBW("tie#"), 100, false, []int{9, 9, 1}},
		{ixBW("tie#"), 100, true, []int{9, 9, 1}},
	} {
		t.Run(fmt.Sprintf("%+v limit %d desc=%v", tc.r, tc.limit, tc.desc), func(t *testing.T) {
			in := backend.QueryInput{Index: "GSI1", PK: p, Range: tc.r, Limit: tc.limit, Descending: tc.desc}
			var got []int
			for range 10 {
				res := ixQuery(t, b, in)
				got = append(got, len(res.Items))
				if res.LastKey == nil {
					break
				}
				assert.Equal(t, ixPos(ixPosOf(res.Items[len(res.Items)-1], "GSI1")), ixPos(res.LastKey))
				in.StartKey = res.LastKey
			}
			assert.Equal(t, tc.pages, got)
		})
	}
}

// ixIn returns the ids of the items of index partition p of index.
func ixIn(t *testing.T, b backend.Backend, index, p string) []string {
	t.Helper()
	res := ixQuery(t, b, backend.QueryInput{Index: index, PK: p, Range: ixBW(""), Limit: 100})
	return ixIDs(res.Items)
}

// backendIndexMoves: a put or an update that changes an item's index keys
// moves it between index partitions and positions; one that removes a key
// takes it out of the index, and one that adds it back puts it in.
func backendIndexMoves(t *testing.T, h *harness) {
	b := h.b
	ctx := t.Context()
	p1, p2 := ixP+"#1", ixP+"#2"
	bePut(t, b, ixItem("m#1", p1, "b"))
	bePut(t, b, ixItem("m#2", p1, "c"))
	bePut(t, b, ixItem("m#3", p1, "d"))
	assert.Equal(t, []string{"acme/m#1", "acme/m#2", "acme/m#3"}, ixIn(t, b, "GSI1", p1))

	// A put to another partition, and one to another position.
	bePut(t, b, ixItem("m#1", p2, "b"))
	bePut(t, b, ixItem("m#3", p1, "a"))
	assert.Equal(t, []string{"acme/m#3", "acme/m#2"}, ixIn(t, b, "GSI1", p1))
	assert.Equal(t, []string{"acme/m#1"}, ixIn(t, b, "GSI1", p2))

	// A put without the keys takes the item out; a put into GSI2 alone.
	bePut(t, b, beItem(bePK, "m#2", "GSI2PK", beS(p1), "GSI2SK", beS("c")))
	assert.Equal(t, []string{"acme/m#3"}, ixIn(t, b, "GSI1", p1))
	assert.Equal(t, []string{"acme/m#2"}, ixIn(t, b, "GSI2", p1))

	N, V := expression.Name, expression.Value
	update := func(sk string, u expression.UpdateBuilder) {
		t.Helper()
		_, err := b.Update(ctx, backend.UpdateInput{Key: beKey(bePK, sk), Expr: beUpdate(t, u, nil)})
		require.NoError(t, err)
	}
	// Update: move to another partition; change the sort key; remove one
	// key; add keys to an item in no index; create an item in an index.
	update("m#3", expression.Set(N("GSI1PK"), V(p2)))
	assert.Empty(t, ixIn(t, b, "GSI1", p1))
	assert.Equal(t, []string{"acme/m#3", "acme/m#1"}, ixIn(t, b, "GSI1", p2))
	update("m#3", expression.Set(N("GSI1SK"), V("z")))
	assert.Equal(t, []string{"acme/m#1", "acme/m#3"}, ixIn(t, b, "GSI1", p2))
	update("m#1", expression.Remove(N("GSI1SK")))
	assert.Equal(t, []string{"acme/m#3"}, ixIn(t, b, "GSI1", p2))
	update("m#2", expression.Set(N("GSI1PK"), V(p1)).Set(N("GSI1SK"), V("k")).Remove(N("GSI2PK")))
	assert.Equal(t, []string{"acme/m#2"}, ixIn(t, b, "GSI1", p1))
	assert.Empty(t, ixIn(t, b, "GSI2", p1))
	update("m#4", expression.Set(N("GSI1PK"), V(p1)).Set(N("GSI1SK"), V("a")))
	assert.Equal(t, []string{"acme/m#4", "acme/m#2"}, ixIn(t, b, "GSI1", p1))

	// A failed condition moves nothing.
	_, err := b.Update(ctx, backend.UpdateInput{Key: beKey(bePK, "m#4"),
		Expr: beUpdate(t, expression.Set(N("GSI1PK"), V(p2)), &beNotExists)})
	require.ErrorIs(t, err, backend.ErrConditionFailed)
	err = b.Put(ctx, backend.PutInput{Item: ixItem("m#2", p2, "a"), Expr: beCond(t, beNotExists)})
	require.ErrorIs(t, err, backend.ErrConditionFailed)
	assert.Equal(t, []string{"acme/m#4", "acme/m#2"}, ixIn(t, b, "GSI1", p1))
	assert.Equal(t, []string{"acme/m#3"}, ixIn(t, b, "GSI1", p2))
	// The items come back whole, as they are now.
	res := ixQuery(t, b, backend.QueryInput{PK: p1, Range: ixBW("k"), Limit: 10})
	assert.Equal(t, []backend.Item{beItem(bePK, "m#2", "GSI1PK", beS(p1), "GSI1SK", beS("k"), "GSI2SK", beS("c"))}, res.Items)
}

// backendIndexDelete: deleting an item takes it out of every index; a
// delete whose condition fails leaves it in.
func backendIndexDelete(t *testing.T, h *harness) {
	b := h.b
	ctx := t.Context()
	bePut(t, b, ixItem("d#1", ixP, "a", "GSI2PK", beS(ixP), "GSI2SK", beS("a")))
	bePut(t, b, ixItem("d#2", ixP, "a"))
	err := b.Delete(ctx, backend.DeleteInput{Key: beKey(bePK, "d#1"), Expr: beCond(t, beNotExists)})
	require.ErrorIs(t, err, backend.ErrConditionFailed)
	assert.Len(t, ixIn(t, b, "GSI1", ixP), 2)
	require.NoError(t, b.Delete(ctx, backend.DeleteInput{Key: beKey(bePK, "d#1")}))
	assert.Equal(t, []string{"acme/d#2"}, ixIn(t, b, "GSI1", ixP))
	assert.Empty(t, ixIn(t, b, "GSI2", ixP))
	require.NoError(t, b.Delete(ctx, backend.DeleteInput{Key: beKey(bePK, "d#2"), Expr: beCond(t, beExists)}))
	assert.Empty(t, ixIn(t, b, "GSI1", ixP))
}

// backendIndexBatchAndTx: BatchWriteItem and TransactWriteItems keep the
// indexes as single writes do; a canceled transaction changes none.
func backendIndexBatchAndTx(t *testing.T, h *harness) {
	b := h.b
	ctx := t.Context()
	N, V := expression.Name, expression.Value
	bePut(t, b, ixItem("w#0", ixP, "0"))
	bePut(t, b, ixItem("w#1", ixP, "1"))
	del := beKey(bePK, "w#0")
	_, err := b.BatchWrite(ctx, backend.BatchWriteInput{Writes: []backend.WriteRequest{
		{Put: ixItem("w#2", ixP, "2")},
		{Put: ixItem("w#1", ixP+"#b", "1")}, // moved
		{Delete: &del},
		{Put: beItem(bePK, "w#3", "GSI1PK", beS(ixP))}, // in no index
	}})
	require.NoError(t, err)
	assert.Equal(t, []string{"acme/w#2"}, ixIn(t, b, "GSI1", ixP))
	assert.Equal(t, []string{"acme/w#1"}, ixIn(t, b, "GSI1", ixP+"#b"))

	require.NoError(t, b.TransactWrite(ctx, backend.TransactInput{Actions: []backend.TxAction{
		beTxPut(t, ixItem("w#4", ixP, "4"), &beNotExists),
		beTxUpdate(t, beKey(bePK, "w#3"), expression.Set(N("GSI1SK"), V("3")), &beExists),
		beTxUpdate(t, beKey(bePK, "w#1"), expression.Remove(N("GSI1PK")), nil),
		beTxDelete(t, beKey(bePK, "w#2"), &beExists),
	}}))
	assert.Equal(t, []string{"acme/w#3", "acme/w#4"}, ixIn(t, b, "GSI1", ixP))
	assert.Empty(t, ixIn(t, b, "GSI1", ixP+"#b"))

	// Canceled: no index changes.
	err = b.TransactWrite(ctx, backend.TransactInput{Actions: []backend.TxAction{
		beTxPut(t, ixItem("w#5", ixP, "5"), nil),
		beTxUpdate(t, beKey(bePK, "w#3"), expression.Set(N("GSI1PK"), V(ixP+"#b")), nil),
		beTxDelete(t, beKey(bePK, "w#4"), nil),
		beTxCheck(t, beKey(bePK, "w#9"), beExists),
	}})
	beRequireTxCanceled(t, err)
	assert.Equal(t, []string{"acme/w#3", "acme/w#4"}, ixIn(t, b, "GSI1", ixP))
	assert.Empty(t, ixIn(t, b, "GSI1", ixP+"#b"))
}

// backendIndexFilter: an index query's filter drops items after the Limit
// and the 1 MB cut, as a table query's does, and leaves the LastKey. It may
// read the table's key attributes and other indexes' keys, but not the
// queried index's keys (ErrInvalidArgument).
func backendIndexFilter(t *testing.T, h *harness) {
	b := h.b
	ixSeed(t, b)
	filter := func(c expression.ConditionBuilder) backend.Expressions {
		return beBuild(t, expression.NewBuilder().WithFilter(c))
	}
	N, V := expression.Name, expression.Value
	onlyV := filter(N("v").Equal(V("b#02")))
	got := ixPages(t, b, backend.QueryInput{PK: ixP, Range: ixBW(""), Limit: 5, Expr: onlyV})
	if !h.fidelity() { // ties (all three have index sort key b#02) in any order
		require.Len(t, got, 3)
		slices.Sort(got[1])
		assert.Equal(t, [][]string{{}, {"acme/t#1", "acme/t#2", "acme/t#3"}, {}}, got)
	} else {
		assert.Equal(t, [][]string{{}, {"acme/t#3", "acme/t#2", "acme/t#1"}, {}}, got)
	}

	// The LastKey is the position of the last item evaluated, dropped or
	// not.
	res := ixQuery(t, b, backend.QueryInput{PK: ixP, Range: ixBW("a#"), Limit: 3, Expr: filter(N("v").Equal(V("a#01")))})
	assert.Equal(t, []string{"acme/x#01"}, ixIDs(res.Items))
	assert.Equal(t, "acme/x#03@"+ixP+"/a#03", ixPos(res.LastKey))

	// The table's keys and another index's keys may be read.
	res = ixQuery(t, b, backend.QueryInput{PK: ixP, Range: ixBW("b#"), Limit: 100, Expr: filter(N("SK").BeginsWith("t#").And(N("PK").Equal(V(bePK))))})
	ixOrder(t, h, []string{"acme/t#3", "acme/t#2", "acme/t#1", "acme/t#4", "acme/t#5"}, res.Items, "filtered on table keys")
	res = ixQuery(t, b, backend.QueryInput{PK: ixP, Range: ixBW(""), Limit: 100, Expr: filter(N("GSI2PK").AttributeNotExists())})
	assert.Len(t, res.Items, len(ixAll))
	// A table query's filter may read index keys.
	tres, err := b.Query(t.Context(), backend.QueryInput{PK: bePK, Range: ixBW("x#"), Limit: 100, Expr: filter(N("GSI1SK").Equal(V("a#02")))})
	require.NoError(t, err)
	assert.Equal(t, []string{"acme/x#02"}, ixIDs(tres.Items))

	// The queried index's keys may not.
	for _, name := range []string{"GSI1PK", "GSI1SK"} {
		_, err := b.Query(t.Context(), backend.QueryInput{Index: "GSI1", PK: ixP, Range: ixBW(""), Limit: 10, Expr: filter(N(name).AttributeExists())})
		require.ErrorIs(t, err, backend.ErrInvalidArgument, name)
		t.Log(err)
	}
}

// backendIndexInvalidKeys: DynamoDB refuses (ErrInvalidArgument) a write
// whose index key attribute (GSI<n>PK or GSI<n>SK of an index the table
// has) is not a string, is empty, or is over the key size limits (2048
// bytes for GSI<n>PK, 1024 for GSI<n>SK), whether or not the other key of
// the index is there, by a put, an update (after its condition: a failed
// condition is reported first) or a batch, and writes nothing. A
// transaction reports a number or binary value as the action's
// ValidationError ("Type mismatch for Index Key") and is canceled; other
// invalid index keys fail the request (ErrInvalidArgument).
func backendIndexInvalidKeys(t *testing.T, h *harness) {
	b := h.b
	ctx := t.Context()
	N, V := expression.Name, expression.Value
	bePut(t, b, ixItem("k#1", ixP, "a"))
	before := h.snapshotIndex(t)
	bad := []struct {
		name  string
		attrs []any
	}{
		{"number GSI1PK", []any{"GSI1PK", beN("1"), "GSI1SK", beS("a")}},
		{"number GSI1PK alone", []any{"GSI1PK", beN("1")}},
		{"binary GSI2SK alone", []any{"GSI2SK", &types.AttributeValueMemberB{Value: []byte("a")}}},
		{"bool GSI5PK", []any{"GSI5PK", &types.AttributeValueMemberBOOL{Value: true}}},
		{"null GSI3SK", []any{"GSI3SK", &types.AttributeValueMemberNULL{Value: true}}},
		{"string set GSI4PK", []any{"GSI4PK", beSS("a")}},
		{"map GSI1SK", []any{"GSI1SK", beM("a", beS("b"))}},
		{"empty GSI1PK", []any{"GSI1PK", beS(""), "GSI1SK", beS("a")}},
		{"empty GSI1SK alone", []any{"GSI1SK", beS("")}},
		{"GSI1PK over 2048 bytes", []any{"GSI1PK", beS(strings.Repeat("p", 2049)), "GSI1SK", beS("a")}},
		{"GSI1SK over 1024 bytes alone", []any{"GSI1SK", beS(strings.Repeat("s", 1025))}},
	}
	for _, tc := range bad {
		err := b.Put(ctx, backend.PutInput{Item: beItem(bePK, "k#2", tc.attrs...)})
		require.ErrorIs(t, err, backend.ErrInvalidArgument, "put "+tc.name)
		t.Logf("put %s: %v", tc.name, err)
		// A condition that fails is not looked at.
		err = b.Put(ctx, backend.PutInput{Item: beItem(bePK, "k#1", tc.attrs...), Expr: beCond(t, beNotExists)})
		require.ErrorIs(t, err, backend.ErrInvalidArgument, "put with a failing condition "+tc.name)
		_, err = b.BatchWrite(ctx, backend.BatchWriteInput{Writes: []backend.WriteRequest{
			{Put: ixItem("k#3", ixP, "b")}, {Put: beItem(bePK, "k#2", tc.attrs...)},
		}})
		require.ErrorIs(t, err, backend.ErrInvalidArgument, "batch "+tc.name)
	}
	// The limits themselves are fine.
	bePut(t, b, beItem(bePK, "k#4", "GSI1PK", beS(strings.Repeat("p", 2048)), "GSI1SK", beS(strings.Repeat("\U0010FFFF", 256))))
	require.NoError(t, b.Delete(ctx, backend.DeleteInput{Key: beKey(bePK, "k#4")}))

	// Updates.
	for _, tc := range []struct {
		name string
		u    expression.UpdateBuilder
	}{
		{"number", expression.Set(N("GSI1SK"), V(1))},
		{"bool", expression.Set(N("GSI2PK"), V(true))},
		{"empty", expression.Set(N("GSI1SK"), V(""))},
		{"too long", expression.Set(N("GSI1SK"), V(strings.Repeat("s", 1025)))},
		{"number on a new item", expression.Set(N("GSI3PK"), V(1))},
	} {
		k := beKey(bePK, "k#1")
		if strings.Contains(tc.name, "new") {
			k = beKey(bePK, "k#5")
		}
		_, err := b.Update(ctx, backend.UpdateInput{Key: k, Expr: beUpdate(t, tc.u, nil)})
		require.ErrorIs(t, err, backend.ErrInvalidArgument, "update "+tc.name)
		t.Logf("update %s: %v", tc.name, err)
		_, err = b.Update(ctx, backend.UpdateInput{Key: beKey(bePK, "k#1"), Expr: beUpdate(t, tc.u, &beNotExists)})
		beRequireCondFailed(t, err, ixItem("k#1", ixP, "a"))
	}
	require.Equal(t, before, h.snapshotIndex(t), "nothing was written")

	// Transactions: a number or binary index key cancels, with a
	// ValidationError for its action, whatever a put's condition (an
	// update's is evaluated first); a failed condition of another action
	// is reported beside it.
	failingCheck := beTxCheck(t, beKey(bePK, "k#9"), beExists)
	typeMismatch := []struct {
		name   string
		act    backend.TxAction
		reason string
	}{
		{"put number GSI1PK", beTxPut(t, beItem(bePK, "k#2", "GSI1PK", beN("1")), nil), "ValidationError"},
		{"put binary GSI2SK, failing condition", beTxPut(t, beItem(bePK, "k#1", "GSI2SK", &types.AttributeValueMemberB{Value: []byte("a")}), &beNotExists), "ValidationError"},
		{"update to number", beTxUpdate(t, beKey(bePK, "k#1"), expression.Set(N("GSI1SK"), V(1)), nil), "ValidationError"},
		{"update of a new item to number", beTxUpdate(t, beKey(bePK, "k#6"), expression.Set(N("GSI1SK"), V(1)), nil), "ValidationError"},
		{"update to number, failing condition", beTxUpdate(t, beKey(bePK, "k#1"), expression.Set(N("GSI1SK"), V(1)), &beNotExists), "ConditionalCheckFailed"},
	}
	for _, tc := range typeMismatch {
		err := b.TransactWrite(ctx, backend.TransactInput{Actions: []backend.TxAction{
			beTxPut(t, ixItem("k#7", ixP, "c"), nil),
			tc.act,
			failingCheck,
		}})
		reasons := beRequireTxCanceled(t, err)
		beRequireReasons(t, h, tc.name, reasons, "None", tc.reason, "ConditionalCheckFailed")
		if tc.reason == "ValidationError" {
			if h.fidelity() {
				assert.Contains(t, reasons[1].Message, "Type mismatch for Index Key", tc.name)
			}
			assert.Nil(t, reasons[1].Item)
		}
		t.Logf("tx %s: %v", tc.name, err)
	}
	for _, tc := range []struct {
		name string
		act  backend.TxAction
	}{
		{"put empty GSI1PK", beTxPut(t, beItem(bePK, "k#2", "GSI1PK", beS("")), nil)},
		{"put bool GSI1PK", beTxPut(t, beItem(bePK, "k#2", "GSI1PK", &types.AttributeValueMemberBOOL{Value: true}), nil)},
		{"put GSI1SK over 1024 bytes", beTxPut(t, beItem(bePK, "k#2", "GSI1SK", beS(strings.Repeat("s", 1025))), nil)},
		{"update to empty", beTxUpdate(t, beKey(bePK, "k#1"), expression.Set(N("GSI1SK"), V("")), nil)},
		{"update to bool", beTxUpdate(t, beKey(bePK, "k#1"), expression.Set(N("GSI1SK"), V(true)), nil)},
	} {
		err := b.TransactWrite(ctx, backend.TransactInput{Actions: []backend.TxAction{
			failingCheck,
			tc.act,
		}})
		require.ErrorIs(t, err, backend.ErrInvalidArgument, "tx "+tc.name)
		assert.NotErrorIs(t, err, backend.ErrTxCanceled, "tx "+tc.name)
		t.Logf("tx %s: %v", tc.name, err)
	}
	require.Equal(t, before, h.snapshotIndex(t), "nothing was written")

	// GSI6PK is no index key: any value will do.
	bePut(t, b, beItem(bePK, "k#8", "GSI6PK", beN("1"), "GSI6SK", beS("")))
}

// snapshotIndex returns the items of partition bePK and of index
// partition ixP of every index.
func (h *harness) snapshotIndex(t *testing.T) []string {
	t.Helper()
	var out []string
	res, err := h.b.Query(t.Context(), backend.QueryInput{PK: bePK, Range: ixBW(""), Limit: 1000, ConsistentRead: true})
	require.NoError(t, err)
	for _, it := range res.Items {
		out = append(out, "table "+describe(it))
	}
	for n := 1; n <= backend.MaxIndexes; n++ {
		res := ixQuery(t, h.b, backend.QueryInput{Index: backend.IndexName(n), PK: ixP, Range: ixBW(""), Limit: 1000})
		for _, it := range res.Items {
			out = append(out, backend.IndexName(n)+" "+describe(it))
		}
	}
	return out
}

// backendIndexInvalidQuery: DynamoDB refuses (ErrInvalidArgument) a query
// of an index the table does not have ("The table does not have the
// specified index"), a consistent index query ("Consistent reads are not
// supported on global secondary indexes"), and an index query without a
// partition key.
func backendIndexInvalidQuery(t *testing.T, h *harness) {
	b := h.b
	ixSeed(t, b)
	for _, tc := range []struct {
		name string
		in   backend.QueryInput
	}{
		{"GSI6", backend.QueryInput{Index: "GSI6", PK: ixP, Limit: 1}},
		{"GSI0", backend.QueryInput{Index: "GSI0", PK: ixP, Limit: 1}},
		{"lower case", backend.QueryInput{Index: "gsi1", PK: ixP, Limit: 1}},
		{"consistent", backend.QueryInput{Index: "GSI1", PK: ixP, Limit: 1, ConsistentRead: true}},
		{"empty partition key", backend.QueryInput{Index: "GSI1", Limit: 1}},
		{"limit 0", backend.QueryInput{Index: "GSI1", PK: ixP}},
	} {
		_, err := b.Query(t.Context(), tc.in)
		require.ErrorIs(t, err, backend.ErrInvalidArgument, tc.name)
		t.Logf("%s: %v", tc.name, err)
	}
}

// backendIndexKeyConditionBounds: a key condition takes sort-key values
// from "\x00" to a 1024-byte string of U+10FFFF, on an index and on the
// table, and refuses (ErrInvalidArgument) one over 1024 bytes ("Aggregated
// size of all range keys has exceeded the size limit of 1024 bytes"). A
// partition key over 2048 bytes, which no item can have, selects nothing
// and is no error.
func backendIndexKeyConditionBounds(t *testing.T, h *harness) {
	b := h.b
	top := strings.Repeat("\U0010FFFF", 256)
	require.Len(t, top, 1024)
	for i, gsk := range []string{"\x00", "a", "a\x00b", top} {
		bePut(t, b, ixItem(fmt.Sprintf("%c#%d", "abcd"[i], i), ixP, gsk))
	}
	bePut(t, b, ixItem("\x00", ixP+"#z", "z"))
	bePut(t, b, ixItem(top, ixP+"#z", "z"))
	for _, tc := range []struct {
		name string
		in   backend.QueryInput
		want []string
	}{
		{"index, \\x00 to the top", backend.QueryInput{Index: "GSI1", PK: ixP, Range: ixBT("\x00", top)}, []string{"acme/a#0", "acme/b#1", "acme/c#2", "acme/d#3"}},
		{"index, \\x00 to a", backend.QueryInput{Index: "GSI1", PK: ixP, Range: ixBT("\x00", "a")}, []string{"acme/a#0", "acme/b#1"}},
		{"index, begins_with a\\x00", backend.QueryInput{Index: "GSI1", PK: ixP, Range: ixBW("a\x00")}, []string{"acme/c#2"}},
		{"index, begins_with the top", backend.QueryInput{Index: "GSI1", PK: ixP, Range: ixBW(top)}, []string{"acme/d#3"}},
		{"table, \\x00 to the top", backend.QueryInput{PK: bePK, Range: ixBT("\x00", top)}, []string{"acme/\x00", "acme/a#0", "acme/b#1", "acme/c#2", "acme/d#3", "acme/" + top}},
		{"index, long partition key", backend.QueryInput{Index: "GSI1", PK: strings.Repeat("p", 2049)}, []string{}},
		{"table, long partition key", backend.QueryInput{PK: strings.Repeat("p", 2049)}, []string{}},
	} {
		for _, desc := range []bool{false, true} {
			in := tc.in
			in.Limit, in.Descending = 100, desc
			want := tc.want
			if desc {
				want = ixReversed(want)
			}
			res, err := b.Query(t.Context(), in)
			require.NoError(t, err, tc.name)
			assert.Equal(t, want, ixIDs(res.Items), "%s desc=%v", tc.name, desc)
			assert.Nil(t, res.LastKey)
		}
	}
	for _, tc := range []struct {
		name string
		in   backend.QueryInput
	}{
		{"index, Hi over 1024 bytes", backend.QueryInput{Index: "GSI1", PK: ixP, Range: ixBT("\x00", top+"a")}},
		{"index, begins_with over 1024 bytes", backend.QueryInput{Index: "GSI1", PK: ixP, Range: ixBW(strings.Repeat("a", 1025))}},
		{"table, Hi over 1024 bytes", backend.QueryInput{PK: bePK, Range: ixBT("a", strings.Repeat("a", 1025))}},
		{"table, begins_with over 1024 bytes", backend.QueryInput{PK: bePK, Range: ixBW(strings.Repeat("a", 1025))}},
	} {
		tc.in.Limit = 10
		_, err := b.Query(t.Context(), tc.in)
		require.ErrorIs(t, err, backend.ErrInvalidArgument, tc.name)
		t.Logf("%s: %v", tc.name, err)
	}
}
