package ops

import (
	"sync"

	"github.com/tenantrepo/tenantrepo/backend"
)

// frontier tracks work handed out in sort-key order and done in any order,
// for the checkpoints of Purge and the Reindex operations. Each piece of
// work (a batch of deletes, one item to update) gets a sequence number
// when it is handed out, in the order of its items' sort keys (or, in a
// scan segment, in the order the segment is read); the frontier is the key
// of the last item of the last piece such that it and every piece before
// it are done. A run resumed after the frontier never skips work that was
// not done. It is safe for concurrent use.
type frontier struct {
	mu      sync.Mutex
	next    int64            // the sequence number of the next piece
	low     int64            // the lowest piece not done
	pending map[int64]*piece // pieces handed out, from low on
	key     backend.Key      // the frontier: the last key of piece low-1
	counts  Counts           // the counts of the pieces before low
}

// piece is one piece of work of a frontier.
type piece struct {
	key    backend.Key // the key of its last item
	done   bool
	counts Counts
}

// newFrontier returns a frontier at key k (the zero Key: before every
// item).
func newFrontier(k backend.Key) *frontier {
	return &frontier{pending: map[int64]*piece{}, key: k}
}

// add hands out the next piece, whose last item has key k.
func (f *frontier) add(k backend.Key) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	seq := f.next
	f.next++
	f.pending[seq] = &piece{key: k}
	return seq
}

// idle reports whether every piece handed out is done.
func (f *frontier) idle() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.pending) == 0
}

// done records that piece seq is done, with its counts, and moves the
// frontier past every piece done in a row.
func (f *frontier) done(seq int64, c Counts) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.pending[seq]
	if p == nil || p.done {
		return
	}
	p.done, p.counts = true, c
	for {
		p := f.pending[f.low]
		if p == nil || !p.done {
			return
		}
		f.key = p.key
		f.counts.add(p.counts)
		delete(f.pending, f.low)
		f.low++
	}
}

// at returns the frontier and the counts of the pieces before it.
func (f *frontier) at() (backend.Key, Counts) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.key, f.counts
}
