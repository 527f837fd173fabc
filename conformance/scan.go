package conformance

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/internal/testfixture"
)

// The cases of this file hold a backend.Scanner to the contract of Scan:
// every item of the table in exactly one segment, a partition's items
// together and in sort-key order, pages that follow one another through
// LastKey, and bad inputs refused. A backend claims them with the Scan
// capability.

// scanner returns the case's backend as a backend.Scanner.
func scanner(t *testing.T, h *harness) backend.Scanner {
	t.Helper()
	sc, ok := h.b.(backend.Scanner)
	require.True(t, ok, "the backend claims Scan but does not implement backend.Scanner")
	return sc
}

// scanSegment reads every page of one segment, starting after start (nil
// for the start), and returns its items in order and the number of pages.
func scanSegment(t *testing.T, sc backend.Scanner, in backend.ScanInput) (items []backend.Item, pages int) {
	t.Helper()
	for {
		page, err := sc.Scan(t.Context(), in)
		require.NoError(t, err)
		pages++
		require.LessOrEqual(t, len(page.Items), in.Limit, "a page holds at most Limit items")
		items = append(items, page.Items...)
		if page.LastKey == nil {
			return items, pages
		}
		require.NotEmpty(t, page.Items, "a page with a LastKey (the cut was on an item) has items")
		last, _ := backend.KeyOf(page.Items[len(page.Items)-1])
		require.Equal(t, last, *page.LastKey, "LastKey is the key of the page's last item")
		in.StartKey = page.LastKey
		require.Less(t, pages, 100_000, "the scan does not end")
	}
}

// scanTable reads the whole table in one segment with large pages, each
// item described, to compare the table before and after.
func scanTable(t *testing.T, sc backend.Scanner) []string {
	t.Helper()
	items, _ := scanSegment(t, sc, backend.ScanInput{TotalSegments: 1, Limit: 1000, ConsistentRead: true})
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = describe(it)
	}
	slicesSort(out)
	return out
}

// scanSeed writes items of several partitions, some of tenants whose IDs
// are near one another, some with index keys and more attributes, and
// returns them by key.
func scanSeed(t *testing.T, b backend.Backend) map[backend.Key]backend.Item {
	t.Helper()
	want := map[backend.Key]backend.Item{}
	pks := []string{"tenant#acme", "tenant#acme-corp", "tenant#acme#x", "tenant#a", "tenant#b", "other"}
	for i := range 24 {
		pks = append(pks, fmt.Sprintf("tenant#t%02d", i))
	}
	for i, pk := range pks {
		for j := range 1 + i%6 {
			sk := fmt.Sprintf("item#%02d", j)
			it := beItem(pk, sk, "n", beN(fmt.Sprint(i*10+j)), "s", beS(strings.Repeat("x", j)))
			if j%2 == 1 {
				it["GSI1PK"] = beS(pk + "#ix")
				it["GSI1SK"] = beS(sk)
			}
			bePut(t, b, it)
			want[backend.Key{PK: pk, SK: sk}] = it
		}
	}
	return want
}

// scanReadAll reads every segment of total with pages of limit and checks
// the segments' order: in each, a partition's items come together, in
// sort-key order, and a partition is in one segment only. It returns every
// item read, by key, and fails if one is read twice.
func scanReadAll(t *testing.T, sc backend.Scanner, total, limit int, keysOnly bool) map[backend.Key]backend.Item {
	t.Helper()
	got := map[backend.Key]backend.Item{}
	segOf := map[string]int{}
	for seg := range total {
		items, _ := scanSegment(t, sc, backend.ScanInput{Segment: seg, TotalSegments: total, Limit: limit, KeysOnly: keysOnly, ConsistentRead: seg%2 == 0})
		done := map[string]bool{} // partitions left behind in this segment
		var prev backend.Key
		for i, it := range items {
			k, ok := backend.KeyOf(it)
			require.True(t, ok, "item %d of segment %d has string keys", i, seg)
			if _, dup := got[k]; dup {
				t.Fatalf("%d segments, limit %d: %+v read twice", total, limit, k)
			}
			got[k] = it
			if s, ok := segOf[k.PK]; ok && s != seg {
				t.Fatalf("%d segments: partition %q is in segments %d and %d", total, k.PK, s, seg)
			}
			segOf[k.PK] = seg
			if i > 0 && prev.PK == k.PK {
				require.Less(t, prev.SK, k.SK, "segment %d of %d: sort-key order within a partition", seg, total)
			} else if i > 0 {
				done[prev.PK] = true
				require.False(t, done[k.PK], "segment %d of %d: partition %q comes back after another", seg, total, k.PK)
			}
			prev = k
		}
	}
	return got
}

