package limit

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"
)

// The buckets of the tenants are kept in shards, each a map and a list in
// order of last use, under its own lock: a request locks one shard for a
// map lookup and a move to the front of its list, O(1), and requests of
// tenants in other shards do not wait for it.
//
// Memory is bounded two ways. Each request looks at the oldest entries of
// its shard (up to sweepPerCall of them): it drops those whose buckets are
// full again (a tenant's next request would make the same full buckets,
// so dropping them changes nothing) and that were not used for
// Options.IdleAfter (so that a busy tenant's buckets, full again between
// its requests, are not made over and over) and moves the others to the front, so
// that a tenant in debt does not stop the sweep behind it (a second
// chance, as the CLOCK algorithm gives). And a shard holds at most its
// share of MaxTenants: past it, its oldest entry is dropped even if its
// buckets are not full (that tenant starts again with full buckets;
// Stats.Evicted counts these).
//
// The list is intrusive (prev and next in the entry) rather than
// container/list or github.com/hashicorp/golang-lru/v2: one allocation per
// tenant instead of two, no dependency, and the sweep needs to look at the
// oldest entries of a shard without taking them, which is a field read
// here.

const (
	numShards    = 64
	sweepPerCall = 2
)

// entry is one tenant's buckets in a shard's list.
type entry struct {
	*bucket
	used       int64 // the time of its last request, in Unix nanoseconds
	prev, next *entry
}

// shard is one part of the table.
type shard struct {
	mu   sync.Mutex
	m    map[string]*entry
	head entry // sentinel: head.next is the most recent, head.prev the oldest
	max  int
	idle int64 // nanoseconds an entry must be unused before it may be dropped
}

// table is the tenants' buckets.
type table struct {
	seed      maphash.Seed
	shards    [numShards]shard
	idle      atomic.Uint64
	evicted   atomic.Uint64
	throttled atomic.Uint64
}

func (t *table) init(maxTenants int, idle time.Duration) {
	t.seed = maphash.MakeSeed()
	per := max(1, maxTenants/numShards)
	for i := range t.shards {
		s := &t.shards[i]
		s.m = make(map[string]*entry)
		s.head.next, s.head.prev = &s.head, &s.head
		s.max = per
		s.idle = int64(idle)
	}
}

func (t *table) shardOf(tenant string) *shard {
	return &t.shards[maphash.String(t.seed, tenant)%numShards]
}

// get returns the tenant's bucket, made with the limits of limitsOf when
// the tenant has none.
func (t *table) get(tenant string, now time.Time, limitsOf func(string) (Limits, error)) (*bucket, error) {
	s := t.shardOf(tenant)
	s.mu.Lock()
	if e, ok := s.m[tenant]; ok {
		t.sweep(s, now, e)
		s.moveFront(e)
		e.used = now.UnixNano()
		s.mu.Unlock()
		return e.bucket, nil
	}
	s.mu.Unlock()
	// Call the user's function without the lock: it may be slow.
	lim, err := limitsOf(tenant)
	if err != nil {
		return nil, err
	}
	b := newBucket(tenant, lim, now)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.m[tenant]; ok { // made meanwhile
		s.moveFront(e)
		e.used = now.UnixNano()
		return e.bucket, nil
	}
	t.sweep(s, now, nil)
	for len(s.m) >= s.max {
		old := s.head.prev
		s.remove(old)
		t.evicted.Add(1)
	}
	e := &entry{bucket: b, used: now.UnixNano()}
	s.m[tenant] = e
	s.pushFront(e)
	return b, nil
}

// sweep looks at up to sweepPerCall of the oldest entries, stopping at
// keep, the entry about to be used: it drops those whose buckets are full
// at now and that were not used for Options.IdleAfter, and moves the
// others to the front.
func (t *table) sweep(s *shard, now time.Time, keep *entry) {
	for range sweepPerCall {
		old := s.head.prev
		if old == &s.head || old == keep {
			return
		}
		if now.UnixNano()-old.used < s.idle || !old.full(now) {
			s.moveFront(old)
			continue
		}
		s.remove(old)
		t.idle.Add(1)
	}
}

func (t *table) forget(tenant string) {
	s := t.shardOf(tenant)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.m[tenant]; ok {
		s.remove(e)
	}
}

func (t *table) stats() Stats {
	st := Stats{Idle: t.idle.Load(), Evicted: t.evicted.Load(), Throttled: t.throttled.Load()}
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		st.Tenants += len(s.m)
		s.mu.Unlock()
	}
	return st
}

func (s *shard) pushFront(e *entry) {
	e.prev, e.next = &s.head, s.head.next
	s.head.next.prev = e
	s.head.next = e
}

func (s *shard) unlink(e *entry) {
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
}

func (s *shard) moveFront(e *entry) {
	if s.head.next != e {
		s.unlink(e)
		s.pushFront(e)
	}
}

func (s *shard) remove(e *entry) {
	s.unlink(e)
	delete(s.m, e.tenant)
}
