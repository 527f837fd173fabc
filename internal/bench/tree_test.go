package bench

import (
	"math/rand/v2"
	"testing"

	"github.com/google/btree"
)

// BenchmarkOrderedTree is the yardstick of BenchmarkMemory's Get: a lookup
// of a random key in an ordered tree (google/btree, as the memory backend's
// partitions use, degree 32) of 1M items of sort keys like the backend's,
// each with a pointer to an item of a few hundred bytes, and nothing else:
// no map, no copy, no decoding.
func BenchmarkOrderedTree(b *testing.B) {
	type item struct {
		sk   string
		data [256]byte
	}
	const n = 1_000_000
	t := btree.NewG(32, func(a, b *item) bool { return a.sk < b.sk })
	keys := make([]string, n)
	for i := range n {
		keys[i] = "profile#" + id(i)
		t.ReplaceOrInsert(&item{sk: keys[i]})
	}
	rng := rand.New(rand.NewPCG(1, 2))
	order := make([]int32, 1<<20)
	for i := range order {
		order[i] = int32(rng.IntN(n))
	}
	b.Run("items=1M", func(b *testing.B) {
		probe := &item{}
		i := 0
		var sum byte
		for b.Loop() {
			probe.sk = keys[order[i%len(order)]]
			it, ok := t.Get(probe)
			if !ok {
				b.Fatal("missing")
			}
			sum += it.data[0]
			i++
		}
		_ = sum
	})
}
