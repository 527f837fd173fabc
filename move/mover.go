package move

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sync"
	"time"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/internal/isnil"
	"github.com/tenantrepo/tenantrepo/internal/wait"
	"github.com/tenantrepo/tenantrepo/route"
)

// mover is one Run, Resume or Cancel of one tenant's move.
type mover struct {
	cfg    Config
	o      Options
	tenant entity.Tenant
	began  time.Time // by the wall clock, for durations

	p        route.Placement // the catalog's record as last read or written
	src, dst backend.Backend
	feed     backend.ChangeFeed // the source's
	fences   map[string]bool    // sort keys of the fence items
	// bounds are the sort keys of the last items of the copy's pages:
	// the pause compares the ranges between them side by side.
	bounds []string

	mu  sync.Mutex // guards res's counts, written by the batch writers
	res Result
}

func newMover(cfg Config, tenant string, optFns []func(*Options)) (*mover, error) {
	o, err := options(optFns)
	if err != nil {
		return nil, err
	}
	if cfg.Catalog == nil || isnil.Is(cfg.Tables) {
		return nil, fmt.Errorf("%w: Config needs a Catalog and Tables", ErrInvalidArgument)
	}
	t, err := entity.NewTenant(tenant)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidArgument, err)
	}
	m := &mover{cfg: cfg, o: o, tenant: t, began: time.Now(), fences: make(map[string]bool, route.FenceShards)}
	for i := range route.FenceShards {
		m.fences[route.FenceKey(t.ID(), i).SK] = true
	}
	m.res = Result{Tenant: t.ID(), Phases: map[route.Phase]time.Duration{}, DryRun: o.DryRun}
	return m, nil
}

// The crash points of the tests' hook, one per phase: in the middle of
// the copy (after its first page), of the catch-up (after its first
// round, before its checkpoint is saved), of the pause (the source
// fenced, before the comparison), right after the switch is
// recorded, and in the middle of the purge (after its first batch).
const (
	crashCopy    = "copy"
	crashCatchup = "catchup"
	crashPause   = "pause"
	crashSwitch  = "switch"
	crashPurge   = "purge"
)

func (m *mover) crash(point string) error {
	if m.o.hook != nil {
		return m.o.hook(point)
	}
	return nil
}

// report calls Options.Progress.
func (m *mover) report(phase route.Phase, final bool) {
	if m.o.Progress == nil {
		return
	}
	m.mu.Lock()
	p := Progress{Tenant: m.res.Tenant, Phase: phase, Copied: m.res.Copied, Applied: m.res.Applied,
		Repaired: m.res.Repaired, Purged: m.res.Purged, Elapsed: time.Since(m.began), Final: final}
	m.mu.Unlock()
	m.o.Progress(p)
}

// count adds to one of the result's counts.
func (m *mover) count(n *int, d int) {
	m.mu.Lock()
	*n += d
	m.mu.Unlock()
}

// timed runs fn as phase and adds its duration to the result.
func (m *mover) timed(phase route.Phase, fn func() error) error {
	start := time.Now()
	m.report(phase, false)
	err := fn()
	m.res.Phases[phase] += time.Since(start)
	return err
}

// newMoveID returns a random ID for a move.
func newMoveID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// open opens the source and destination of the move from to; with create,
// the destination is created when missing.
func (m *mover) open(ctx context.Context, from, to string, create bool) error {
	var err error
	if m.src, err = m.cfg.Tables.Open(ctx, from); err != nil {
		return fmt.Errorf("move: open the source table %q: %w", from, err)
	}
	feed, ok := m.src.(backend.ChangeFeed)
	if !ok {
		return fmt.Errorf("move: the source table %q: %w", from, ErrNoChangeFeed)
	}
	m.feed = feed
	if create {
		m.dst, err = m.cfg.Tables.Create(ctx, to)
	} else {
		m.dst, err = m.cfg.Tables.Open(ctx, to)
	}
	if err != nil {
		return fmt.Errorf("move: open the destination table %q: %w", to, err)
	}
	if sameTable(m.src, m.dst) {
		return fmt.Errorf("%w: source %q and destination %q are one table", ErrInvalidArgument, from, to)
	}
	return nil
}

