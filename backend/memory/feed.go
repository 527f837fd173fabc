package memory

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/backend"
)

// FeedOptions tune the change feed of a Store (see WithChangeFeed). The
// zero value is DynamoDB Streams' behaviour: 24 hours kept, four shards
// that never close.
type FeedOptions struct {
	// Shards is how many shards are open at a time; an item's changes go
	// to the shard of the hash of its partition key. Zero means 4.
	Shards int
	// Retention is how long a change is kept; zero means 24 hours, as in
	// DynamoDB Streams.
	Retention time.Duration
	// MaxChanges bounds the changes kept in each shard: past it the oldest
	// are dropped, as if their time had passed. Zero means 100,000.
	MaxChanges int
	// Rollover, when above zero, closes a shard once it holds that many
	// changes and opens a child shard in its place, as DynamoDB Streams
	// closes shards and opens children; tests use it to read lineages.
	Rollover int
	// Key signs checkpoints (backend.CheckpointCodec); empty means
	// backend.DefaultCheckpointKey.
	Key []byte
	// Clock gives the time of changes and of trimming; nil means
	// time.Now.
	Clock func() time.Time
}

// WithChangeFeed returns an option that turns on the Store's change feed
// (backend.ChangeFeed), tuned by opts: every write that changes an item is
// recorded, with the item before and after, in a bounded log per shard.
// Without it, ReadChanges returns backend.ErrNoChangeFeed and writes record
// nothing.
func WithChangeFeed(opts FeedOptions) func(*Options) {
	return func(o *Options) {
		o.Feed = &opts
	}
}

// feed is the change feed of a Store. Its fields are guarded by the
// Store's mu: writes record under the write lock, reads trim and read
// under it too.
type feed struct {
	id     string // the feed's ID, checkpoints name it
	opts   FeedOptions
	codec  backend.CheckpointCodec
	seq    uint64       // the last sequence number given
	shards []*feedShard // in creation order; trimmed shards are dropped
	open   []*feedShard // open[i] takes the changes of hash slot i
	made   int          // shards made, for IDs
}

// feedShard is one shard: its changes in sequence order.
type feedShard struct {
	id, parent string
	changes    []feedChange
	count      int    // changes ever recorded
	trimmed    uint64 // sequence of the last change dropped; 0 for none
	closed     bool
}

type feedChange struct {
	seq      uint64
	kind     backend.ChangeKind
	old, new backend.Item // the Store's own items, which it never changes
	expired  bool
	at       time.Time
}

