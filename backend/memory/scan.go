package memory

import (
	"cmp"
	"context"
	"fmt"
	"hash/fnv"
	"math/bits"
	"slices"

	"github.com/tenantrepo/tenantrepo/backend"
)

var _ backend.Scanner = (*Store)(nil)

// scanPart is a partition as a scan visits it: the partition key and its
// hash, which decides the segment.
type scanPart struct {
	h  uint64
	pk string
}

func compareScanPart(a, b scanPart) int {
	if c := cmp.Compare(a.h, b.h); c != 0 {
		return c
	}
	return cmp.Compare(a.pk, b.pk)
}

// pkHash is the stable position of a partition in a scan: the 64-bit
// FNV-1a hash of its key, its bits mixed by MurmurHash3's finalizer so
// that keys differing in their last bytes (tenant#t01, tenant#t02) spread
// over the high bits, which choose the segment.
func pkHash(pk string) uint64 {
	f := fnv.New64a()
	f.Write([]byte(pk))
	h := f.Sum64()
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// segmentOf returns the segment, of total, of a partition whose key hashes
// to h: the hashes are cut into total ranges of equal width, as DynamoDB
// cuts its hash space, so that a segment's partitions lie side by side in
// hash order.
func segmentOf(h uint64, total int) int {
	hi, _ := bits.Mul64(h, uint64(total))
	return int(hi)
}

// segmentStart returns the least hash of segment seg of total.
func segmentStart(seg, total int) uint64 {
	if seg == 0 {
		return 0
	}
	// The least h with h*total >= seg<<64: ceil(seg<<64 / total).
	q, r := bits.Div64(uint64(seg), 0, uint64(total))
	if r != 0 {
		q++
	}
	return q
}

// scanParts returns the partition keys of the Store in scan order (hash,
// then key), from the cache that a write making or emptying a partition
// clears. The caller holds s.mu for reading; the list is shared and must
// not be changed.
func (s *Store) scanParts() []scanPart {
	if p := s.scanList.Load(); p != nil {
		return *p
	}
	list := make([]scanPart, 0, len(s.parts))
	for pk := range s.parts {
		list = append(list, scanPart{h: pkHash(pk), pk: pk})
	}
	slices.SortFunc(list, compareScanPart)
	// Readers holding s.mu for reading may build it at once; each builds
	// the same list. A writer, which clears it, holds s.mu for writing.
	s.scanList.Store(&list)
	return list
}

// Scan returns one page of one segment of the table (backend.Scanner).
// Each partition is in the segment its key's hash (64-bit FNV-1a, mixed)
// falls in when the hash space is cut into in.TotalSegments equal ranges; a segment
// holds its partitions in order of that hash (then of key), each
// partition's items in sort-key order. The page holds at most in.Limit
// items and at most backend.MaxPageBytes of item data, cut as Query cuts
// a page: a page stopped at its Limit has a LastKey even when nothing
// follows; a page cut at 1 MB (the item that reaches it included) has one
// only when more items of the segment follow. A start key need not be the
// position of an item (one deleted since is fine; keys longer than an
// item's may be, as DynamoDB Local takes them), but must lie in the
// segment (backend.ErrInvalidStartKey, as in DynamoDB). With in.KeysOnly each item holds
// only PK and SK. The items are copies.
func (s *Store) Scan(ctx context.Context, in backend.ScanInput) (backend.ScanOutput, error) {
	if err := ctx.Err(); err != nil {
		return backend.ScanOutput{}, err
	}
	if err := in.Check(); err != nil {
		return backend.ScanOutput{}, fmt.Errorf("memory: %w", err)
	}
	from := scanPart{h: segmentStart(in.Segment, in.TotalSegments)}
	if k := in.StartKey; k != nil {
		from = scanPart{h: pkHash(k.PK), pk: k.PK}
		if segmentOf(from.h, in.TotalSegments) != in.Segment {
			return backend.ScanOutput{}, fmt.Errorf("memory: scan: %w: the start key is not in segment %d of %d", backend.ErrInvalidStartKey, in.Segment, in.TotalSegments)
		}
	}
	w := &walker{limit: in.Limit}
	s.mu.RLock()
	defer s.mu.RUnlock()
	list := s.scanParts()
	i, _ := slices.BinarySearchFunc(list, from, compareScanPart)
	for ; i < len(list) && segmentOf(list[i].h, in.TotalSegments) == in.Segment; i++ {
		p := s.parts[list[i].pk]
		if in.StartKey != nil && list[i].pk == in.StartKey.PK {
			sk := in.StartKey.SK
			p.tree.AscendGreaterOrEqual(&entry{sk: sk}, func(e *entry) bool {
				return e.sk == sk || w.visit(e) // exclusive start
			})
		} else {
			p.tree.Ascend(w.visit)
		}
		if w.out.LastKey != nil || w.err != nil {
			break
		}
	}
	if w.err != nil {
		return backend.ScanOutput{}, w.err
	}
	if backend.Metered(ctx) {
		// Whole items, summed, even when KeysOnly, as DynamoDB charges.
		charge(ctx, readCapacity(0, w.bytes, in.ConsistentRead))
	}
	out := backend.ScanOutput{LastKey: w.out.LastKey, Items: w.out.Items}
	for j, item := range out.Items {
		if in.KeysOnly {
			out.Items[j] = keyOf(item).Item()
		} else {
			out.Items[j] = backend.CopyItem(item)
		}
	}
	return out, nil
}