// backendScanEveryItemOnce: whatever the number of segments and the page
// size, a scan reads every item of the table once, whole; each segment
// holds whole partitions, their items together and in sort-key order.
func backendScanEveryItemOnce(t *testing.T, h *harness) {
	sc := scanner(t, h)
	want := scanSeed(t, h.b)
	for _, total := range []int{1, 3, 7} {
		for _, limit := range []int{1, 4, 1000} {
			got := scanReadAll(t, sc, total, limit, false)
			require.Equal(t, want, got, "%d segments, limit %d", total, limit)
		}
	}
	// More segments than partitions: most are empty, and still every item
	// is read once.
	require.Equal(t, want, scanReadAll(t, sc, 64, 5, false))
}

// backendScanKeysOnly: KeysOnly reads the key attributes PK and SK of each
// item, and nothing else, every item once.
func backendScanKeysOnly(t *testing.T, h *harness) {
	sc := scanner(t, h)
	want := scanSeed(t, h.b)
	for _, total := range []int{1, 3} {
		got := scanReadAll(t, sc, total, 3, true)
		require.Len(t, got, len(want))
		for k, it := range got {
			require.Contains(t, want, k)
			require.Equal(t, k.Item(), it, "a keys-only item holds PK and SK only")
		}
	}
}

// backendScanResume: a scan resumed, by a new call, from the LastKey of a
// page reads the rest of the segment, and the pages joined are the segment
// read at once.
func backendScanResume(t *testing.T, h *harness) {
	sc := scanner(t, h)
	scanSeed(t, h.b)
	for seg := range 3 {
		whole, _ := scanSegment(t, sc, backend.ScanInput{Segment: seg, TotalSegments: 3, Limit: 1000})
		require.NotEmpty(t, whole, "segment %d of 3 has items", seg)
		first, err := sc.Scan(t.Context(), backend.ScanInput{Segment: seg, TotalSegments: 3, Limit: 2})
		require.NoError(t, err)
		require.Len(t, first.Items, min(2, len(whole)))
		if len(whole) <= 2 {
			continue
		}
		require.NotNil(t, first.LastKey)
		rest, _ := scanSegment(t, sc, backend.ScanInput{Segment: seg, TotalSegments: 3, Limit: 1000, StartKey: first.LastKey})
		assert.Equal(t, whole, append(first.Items, rest...), "segment %d: first page and the rest", seg)
	}
}

// backendScanDeletedStartKey: a start key whose item, or whose whole
// partition, was deleted since the page that returned it still resumes
// the segment just after it: every item after it is read, none before.
func backendScanDeletedStartKey(t *testing.T, h *harness) {
	sc := scanner(t, h)
	scanSeed(t, h.b)
	whole, _ := scanSegment(t, sc, backend.ScanInput{TotalSegments: 1, Limit: 1000})
	keys := make([]backend.Key, len(whole))
	for i, it := range whole {
		keys[i], _ = backend.KeyOf(it)
	}
	// Resume after an item in the middle of a partition, deleted.
	var mid int
	for i := 1; i+1 < len(keys); i++ {
		if keys[i-1].PK == keys[i].PK && keys[i+1].PK == keys[i].PK {
			mid = i
			break
		}
	}
	require.NotZero(t, mid, "a partition of three items or more")
	start := keys[mid]
	require.NoError(t, h.b.Delete(t.Context(), backend.DeleteInput{Key: start}))
	rest, _ := scanSegment(t, sc, backend.ScanInput{TotalSegments: 1, Limit: 3, StartKey: &start, ConsistentRead: true})
	assert.Equal(t, whole[mid+1:], rest, "after the deleted item %+v", start)

	// Resume after the last item of a partition, then deleted with its
	// whole partition.
	var end int
	for i := mid + 1; i+1 < len(keys); i++ {
		if keys[i+1].PK != keys[i].PK {
			end = i
			break
		}
	}
	require.NotZero(t, end, "a partition ends before the table does")
	start = keys[end]
	for _, k := range keys {
		if k.PK == start.PK {
			require.NoError(t, h.b.Delete(t.Context(), backend.DeleteInput{Key: k}))
		}
	}
	rest, _ = scanSegment(t, sc, backend.ScanInput{TotalSegments: 1, Limit: 3, StartKey: &start, ConsistentRead: true})
	assert.Equal(t, whole[end+1:], rest, "after the deleted partition %q", start.PK)
}