// sameTable reports whether a and b are one table: one comparable value, or
// two backends of the same table name (the DynamoDB backend's Table).
func sameTable(a, b backend.Backend) bool {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	if va.Type() == vb.Type() && va.Comparable() && vb.Comparable() && a == b {
		return true
	}
	type named interface{ Table() string }
	na, ok1 := a.(named)
	nb, ok2 := b.(named)
	return ok1 && ok2 && na.Table() == nb.Table()
}

// put writes p to the catalog over the record last read or written, and
// keeps the result.
func (m *mover) put(ctx context.Context, p route.Placement) error {
	p.Version = m.p.Version
	if p.Move != nil {
		mv := *p.Move
		mv.Updated = m.o.Clock()
		p.Move = &mv
	}
	np, err := m.cfg.Catalog.Put(ctx, p)
	if errors.Is(err, route.ErrStalePlacement) {
		return fmt.Errorf("%w (tenant %s)", ErrMoveChanged, m.tenant.ID())
	}
	if err != nil {
		return fmt.Errorf("move: catalog: %w", err)
	}
	m.p = np
	return nil
}

// setPhase records the move in phase, with the feed checkpoint cp.
func (m *mover) setPhase(ctx context.Context, phase route.Phase, cp string) error {
	p := m.p
	mv := *p.Move
	mv.Phase, mv.Checkpoint = phase, cp
	p.Move = &mv
	return m.put(ctx, p)
}

// check reports ErrMoveChanged when the catalog's record is no longer the
// one the mover wrote last (a Cancel, or another mover).
func (m *mover) check(ctx context.Context) error {
	p, err := m.cfg.Catalog.LookupFresh(ctx, m.tenant.ID())
	if err != nil {
		return fmt.Errorf("move: catalog: %w", err)
	}
	if p.Version != m.p.Version {
		return fmt.Errorf("%w (tenant %s)", ErrMoveChanged, m.tenant.ID())
	}
	return nil
}

// settle waits until every router's cached placement is newer than at:
// the catalog's MaxStale and Options.Settle after it.
func (m *mover) settle(ctx context.Context, at time.Time) error {
	return m.waitFrom(ctx, at, sum(m.cfg.Catalog.MaxStale(), m.o.Settle))
}

// settleWrites is settle, and also waits out the catalog's WriteTimeout,
// which bounds every write a router sends from the lookup that chose its
// table: then a write a router sent on the placement before at is done,
// or was given up (route.CatalogOptions.WriteTimeout).
func (m *mover) settleWrites(ctx context.Context, at time.Time) error {
	return m.waitFrom(ctx, at, sum(m.cfg.Catalog.MaxStale(), m.cfg.Catalog.WriteTimeout(), m.o.Settle))
}

// sum returns the sum of the durations (none below 0), at most the
// longest time.Duration: a catalog's huge MaxStale or WriteTimeout must
// not wrap around to a wait of none.
func sum(ds ...time.Duration) time.Duration {
	var t time.Duration
	for _, d := range ds {
		if t > math.MaxInt64-d {
			return math.MaxInt64
		}
		t += d
	}
	return t
}

// waitFrom waits until full after at, and at most full.
func (m *mover) waitFrom(ctx context.Context, at time.Time, full time.Duration) error {
	d := at.Add(full).Sub(m.o.Clock())
	d = min(d, full) // a clock that went back, or another host's
	if d <= 0 {
		return nil
	}
	return wait.Sleep(ctx, d)
}

