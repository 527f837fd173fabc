package memory

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
)

// The index behaviour DynamoDB shows is checked by the conformance suite's
// Backend/Index... cases; these tests check what it cannot: that the
// B-trees of the indexes always hold exactly the items they should after
// any mix of writes, Options.Indexes, and locking.

// TestTieHash checks tieHash against values DynamoDB Local 3.3.0 stored in
// its column hashRangeValue.
func TestTieHash(t *testing.T) {
	for _, tc := range []struct{ pk, sk, want string }{
		{"tenant#a", "x#1", "e5631869dc7733de1b033268675652c796d04d57"},
		{"tenant#a", "x#2", "58c6bcb42e9b2d3ca6c3a015a9397b36a0b9bd33"},
		{"z", "x#1", "911f5257dedae72018790315365c7b6e443ce8f6"},
	} {
		h := tieHash(tc.pk, tc.sk)
		assert.Equal(t, tc.want, fmt.Sprintf("%x", h[:]), "%s %s", tc.pk, tc.sk)
	}
}

// indexContents returns the ids of the items of every index partition of
// every index, in order, as the Store's trees hold them.
func indexContents(st *Store) map[string][]string {
	st.mu.RLock()
	defer st.mu.RUnlock()
	out := map[string][]string{}
	for i := range backend.MaxIndexes {
		for ipk, t := range st.idx[i] {
			name := fmt.Sprintf("GSI%d %s", i+1, ipk)
			t.Ascend(func(ie *ixEntry) bool {
				// The entry is the stored one.
				if cur := st.find(backend.Key{PK: ie.e.pk, SK: ie.e.sk}); cur != ie.e {
					out[name] = append(out[name], "STALE "+ie.e.sk)
				}
				out[name] = append(out[name], ie.e.pk+"/"+ie.e.sk)
				return true
			})
		}
	}
	return out
}

// expectedIndexes computes indexContents from the stored items.
func expectedIndexes(st *Store) map[string][]string {
	type pos struct {
		ipk, isk, id string
		h            [20]byte
	}
	byName := map[string][]pos{}
	for _, it := range st.Snapshot() {
		for _, n := range st.slots.Slots() {
			k := keysIn(it, n)
			if !k.ok {
				continue
			}
			pk, sk := keyOf(it).PK, keyOf(it).SK
			name := fmt.Sprintf("GSI%d %s", n, k.pk)
			byName[name] = append(byName[name], pos{k.pk, k.sk, pk + "/" + sk, tieHash(pk, sk)})
		}
	}
	out := map[string][]string{}
	for name, ps := range byName {
		slices.SortFunc(ps, func(a, b pos) int {
			if a.isk != b.isk {
				if a.isk < b.isk {
					return -1
				}
				return 1
			}
			return bytes.Compare(a.h[:], b.h[:])
		})
		for _, p := range ps {
			out[name] = append(out[name], p.id)
		}
	}
	return out
}