func newFeed(opts FeedOptions) *feed {
	if opts.Shards <= 0 {
		opts.Shards = 4
	}
	if opts.Retention <= 0 {
		opts.Retention = 24 * time.Hour
	}
	if opts.MaxChanges <= 0 {
		opts.MaxChanges = 100_000
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	f := &feed{id: "memory-feed-" + hex.EncodeToString(b[:]), opts: opts, codec: backend.CheckpointCodec{Key: opts.Key}}
	f.open = make([]*feedShard, opts.Shards)
	for i := range f.open {
		f.open[i] = f.newShard("")
	}
	return f
}

func (f *feed) newShard(parent string) *feedShard {
	f.made++
	sh := &feedShard{id: fmt.Sprintf("shardId-%08d", f.made), parent: parent}
	f.shards = append(f.shards, sh)
	return sh
}

// formatSeq spells a sequence number as DynamoDB does: 21 digits.
func formatSeq(n uint64) string { return fmt.Sprintf("%021d", n) }

func parseSeq(s string) (uint64, bool) {
	if len(s) != 21 {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil
}

// record adds the change of the item at pk from old to new (nil for
// none) unless it changes nothing. The caller holds s.mu for writing.
func (f *feed) record(pk string, old, new backend.Item, expired bool) {
	var kind backend.ChangeKind
	switch {
	case old == nil && new == nil:
		return
	case old == nil:
		kind = backend.ChangeInsert
	case new == nil:
		kind = backend.ChangeRemove
	default:
		if backend.ItemsEqual(old, new) {
			return // DynamoDB Streams records no change that writes nothing new
		}
		kind = backend.ChangeModify
	}
	h := fnv.New32a()
	h.Write([]byte(pk))
	slot := int(h.Sum32() % uint32(len(f.open)))
	sh := f.open[slot]
	now := f.opts.Clock()
	f.seq++
	sh.changes = append(sh.changes, feedChange{seq: f.seq, kind: kind, old: old, new: new, expired: expired, at: now})
	sh.count++
	if f.opts.Rollover > 0 && sh.count >= f.opts.Rollover {
		sh.closed = true
		f.open[slot] = f.newShard(sh.id)
	}
	f.trim(now)
}

// trim drops the changes past their retention or over MaxChanges, and the
// closed shards left empty by it. The caller holds s.mu for writing.
func (f *feed) trim(now time.Time) {
	cut := now.Add(-f.opts.Retention)
	kept := f.shards[:0]
	for _, sh := range f.shards {
		drop := 0
		for drop < len(sh.changes) && (!sh.changes[drop].at.After(cut) || len(sh.changes)-drop > f.opts.MaxChanges) {
			drop++
		}
		if drop > 0 {
			sh.trimmed = sh.changes[drop-1].seq
			sh.changes = slices.Delete(sh.changes, 0, drop)
		}
		if sh.closed && len(sh.changes) == 0 && sh.trimmed != 0 {
			continue // nothing of it is left
		}
		kept = append(kept, sh)
	}
	clear(f.shards[len(kept):])
	f.shards = kept
}

// position is a shard's position while a read goes on.
type position struct {
	after uint64
	set   bool // after holds a sequence number; else from the start
	done  bool
}

// ReadChanges returns up to in.Limit changes after the checkpoint in.From
// (backend.ChangeFeed): each shard in order, a shard after its parent.
// Items are copies. A checkpoint of another Store, or one that does not
// verify, is backend.ErrInvalidCheckpoint; one that points before the
// oldest change kept in a shard, or names a shard no longer kept that it
// had not read to its end, is backend.ErrTrimmed.
func (s *Store) ReadChanges(ctx context.Context, in backend.ReadChangesInput) (backend.ReadChangesOutput, error) {
	if err := ctx.Err(); err != nil {
		return backend.ReadChangesOutput{}, err
	}
	limit, err := in.ChangeLimit()
	if err != nil {
		return backend.ReadChangesOutput{}, fmt.Errorf("memory: read changes: %w", err)
	}
	if s.feed == nil {
		return backend.ReadChangesOutput{}, fmt.Errorf("memory: read changes: %w (memory.WithChangeFeed)", backend.ErrNoChangeFeed)
	}
	f := s.feed
	var cp backend.Checkpoint
	fresh := in.From == ""
	if !fresh {
		if cp, err = f.codec.Decode(in.From, f.id); err != nil {
			return backend.ReadChangesOutput{}, fmt.Errorf("memory: read changes: %w", err)
		}
	}
	s.mu.Lock() // trimming changes the log
	defer s.mu.Unlock()
	f.trim(f.opts.Clock())
	pos := make(map[string]*position, len(f.shards))
	listed := make(map[string]bool, len(f.shards))
	for _, sh := range f.shards {
		listed[sh.id] = true
		pos[sh.id] = &position{}
	}
	for _, p := range cp.Shards {
		if !listed[p.Shard] {
			if !p.Done {
				return backend.ReadChangesOutput{}, fmt.Errorf("memory: read changes: %w: shard %s is no longer kept", backend.ErrTrimmed, p.Shard)
			}
			continue
		}
		q := pos[p.Shard]
		q.done = p.Done
		if p.After != "" {
			n, ok := parseSeq(p.After)
			if !ok {
				return backend.ReadChangesOutput{}, fmt.Errorf("memory: read changes: %w: malformed sequence number", backend.ErrInvalidCheckpoint)
			}
			q.after, q.set = n, true
		}
	}
	var out backend.ReadChangesOutput
	for progress := true; progress && len(out.Changes) < limit; {
		progress = false
		for _, sh := range f.shards {
			q := pos[sh.id]
			if q.done || (sh.parent != "" && listed[sh.parent] && !pos[sh.parent].done) {
				continue
			}
			// A shard read from a checkpoint must still hold the change
			// after its position.
			if !fresh && sh.trimmed != 0 && (!q.set || q.after < sh.trimmed) {
				return backend.ReadChangesOutput{}, fmt.Errorf("memory: read changes: %w: shard %s", backend.ErrTrimmed, sh.id)
			}
			i, _ := slices.BinarySearchFunc(sh.changes, q.after+1, func(c feedChange, seq uint64) int {
				return cmpUint(c.seq, seq)
			})
			if !q.set {
				i = 0
			}
			for ; i < len(sh.changes) && len(out.Changes) < limit; i++ {
				c := sh.changes[i]
				out.Changes = append(out.Changes, c.change(sh.id))
				q.after, q.set = c.seq, true
				progress = true
			}
			if i == len(sh.changes) && sh.closed {
				q.done = true
				progress = true
			}
		}
	}
	next := backend.Checkpoint{Feed: f.id}
	for _, sh := range f.shards {
		q := pos[sh.id]
		p := backend.ShardPosition{Shard: sh.id, Done: q.done}
		if q.set {
			p.After = formatSeq(q.after)
		}
		next.Shards = append(next.Shards, p)
	}
	out.Next = f.codec.Encode(next)
	return out, nil
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// change returns c as a backend.Change of shard, with copies of its items.
func (c feedChange) change(shard string) backend.Change {
	out := backend.Change{Kind: c.kind, Expired: c.expired, Shard: shard, Sequence: formatSeq(c.seq), At: c.at}
	if c.old != nil {
		out.Old = backend.CopyItem(c.old)
		out.Key = keyOf(c.old)
	}
	if c.new != nil {
		out.New = backend.CopyItem(c.new)
		out.Key = keyOf(c.new)
	}
	return out
}

// ChangeHead returns the checkpoint after the newest change recorded
// (backend.ChangeFeed).
func (s *Store) ChangeHead(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if s.feed == nil {
		return "", fmt.Errorf("memory: change head: %w (memory.WithChangeFeed)", backend.ErrNoChangeFeed)
	}
	f := s.feed
	s.mu.Lock()
	defer s.mu.Unlock()
	f.trim(f.opts.Clock())
	cp := backend.Checkpoint{Feed: f.id}
	for _, sh := range f.shards {
		p := backend.ShardPosition{Shard: sh.id, Done: sh.closed}
		switch {
		case len(sh.changes) > 0:
			p.After = formatSeq(sh.changes[len(sh.changes)-1].seq)
		case sh.trimmed != 0:
			p.After = formatSeq(sh.trimmed)
		}
		cp.Shards = append(cp.Shards, p)
	}
	return f.codec.Encode(cp), nil
}

// AdvanceCheckpoint returns the checkpoint from moved past changes, a
// prefix of what a read from it returned (backend.ChangeFeed).
func (s *Store) AdvanceCheckpoint(from string, changes []backend.Change) (string, error) {
	if s.feed == nil {
		return "", fmt.Errorf("memory: advance checkpoint: %w (memory.WithChangeFeed)", backend.ErrNoChangeFeed)
	}
	cp, err := s.feed.codec.Advance(from, s.feed.id, changes)
	if err != nil {
		return "", fmt.Errorf("memory: advance checkpoint: %w", err)
	}
	return cp, nil
}

// ExpireItems deletes the items whose attribute attr holds a Number of
// Unix seconds above zero and at or before now, as DynamoDB's time to live
// does some time after an item's expiry, and returns how many it deleted.
// The change feed records each as a removal by the time to live
// (backend.Change.Expired). A Store never deletes expired items on its
// own: tests call ExpireItems where DynamoDB would get round to it.
func (s *Store) ExpireItems(ctx context.Context, attr string, now time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if attr == "" {
		return 0, fmt.Errorf("memory: expire items: %w: empty attribute name", backend.ErrInvalidArgument)
	}
	limit := strconv.FormatInt(now.Unix(), 10)
	s.mu.Lock()
	defer s.mu.Unlock()
	var doomed []backend.Key
	for _, p := range s.parts {
		for _, e := range p.bySK {
			n, ok := e.item[attr].(*types.AttributeValueMemberN)
			if ok && backend.CompareNumbers(n.Value, "0") > 0 && backend.CompareNumbers(n.Value, limit) <= 0 {
				doomed = append(doomed, backend.Key{PK: e.pk, SK: e.sk})
			}
		}
	}
	slices.SortFunc(doomed, func(a, b backend.Key) int {
		if a.PK != b.PK {
			return strings.Compare(a.PK, b.PK)
		}
		return strings.Compare(a.SK, b.SK)
	})
	for _, k := range doomed {
		s.removeAs(k, true)
	}
	return len(doomed), nil
}

var _ backend.ChangeFeed = (*Store)(nil)