// run is Run.
func (m *mover) run(ctx context.Context, to string) (Result, error) {
	m.res.To = to
	start := time.Now()
	p, err := m.cfg.Catalog.LookupFresh(ctx, m.tenant.ID())
	if err != nil {
		return m.res, fmt.Errorf("move: catalog: %w", err)
	}
	m.p = p
	m.res.From = p.Table
	if p.Move != nil {
		m.res.MoveID = p.Move.ID
		return m.res, fmt.Errorf("%w: tenant %s, phase %s, to %q: Resume or Cancel it", ErrInProgress, m.tenant.ID(), p.Move.Phase, p.Move.To)
	}
	if to == p.Table {
		return m.res, fmt.Errorf("%w: tenant %s is in table %q already", ErrInvalidArgument, m.tenant.ID(), displayTable(to))
	}
	if m.o.DryRun {
		return m.dryRun(ctx, p.Table, to)
	}
	if err := m.open(ctx, p.Table, to, true); err != nil {
		return m.res, err
	}
	if err := m.checkDestEmpty(ctx); err != nil {
		return m.res, err
	}
	head, err := feedEnd(ctx, m.feed)
	if err != nil {
		return m.res, fmt.Errorf("move: the source's change feed: %w", err)
	}
	now := m.o.Clock()
	mv := &route.Move{ID: newMoveID(), From: p.Table, To: to, Phase: route.PhaseCopy, Checkpoint: head, Started: now}
	p.Move = mv
	if err := m.put(ctx, p); err != nil {
		return m.res, err
	}
	m.res.MoveID = mv.ID
	m.res.Phases[route.PhasePrepare] = time.Since(start)
	return m.from(ctx, route.PhaseCopy)
}

// feedEnd returns a checkpoint of feed at or before its newest change: it
// reads the feed from its oldest change kept until a read reaches the end
// of every shard. (backend.ChangeFeed.ChangeHead reads until a read
// returns nothing, which on DynamoDB Streams under steady writes may not
// come.) Any checkpoint taken before the copy starts is correct for a
// move; a later one means less to catch up.
func feedEnd(ctx context.Context, feed backend.ChangeFeed) (string, error) {
	in := backend.ReadChangesInput{Limit: backend.MaxChangeLimit}
	for {
		out, err := feed.ReadChanges(ctx, in)
		if err != nil {
			return "", err
		}
		in.From = out.Next
		if len(out.Changes) < in.Limit {
			return out.Next, nil
		}
	}
}

// displayTable names a table for messages: "the pool" for "".
func displayTable(t string) string {
	if t == "" {
		return "the pool"
	}
	return t
}

// dryRun checks what Run would do.
func (m *mover) dryRun(ctx context.Context, from, to string) (Result, error) {
	if err := m.open(ctx, from, to, false); err != nil {
		if !errors.Is(err, route.ErrNoTable) || m.src == nil || m.feed == nil {
			return m.res, err
		}
		m.dst = nil // Run would create it
	}
	if m.dst != nil {
		if err := m.checkDestEmpty(ctx); err != nil {
			return m.res, err
		}
	}
	if _, err := m.feed.ReadChanges(ctx, backend.ReadChangesInput{Limit: 1}); err != nil {
		return m.res, fmt.Errorf("move: the source's change feed: %w", err)
	}
	n := 0
	err := readPartition(ctx, m.src, m.tenant.PartitionKey(), m.o.PageSize, func(items []backend.Item) error {
		for _, it := range items {
			if !m.fences[sortKey(it)] {
				n++
			}
		}
		return nil
	})
	if err != nil {
		return m.res, err
	}
	m.res.Copied = n
	m.report(route.PhasePrepare, true)
	return m.res, nil
}

// checkDestEmpty reports ErrDestNotEmpty when the destination holds an item
// of the tenant.
func (m *mover) checkDestEmpty(ctx context.Context) error {
	out, err := m.dst.Query(ctx, backend.QueryInput{PK: m.tenant.PartitionKey(), Range: backend.SortRange{Op: backend.BeginsWith}, Limit: 1, ConsistentRead: true})
	if err != nil {
		return fmt.Errorf("move: read the destination: %w", err)
	}
	if len(out.Items) > 0 {
		return fmt.Errorf("%w: tenant %s in table %q", ErrDestNotEmpty, m.tenant.ID(), displayTable(m.res.To))
	}
	return nil
}