// backendScanInvalid: a scan with segments out of range, a limit below
// one, a start key that is not a table key, or one that lies in another
// segment is refused (ErrInvalidArgument, ErrInvalidStartKey) and changes
// nothing; a done context returns its error.
func backendScanInvalid(t *testing.T, h *harness) {
	sc := scanner(t, h)
	scanSeed(t, h.b)
	before := scanTable(t, sc)
	good := backend.Key{PK: "tenant#acme", SK: "item#00"}
	for _, tc := range []struct {
		name string
		in   backend.ScanInput
		want error
	}{
		{"no segments", backend.ScanInput{TotalSegments: 0, Limit: 1}, backend.ErrInvalidArgument},
		{"too many segments", backend.ScanInput{TotalSegments: backend.MaxScanSegments + 1, Limit: 1}, backend.ErrInvalidArgument},
		{"segment below zero", backend.ScanInput{Segment: -1, TotalSegments: 3, Limit: 1}, backend.ErrInvalidArgument},
		{"segment past the last", backend.ScanInput{Segment: 3, TotalSegments: 3, Limit: 1}, backend.ErrInvalidArgument},
		{"limit zero", backend.ScanInput{TotalSegments: 1, Limit: 0}, backend.ErrInvalidArgument},
		{"limit below zero", backend.ScanInput{TotalSegments: 1, Limit: -5}, backend.ErrInvalidArgument},
		{"start key with index keys", backend.ScanInput{TotalSegments: 1, Limit: 1, StartKey: &backend.Key{PK: good.PK, SK: good.SK, IndexPK: "x", IndexSK: "y"}}, backend.ErrInvalidStartKey},
		{"start key without SK", backend.ScanInput{TotalSegments: 1, Limit: 1, StartKey: &backend.Key{PK: good.PK}}, backend.ErrInvalidStartKey},
		{"start key without PK", backend.ScanInput{TotalSegments: 1, Limit: 1, StartKey: &backend.Key{SK: good.SK}}, backend.ErrInvalidStartKey},
		{"start key not UTF-8", backend.ScanInput{TotalSegments: 1, Limit: 1, StartKey: &backend.Key{PK: "tenant#\xff", SK: good.SK}}, backend.ErrInvalidArgument},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out backend.ScanOutput
			var err error
			require.NotPanics(t, func() { out, err = sc.Scan(t.Context(), tc.in) })
			require.ErrorIs(t, err, tc.want)
			assert.Empty(t, out.Items)
			assert.Nil(t, out.LastKey)
		})
	}
	// A start key must lie in the segment read: the position of an item
	// of segment 0 of 3 is refused by the others.
	first, err := sc.Scan(t.Context(), backend.ScanInput{Segment: 0, TotalSegments: 3, Limit: 1})
	require.NoError(t, err)
	require.NotNil(t, first.LastKey, "segment 0 of 3 has items")
	for seg := 1; seg < 3; seg++ {
		out, err := sc.Scan(t.Context(), backend.ScanInput{Segment: seg, TotalSegments: 3, Limit: 10, StartKey: first.LastKey})
		require.ErrorIs(t, err, backend.ErrInvalidStartKey, "segment %d", seg)
		assert.Empty(t, out.Items)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = sc.Scan(ctx, backend.ScanInput{TotalSegments: 1, Limit: 10})
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, before, scanTable(t, sc), "a refused scan changed nothing")
}

// backendScanPageOverOneMB: a scan's page is cut at MaxPageBytes of item
// data as a query's is, across partitions, the item that reaches it
// included, and with KeysOnly at the size of the whole items, not of the
// keys read. What DynamoDB Local does: a page cut at 1 MB has a LastKey
// only when more items follow in the segment; a page stopped at its Limit
// has one even when nothing follows.
func backendScanPageOverOneMB(t *testing.T, h *harness) {
	sc := scanner(t, h)
	// Eight items of exactly MaxPageBytes/8 bytes, and nothing after them:
	// one page, which reaches 1 MB at the segment's end, without a
	// LastKey.
	var exact []backend.Key
	for i := range 8 {
		it := testfixture.SizedItem(t, fmt.Sprintf("tenant#exact%d", i%2), fmt.Sprintf("exact#%02d", i), backend.MaxPageBytes/8)
		bePut(t, h.b, it)
		k, _ := backend.KeyOf(it)
		exact = append(exact, k)
	}
	res, err := sc.Scan(t.Context(), backend.ScanInput{TotalSegments: 1, Limit: 100})
	require.NoError(t, err)
	assert.Len(t, res.Items, 8)
	assert.Nil(t, res.LastKey, "a page cut at 1 MB at the segment's end")
	for _, k := range exact {
		require.NoError(t, h.b.Delete(t.Context(), backend.DeleteInput{Key: k}))
	}

	// Fifteen items of about 100 KB in three partitions: ten are 1,000,250
	// bytes, the eleventh crosses 1 MB and is included.
	for i := range 15 {
		bePut(t, h.b, testfixture.SizedItem(t, fmt.Sprintf("tenant#big%d", i%3), fmt.Sprintf("big#%02d", i), 100_025))
	}
	for _, tc := range []struct {
		limit    int
		keysOnly bool
		pages    []int
	}{
		{100, false, []int{11, 4}},
		{100, true, []int{11, 4}},
		{11, false, []int{11, 4}},
		{5, false, []int{5, 5, 5, 0}}, // stopped at its Limit at the end
	} {
		t.Run(fmt.Sprintf("limit %d keys only %v", tc.limit, tc.keysOnly), func(t *testing.T) {
			in := backend.ScanInput{TotalSegments: 1, Limit: tc.limit, KeysOnly: tc.keysOnly}
			var got []int
			for range 10 {
				res, err := sc.Scan(t.Context(), in)
				require.NoError(t, err)
				got = append(got, len(res.Items))
				if res.LastKey == nil {
					break
				}
				in.StartKey = res.LastKey
			}
			assert.Equal(t, tc.pages, got)
		})
	}
}