// TestIndexesFollowWrites runs random puts, updates, deletes, batches and
// transactions, some failing, over a few items whose index keys change,
// and checks after each that the indexes hold exactly the items with both
// keys of each index, in order.
func TestIndexesFollowWrites(t *testing.T) {
	st := New()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	sks := []string{"a", "b", "c", "d", "e", "f"}
	ipks := []string{"p1", "p2"}
	isks := []string{"x", "y", "y", "z"} // ties
	randItem := func() backend.Item {
		it := item(sks[rng.IntN(len(sks))])
		for n := 1; n <= backend.MaxIndexes; n++ {
			pkName, skName := backend.IndexKeyNames(backend.IndexName(n))
			if rng.IntN(3) > 0 {
				it[pkName] = s(ipks[rng.IntN(len(ipks))])
			}
			if rng.IntN(3) > 0 {
				it[skName] = s(isks[rng.IntN(len(isks))])
			}
		}
		return it
	}
	randUpdate := func() backend.Expressions {
		ix := 1 + rng.IntN(backend.MaxIndexes)
		pkName, skName := backend.IndexKeyNames(backend.IndexName(ix))
		switch rng.IntN(4) {
		case 0:
			return backend.Expressions{Update: "REMOVE #a", Names: map[string]string{"#a": skName}}
		case 1:
			return backend.Expressions{Update: "SET #a = :v", Names: map[string]string{"#a": pkName},
				Values: map[string]types.AttributeValue{":v": s(ipks[rng.IntN(len(ipks))])}}
		case 2:
			return backend.Expressions{Update: "SET #a = :v", Names: map[string]string{"#a": skName},
				Values: map[string]types.AttributeValue{":v": s(isks[rng.IntN(len(isks))])}}
		default:
			// Invalid: a number as an index key.
			return backend.Expressions{Update: "SET #a = :v", Names: map[string]string{"#a": skName},
				Values: map[string]types.AttributeValue{":v": n("1")}}
		}
	}
	randCond := func() backend.Expressions {
		if rng.IntN(3) == 0 {
			return backend.Expressions{Condition: "attribute_not_exists(PK)"}
		}
		return backend.Expressions{}
	}
	for i := range 2000 {
		var err error
		switch rng.IntN(6) {
		case 0, 1:
			err = st.Put(ctx, backend.PutInput{Item: randItem(), Expr: randCond()})
		case 2:
			e := randUpdate()
			e.Condition = randCond().Condition
			_, err = st.Update(ctx, backend.UpdateInput{Key: key(sks[rng.IntN(len(sks))]), Expr: e})
		case 3:
			err = st.Delete(ctx, backend.DeleteInput{Key: key(sks[rng.IntN(len(sks))]), Expr: randCond()})
		case 4:
			var writes []backend.WriteRequest
			seen := map[string]bool{}
			for range 3 {
				it := randItem()
				sk := keyOf(it).SK
				if seen[sk] {
					continue
				}
				seen[sk] = true
				if rng.IntN(3) == 0 {
					k := key(sk)
					writes = append(writes, backend.WriteRequest{Delete: &k})
				} else {
					writes = append(writes, backend.WriteRequest{Put: it})
				}
			}
			_, err = st.BatchWrite(ctx, backend.BatchWriteInput{Writes: writes})
		default:
			var acts []backend.TxAction
			seen := map[string]bool{}
			for range 3 {
				it := randItem()
				sk := keyOf(it).SK
				if seen[sk] {
					continue
				}
				seen[sk] = true
				switch rng.IntN(3) {
				case 0:
					acts = append(acts, backend.TxAction{Kind: backend.TxPut, Item: it, Expr: randCond()})
				case 1:
					acts = append(acts, backend.TxAction{Kind: backend.TxUpdate, Key: key(sk), Expr: randUpdate()})
				default:
					acts = append(acts, backend.TxAction{Kind: backend.TxDelete, Key: key(sk)})
				}
			}
			err = st.TransactWrite(ctx, backend.TransactInput{Actions: acts})
		}
		_ = err // failures are part of the mix
		require.Equal(t, expectedIndexes(st), indexContents(st), "after step %d", i)
	}
	total := 0
	for n := 1; n <= backend.MaxIndexes; n++ {
		total += st.indexCount(n)
	}
	t.Logf("%d items, %d index entries at the end", st.Len(), total)
}

// TestIndexesOption checks Options.Indexes: a Store with fewer indexes
// refuses queries of the others, takes any value in their key attributes,
// and keeps no trees for them.
func TestIndexesOption(t *testing.T) {
	ctx := context.Background()
	st := New(func(o *Options) { o.Indexes = 2 })
	require.NoError(t, st.Put(ctx, backend.PutInput{Item: item("a", "GSI3PK", n("1"), "GSI3SK", s(""), "GSI2PK", s("p"), "GSI2SK", s("s"))}))
	err := st.Put(ctx, backend.PutInput{Item: item("b", "GSI2PK", n("1"))})
	require.ErrorIs(t, err, backend.ErrInvalidArgument)
	_, err = st.Query(ctx, backend.QueryInput{Index: "GSI3", PK: "p", Limit: 1})
	require.ErrorIs(t, err, backend.ErrInvalidArgument)
	res, err := st.Query(ctx, backend.QueryInput{Index: "GSI2", PK: "p", Limit: 1})
	require.NoError(t, err)
	assert.Len(t, res.Items, 1)
	assert.Equal(t, 0, st.indexCount(3))

	assert.Equal(t, backend.AllIndexes, New().slots)
	for _, bad := range []int{-1, backend.MaxIndexes + 1} {
		assert.Panics(t, func() { New(func(o *Options) { o.Indexes = bad }) }, "%d", bad)
	}
}

// TestConcurrentIndexUse moves items between index partitions while
// others query them; with -race it checks the locking, and every page
// must be in index order.
func TestConcurrentIndexUse(t *testing.T) {
	st := New()
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for r := range 100 {
				it := item(fmt.Sprintf("w%d#%d", w, r%10), "GSI1PK", s(fmt.Sprintf("p%d", r%2)), "GSI1SK", s(fmt.Sprintf("%03d", r)))
				assert.NoError(t, st.Put(ctx, backend.PutInput{Item: it}))
				if r%7 == 0 {
					assert.NoError(t, st.Delete(ctx, backend.DeleteInput{Key: key(fmt.Sprintf("w%d#%d", w, (r+3)%10))}))
				}
			}
		}()
		go func() {
			defer wg.Done()
			in := backend.QueryInput{Index: "GSI1", PK: "p0", Limit: 5}
			for range 200 {
				res, err := st.Query(ctx, in)
				if !assert.NoError(t, err) {
					return
				}
				for i := 1; i < len(res.Items); i++ {
					prev := res.Items[i-1]["GSI1SK"].(*types.AttributeValueMemberS).Value
					cur := res.Items[i]["GSI1SK"].(*types.AttributeValueMemberS).Value
					assert.LessOrEqual(t, prev, cur)
				}
				in.StartKey = res.LastKey
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, expectedIndexes(st), indexContents(st))
}