// resume is Resume.
func (m *mover) resume(ctx context.Context) (Result, error) {
	p, err := m.cfg.Catalog.LookupFresh(ctx, m.tenant.ID())
	if err != nil {
		return m.res, fmt.Errorf("move: catalog: %w", err)
	}
	m.p = p
	if p.Move == nil {
		m.res.From, m.res.To = p.Table, p.Table
		return m.res, fmt.Errorf("%w: tenant %s", ErrNoMove, m.tenant.ID())
	}
	mv := p.Move
	m.res.MoveID, m.res.From, m.res.To, m.res.ResumedAt = mv.ID, mv.From, mv.To, mv.Phase
	phase := mv.Phase
	if phase == route.PhasePrepare {
		phase = route.PhaseCopy
	}
	if err := m.open(ctx, mv.From, mv.To, phase == route.PhaseCopy); err != nil {
		return m.res, err
	}
	return m.from(ctx, phase)
}

// from goes on with the move from phase to its end.
func (m *mover) from(ctx context.Context, phase route.Phase) (Result, error) {
	steps := []struct {
		phase route.Phase
		do    func(context.Context) error
	}{
		{route.PhaseCopy, m.copyPhase},
		{route.PhaseCatchup, m.catchupPhase},
		{route.PhasePause, m.pausePhase},
		{route.PhaseSwitched, m.purgePhase},
	}
	if phase == route.PhasePurge {
		phase = route.PhaseSwitched
	}
	started := false
	for _, s := range steps {
		if s.phase == phase {
			started = true
		}
		if !started {
			continue
		}
		if err := s.do(ctx); err != nil {
			return m.res, err
		}
	}
	if !started {
		return m.res, fmt.Errorf("move: the catalog records the move in an unknown phase %q", phase)
	}
	m.report(route.PhasePurge, true)
	return m.res, nil
}

// copyPhase deletes stray fence items from the source, then copies the
// source's partition into the destination, after waiting for every router
// to fence the tenant's writes.
func (m *mover) copyPhase(ctx context.Context) error {
	// Fence items in the source before the pause are strays (an import of
	// an export taken during another move's pause, another client's
	// writes): from the move's record on they would fail the routers'
	// fenced writes of the tenant, so they go first. This move writes its
	// own only at its pause, and no other move of the tenant can while this
	// one is recorded; a Resume in the copy deletes them again.
	if err := m.unfence(ctx); err != nil {
		return err
	}
	err := m.timed(route.PhaseCopy, func() error {
		if err := m.settle(ctx, m.p.Move.Started); err != nil {
			return err
		}
		w := m.newWriter(m.dst)
		first := true
		err := readPartition(ctx, m.src, m.tenant.PartitionKey(), m.o.PageSize, func(items []backend.Item) error {
			if err := m.check(ctx); err != nil {
				return err
			}
			var writes []backend.WriteRequest
			for _, it := range items {
				if !m.fences[sortKey(it)] {
					writes = append(writes, backend.WriteRequest{Put: it})
				}
			}
			m.bounds = append(m.bounds, sortKey(items[len(items)-1]))
			if err := w.write(ctx, writes, &m.res.Copied); err != nil {
				return err
			}
			m.report(route.PhaseCopy, false)
			if first {
				first = false
				return m.crash(crashCopy)
			}
			return nil
		})
		if err != nil {
			return err
		}
		return m.setPhase(ctx, route.PhaseCatchup, m.p.Move.Checkpoint)
	})
	return err
}

// checkpointEvery is how often the catch-up saves its checkpoint.
const checkpointEvery = time.Second

// feedLimit is how many changes one read of the source's feed asks for.
const feedLimit = backend.DefaultChangeLimit

