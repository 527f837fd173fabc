package memory

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
)

// These tests cover what the conformance suite does not: the segment
// arithmetic at its edges, the cache of partition keys, and the time a scan
// of a large table takes.

func TestSegmentBounds(t *testing.T) {
	t.Parallel()
	for _, total := range []int{1, 2, 3, 7, 1000, backend.MaxScanSegments} {
		for _, seg := range []int{0, 1, total / 2, total - 1} {
			if seg >= total {
				continue
			}
			lo := segmentStart(seg, total)
			require.Equal(t, seg, segmentOf(lo, total), "the start of segment %d of %d is in it", seg, total)
			if lo > 0 {
				require.Equal(t, seg-1, segmentOf(lo-1, total), "the hash before segment %d of %d is in the one before", seg, total)
			}
		}
		require.Equal(t, total-1, segmentOf(math.MaxUint64, total))
	}
}

// TestScanSeesPartitionsComeAndGo checks that the cached list of
// partitions follows the writes that make and empty partitions, through
// every write path.
func TestScanSeesPartitionsComeAndGo(t *testing.T) {
	t.Parallel()
	st := New()
	ctx := t.Context()
	scanKeys := func() []string {
		var out []string
		in := backend.ScanInput{TotalSegments: 1, Limit: 1000}
		page, err := st.Scan(ctx, in)
		require.NoError(t, err)
		require.Nil(t, page.LastKey)
		for _, it := range page.Items {
			k := keyOf(it)
			out = append(out, k.PK+"|"+k.SK)
		}
		return out
	}
	require.Empty(t, scanKeys())
	put := func(p, sk string) {
		require.NoError(t, st.Put(ctx, backend.PutInput{Item: backend.Item{"PK": s(p), "SK": s(sk)}}))
	}
	put("tenant#a", "x#1")
	assert.Equal(t, []string{"tenant#a|x#1"}, scanKeys())
	put("tenant#b", "x#1")
	assert.ElementsMatch(t, []string{"tenant#a|x#1", "tenant#b|x#1"}, scanKeys())
	_, err := st.BatchWrite(ctx, backend.BatchWriteInput{Writes: []backend.WriteRequest{{Put: backend.Item{"PK": s("tenant#c"), "SK": s("x#1")}}}})
	require.NoError(t, err)
	assert.Len(t, scanKeys(), 3)
	require.NoError(t, st.Delete(ctx, backend.DeleteInput{Key: backend.Key{PK: "tenant#a", SK: "x#1"}}))
	assert.ElementsMatch(t, []string{"tenant#b|x#1", "tenant#c|x#1"}, scanKeys())
	_, err = st.BatchWrite(ctx, backend.BatchWriteInput{Writes: []backend.WriteRequest{{Delete: &backend.Key{PK: "tenant#b", SK: "x#1"}}}})
	require.NoError(t, err)
	require.NoError(t, st.TransactWrite(ctx, backend.TransactInput{Actions: []backend.TxAction{
		{Kind: backend.TxPut, Item: backend.Item{"PK": s("tenant#d"), "SK": s("x#1")}},
	}}))
	assert.ElementsMatch(t, []string{"tenant#c|x#1", "tenant#d|x#1"}, scanKeys())
}

// TestScanLargeTable scans 100,000 items of 5,000 partitions in 7 segments
// with pages of 100, and checks that each item is read once, in a time
// that shows no page rereads the list of partitions from its start.
func TestScanLargeTable(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("short")
	}
	st := New()
	const parts, per = 5000, 20
	for p := range parts {
		pk := fmt.Sprintf("tenant#t%05d", p)
		for i := range per {
			e := st.newEntry(backend.Key{PK: pk, SK: fmt.Sprintf("x#%02d", i)}, backend.Item{"PK": s(pk), "SK": s(fmt.Sprintf("x#%02d", i))}, 40)
			st.store(e)
		}
	}
	start := time.Now()
	seen := 0
	for seg := range 7 {
		in := backend.ScanInput{Segment: seg, TotalSegments: 7, Limit: 100, KeysOnly: true}
		for {
			page, err := st.Scan(t.Context(), in)
			require.NoError(t, err)
			seen += len(page.Items)
			if page.LastKey == nil {
				break
			}
			in.StartKey = page.LastKey
		}
	}
	require.Equal(t, parts*per, seen)
	assert.Less(t, time.Since(start), 20*time.Second, "a scan of 100,000 items")
	t.Logf("scanned %d items in %v", seen, time.Since(start))
}