// catchupPhase applies the source's changes from the recorded checkpoint
// until the tenant's changes in a read that reaches the feed's end are
// few.
func (m *mover) catchupPhase(ctx context.Context) error {
	return m.timed(route.PhaseCatchup, func() error {
		cp := m.p.Move.Checkpoint
		saved := time.Now()
		for round := 0; ; round++ {
			out, err := m.feed.ReadChanges(ctx, backend.ReadChangesInput{From: cp, Limit: feedLimit})
			if err != nil {
				return fmt.Errorf("move: read the source's change feed: %w", err)
			}
			n, err := m.apply(ctx, out.Changes)
			if err != nil {
				return err
			}
			m.report(route.PhaseCatchup, false)
			if round == 0 {
				if err := m.crash(crashCatchup); err != nil {
					return err
				}
			}
			cp = out.Next
			done := len(out.Changes) < feedLimit && n <= m.o.CatchupLag
			if done {
				break
			}
			if time.Since(saved) >= checkpointEvery {
				if err := m.setPhase(ctx, route.PhaseCatchup, cp); err != nil {
					return err
				}
				saved = time.Now()
			}
		}
		return m.setPhase(ctx, route.PhasePause, cp)
	})
}

// apply writes the changes of the tenant among changes into the
// destination: the newest image of each item, or its deletion. It returns
// how many changes were the tenant's.
func (m *mover) apply(ctx context.Context, changes []backend.Change) (int, error) {
	pk := m.tenant.PartitionKey()
	last := make(map[string]int) // sort key -> index in writes
	var writes []backend.WriteRequest
	n := 0
	for _, c := range changes {
		if c.Key.PK != pk || c.Key.SK == "" || m.fences[c.Key.SK] {
			continue
		}
		n++
		var w backend.WriteRequest
		switch {
		case c.Kind == backend.ChangeRemove:
			k := backend.Key{PK: pk, SK: c.Key.SK}
			w.Delete = &k
		case c.New != nil:
			w.Put = c.New
		default:
			continue
		}
		if i, ok := last[c.Key.SK]; ok {
			writes[i] = w // a later change of the same item
			continue
		}
		last[c.Key.SK] = len(writes)
		writes = append(writes, w)
	}
	if len(writes) == 0 {
		return n, nil
	}
	if err := m.newWriter(m.dst).write(ctx, writes, nil); err != nil {
		return n, err
	}
	m.count(&m.res.Applied, n)
	return n, nil
}

// pausePhase fences the source, makes the destination equal to the source
// (the changes since the catch-up's last read are few), and switches the
// catalog to the destination.
func (m *mover) pausePhase(ctx context.Context) error {
	// Before the fence: the unfenced writes routers sent before they saw
	// the move are done, or were given up, by then, so none lands after
	// the comparison. The copy and catch-up usually took longer already.
	if err := m.settleWrites(ctx, m.p.Move.Started); err != nil {
		return err
	}
	err := m.timed(route.PhasePause, func() error {
		if m.p.Move.Phase != route.PhasePause {
			if err := m.setPhase(ctx, route.PhasePause, m.p.Move.Checkpoint); err != nil {
				return err
			}
		}
		if m.bounds == nil {
			// Resumed after the copy: split the comparison as the copy
			// would have.
			if err := m.findBounds(ctx); err != nil {
				return err
			}
		}
		// A last read of the feed, so that few changes are left to the
		// comparison.
		out, err := m.feed.ReadChanges(ctx, backend.ReadChangesInput{From: m.p.Move.Checkpoint, Limit: feedLimit})
		if err != nil {
			return fmt.Errorf("move: read the source's change feed: %w", err)
		}
		if _, err := m.apply(ctx, out.Changes); err != nil {
			return err
		}
		paused := time.Now()
		if err := m.fence(ctx); err != nil {
			return err
		}
		if err := m.crash(crashPause); err != nil {
			return err
		}
		if err := m.repair(ctx); err != nil {
			return err
		}
		p := m.p
		mv := *p.Move
		mv.Phase = route.PhaseSwitched
		p.Move, p.Table = &mv, mv.To
		if err := m.put(ctx, p); err != nil {
			return err
		}
		m.res.Pause = time.Since(paused)
		return nil
	})
	if err != nil {
		return err
	}
	return m.crash(crashSwitch)
}

// fence writes the fence items into the source: from then on every write
// of the tenant a router sends there fails its fence check.
func (m *mover) fence(ctx context.Context) error {
	writes := make([]backend.WriteRequest, 0, route.FenceShards)
	for i := range route.FenceShards {
		k := route.FenceKey(m.tenant.ID(), i)
		writes = append(writes, backend.WriteRequest{Put: fenceItem(k, m.p.Move.ID)})
	}
	return m.newWriter(m.src).write(ctx, writes, nil)
}

// unfence deletes the fence items from the source.
func (m *mover) unfence(ctx context.Context) error {
	writes := make([]backend.WriteRequest, 0, route.FenceShards)
	for i := range route.FenceShards {
		k := route.FenceKey(m.tenant.ID(), i)
		writes = append(writes, backend.WriteRequest{Delete: &backend.Key{PK: k.PK, SK: k.SK}})
	}
	return m.newWriter(m.src).write(ctx, writes, nil)
}

// purgePhase waits for every router to see the switch, then deletes the
// tenant's partition from the source, fence items last, and removes the
// move from the catalog.
func (m *mover) purgePhase(ctx context.Context) error {
	return m.timed(route.PhasePurge, func() error {
		// The fenced writes routers sent to the source before they saw
		// the switch are done, or were given up, before the fence items
		// go: none can pass its fence check after.
		if err := m.settleWrites(ctx, m.p.Move.Updated); err != nil {
			return err
		}
		if m.p.Move.Phase != route.PhasePurge {
			if err := m.setPhase(ctx, route.PhasePurge, m.p.Move.Checkpoint); err != nil {
				return err
			}
		}
		if err := m.purge(ctx, m.src, true, &m.res.Purged); err != nil {
			return err
		}
		p := m.p
		p.Move = nil
		return m.put(ctx, p)
	})
}

// cancel is Cancel.
func (m *mover) cancel(ctx context.Context) error {
	p, err := m.cfg.Catalog.LookupFresh(ctx, m.tenant.ID())
	if err != nil {
		return fmt.Errorf("move: catalog: %w", err)
	}
	m.p = p
	if p.Move == nil {
		return fmt.Errorf("%w: tenant %s", ErrNoMove, m.tenant.ID())
	}
	mv := p.Move
	if !mv.Fenced() {
		return fmt.Errorf("%w: tenant %s, phase %s", ErrTooLate, m.tenant.ID(), mv.Phase)
	}
	m.res.MoveID, m.res.From, m.res.To = mv.ID, mv.From, mv.To
	// A new version first: a Run still going stops at its next step.
	if err := m.put(ctx, p); err != nil {
		return err
	}
	if m.src, err = m.cfg.Tables.Open(ctx, mv.From); err != nil {
		return fmt.Errorf("move: open the source table %q: %w", mv.From, err)
	}
	if err := m.unfence(ctx); err != nil {
		return err
	}
	dst, err := m.cfg.Tables.Open(ctx, mv.To)
	switch {
	case errors.Is(err, route.ErrNoTable):
		// Never made: nothing to delete.
	case err != nil:
		return fmt.Errorf("move: open the destination table %q: %w", mv.To, err)
	default:
		if sameTable(m.src, dst) {
			return fmt.Errorf("%w: source %q and destination %q are one table", ErrInvalidArgument, mv.From, mv.To)
		}
		var purged int
		if err := m.purge(ctx, dst, false, &purged); err != nil {
			return err
		}
	}
	p = m.p
	p.Move = nil
	return m.put(ctx, p)
}
