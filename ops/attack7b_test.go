package ops_test

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/move"
	"github.com/tenantrepo/tenantrepo/ops"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/route"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

type a7bNote struct {
	ID   string `dynamodbav:"id"`
	Text string `dynamodbav:"text"`
}

func (a7bNote) EntityPrefix() string     { return "note" }
func (n a7bNote) EntityID() string       { return n.ID }
func (n *a7bNote) SetEntityID(id string) { n.ID = id }

// a7bHookStore is a table's memory store whose fence writes (the move's)
// call after once they are stored.
type a7bHookStore struct {
	*memory.Store
	after func()
}

func (s a7bHookStore) BatchWrite(ctx context.Context, in backend.BatchWriteInput) (backend.BatchWriteOutput, error) {
	out, err := s.Store.BatchWrite(ctx, in)
	for _, w := range in.Writes {
		if w.Put != nil {
			if k, ok := backend.KeyOf(w.Put); ok && route.IsFenceKey(k) && err == nil {
				s.after()
				break
			}
		}
	}
	return out, err
}

type a7bHookTables struct {
	*route.MemoryTables
	after func()
}

func (t a7bHookTables) Open(ctx context.Context, table string) (backend.Backend, error) {
	b, err := t.MemoryTables.Open(ctx, table)
	if st, ok := b.(*memory.Store); ok && err == nil {
		return a7bHookStore{Store: st, after: t.after}, nil
	}
	return b, err
}

// a7bEnv: a pool with tenants "a" and "b", a silo holding "s".
type a7bEnv struct {
	pool   *memory.Store
	tables *route.MemoryTables
	cat    *route.Catalog
	r      *route.Router
}

func a7bCatalog(t *testing.T, pool backend.Backend) *route.Catalog {
	c, err := route.NewCatalog(pool, func(o *route.CatalogOptions) {
		o.MaxStale, o.WriteTimeout = 20*time.Millisecond, 50*time.Millisecond
	})
	require.NoError(t, err)
	return c
}

func newA7bEnv(t *testing.T) *a7bEnv {
	ctx := t.Context()
	e := &a7bEnv{pool: memory.New(memory.WithChangeFeed(memory.FeedOptions{}))}
	e.tables = route.NewMemoryTables(e.pool, "silo-{tenant}")
	e.cat = a7bCatalog(t, e.pool)
	var err error
	e.r, err = route.New(a7bCatalog(t, e.pool), e.tables, func(o *route.Options) { o.PauseWait = 50 * time.Millisecond })
	require.NoError(t, err)
	_, err = e.tables.Create(ctx, "silo-s")
	require.NoError(t, err)
	_, err = e.cat.Put(ctx, route.Placement{Tenant: "s", Table: "silo-s"})
	require.NoError(t, err)
	notes := repo.MustNew[a7bNote](e.r)
	for _, tn := range []string{"a", "b", "s"} {
		for i := range 3 {
			_, err := notes.Create(tenantctx.MustWithTenant(ctx, tn), a7bNote{ID: fmt.Sprint(i), Text: tn})
			require.NoError(t, err)
		}
	}
	return e
}

// pauseStopped moves tenant a to "silo-a" and stops the move right after
// its fence items are written: the tenant is left paused.
func (e *a7bEnv) pauseStopped(t *testing.T, tenant, to string) {
	mctx, cancel := context.WithCancel(t.Context())
	var once sync.Once
	cfg := move.Config{Catalog: e.cat, Tables: a7bHookTables{MemoryTables: e.tables, after: func() { once.Do(cancel) }}}
	_, err := move.Run(mctx, cfg, tenant, to, func(o *move.Options) { o.Settle = time.Millisecond })
	require.Error(t, err)
	p, err := e.cat.LookupFresh(t.Context(), tenant)
	require.NoError(t, err)
	require.NotNil(t, p.Move)
	require.Equal(t, route.PhasePause, p.Move.Phase)
}

// a7bItems returns the sort keys of partition pk in b, fence items too.
func a7bItems(t *testing.T, b backend.Backend, pk string) []string {
	t.Helper()
	out, err := b.Query(context.Background(), backend.QueryInput{PK: pk, Limit: 1000, ConsistentRead: true})
	require.NoError(t, err)
	var sks []string
	for _, it := range out.Items {
		k, _ := backend.KeyOf(it)
		sks = append(sks, k.SK)
	}
	return sks
}

func a7bFences(sks []string) int {
	n := 0
	for _, sk := range sks {
		if strings.HasPrefix(sk, "#move#") {
			n++
		}
	}
	return n
}

// TestAttack7bOpsOnPausedTenant: a move stopped in its pause leaves 16
// fence items in the tenant's partition of the source. Through the
// router, Export, Stats and a dry-run Purge used to return and count them
// (ByType "" with 16 items), and Purge, Copy and Import of such an export
// failed with route.ErrCrossTenant ("a request must name keys of one
// tenant", not retryable) at the first fence item. Now the router's
// table queries leave fence items out: the tenant's data only, and a
// Purge fails with the retryable route.ErrMoving, deleting nothing. Other
// tenants and the fence items are untouched, and the move resumes to the
// end with every item in the silo.
func TestAttack7bOpsOnPausedTenant(t *testing.T) {
	e := newA7bEnv(t)
	e.pauseStopped(t, "a", "silo-a")
	ctx := tenantctx.MustWithTenant(t.Context(), "a")
	before := map[string][]string{"a": a7bItems(t, e.pool, "tenant#a"), "b": a7bItems(t, e.pool, "tenant#b"), "s": a7bItems(t, e.tables.Store("silo-s"), "tenant#s")}
	require.Equal(t, route.FenceShards, a7bFences(before["a"]))

	var buf bytes.Buffer
	m, err := ops.Export(ctx, e.r, &buf)
	require.NoError(t, err)
	assert.EqualValues(t, 3, m.ItemCount)
	assert.NotContains(t, buf.String(), "#move#")
	assert.Equal(t, []string{"note"}, slices.Collect(maps.Keys(m.ByType)))

	st, err := ops.Stats(ctx, e.r)
	require.NoError(t, err)
	assert.EqualValues(t, 3, st.Items)
	assert.Len(t, st.ByType, 1)

	dry, err := ops.Purge(ctx, e.r, ops.WithDryRun())
	require.NoError(t, err)
	assert.EqualValues(t, 3, dry.Done)

	_, err = ops.Purge(ctx, e.r)
	require.ErrorIs(t, err, route.ErrMoving)
	require.ErrorIs(t, err, backend.ErrThrottled)

	cres, err := ops.Copy(ctx, e.r, tenantctx.MustWithTenant(t.Context(), "c"), e.r)
	require.NoError(t, err)
	assert.EqualValues(t, 3, cres.Dest.Items)
	ires, err := ops.Import(tenantctx.MustWithTenant(t.Context(), "d"), e.r, bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	assert.EqualValues(t, 3, ires.Done)
	for _, tn := range []string{"c", "d"} {
		assert.Len(t, a7bItems(t, e.pool, "tenant#"+tn), 3, tn)
	}

	// Nothing of a, b or s changed; a is still paused.
	assert.Equal(t, before["a"], a7bItems(t, e.pool, "tenant#a"))
	assert.Equal(t, before["b"], a7bItems(t, e.pool, "tenant#b"))
	assert.Equal(t, before["s"], a7bItems(t, e.tables.Store("silo-s"), "tenant#s"))
	assert.Empty(t, a7bItems(t, e.tables.Store("silo-s"), "tenant#a"))

	_, err = move.Resume(t.Context(), move.Config{Catalog: e.cat, Tables: e.tables}, "a", func(o *move.Options) { o.Settle = time.Millisecond })
	require.NoError(t, err)
	assert.Empty(t, a7bItems(t, e.pool, "tenant#a"), "nothing of a left in the pool")
	assert.Equal(t, []string{"note#0", "note#1", "note#2"}, a7bItems(t, e.tables.Store("silo-a"), "tenant#a"))
	st, err = ops.Stats(ctx, e.r)
	require.NoError(t, err)
	assert.EqualValues(t, 3, st.Items)
}

// TestAttack7bOpsDuringMovePhases: ops through a router at each phase of
// a move of a from the pool to its silo (acting from the move's Progress
// hook, which the move waits for): an Import at the copy, a Copy to
// another tenant at the catch-up, Export and Stats at each phase. Every
// read sees the tenant's whole data and nothing else; after the move the
// silo holds all of it, the pool nothing of it, and the other tenants
// their own.
func TestAttack7bOpsDuringMovePhases(t *testing.T) {
	e := newA7bEnv(t)
	ctx := tenantctx.MustWithTenant(t.Context(), "a")
	notes := repo.MustNew[a7bNote](e.r)
	xctx := tenantctx.MustWithTenant(t.Context(), "x")
	for i := range 5 {
		_, err := notes.Create(xctx, a7bNote{ID: fmt.Sprintf("x%d", i), Text: "x"})
		require.NoError(t, err)
	}
	var xdata bytes.Buffer
	_, err := ops.Export(xctx, e.r, &xdata)
	require.NoError(t, err)

	want := 3
	done := map[route.Phase]bool{}
	var errs []error
	check := func(phase route.Phase) {
		var buf bytes.Buffer
		m, err := ops.Export(ctx, e.r, &buf)
		if err != nil || m.ItemCount != int64(want) || strings.Contains(buf.String(), "#move#") || strings.Contains(buf.String(), `"tenant#x"`) {
			errs = append(errs, fmt.Errorf("%s: export: %v, %d items, want %d", phase, err, m.ItemCount, want))
		}
		st, err := ops.Stats(ctx, e.r)
		if err != nil || st.Items != int64(want) {
			errs = append(errs, fmt.Errorf("%s: stats: %v, %d items, want %d", phase, err, st.Items, want))
		}
	}
	progress := func(p move.Progress) {
		if done[p.Phase] || p.Final {
			return
		}
		done[p.Phase] = true
		check(p.Phase)
		switch p.Phase {
		case route.PhaseCopy:
			if _, err := ops.Import(ctx, e.r, bytes.NewReader(xdata.Bytes())); err != nil {
				errs = append(errs, fmt.Errorf("import: %w", err))
			}
			want += 5
			check(p.Phase)
		case route.PhaseCatchup:
			if _, err := ops.Copy(ctx, e.r, tenantctx.MustWithTenant(t.Context(), "c"), e.r); err != nil {
				errs = append(errs, fmt.Errorf("copy: %w", err))
			}
		}
	}
	_, err = move.Run(t.Context(), move.Config{Catalog: e.cat, Tables: e.tables}, "a", "silo-a",
		move.WithProgress(progress), func(o *move.Options) { o.Settle = time.Millisecond })
	require.NoError(t, err)
	require.Empty(t, errs)
	for _, ph := range []route.Phase{route.PhaseCopy, route.PhaseCatchup, route.PhasePause, route.PhasePurge} {
		assert.True(t, done[ph], ph)
	}
	check("after")
	require.Empty(t, errs)
	assert.Empty(t, a7bItems(t, e.pool, "tenant#a"))
	assert.Len(t, a7bItems(t, e.tables.Store("silo-a"), "tenant#a"), 8)
	assert.Len(t, a7bItems(t, e.pool, "tenant#c"), 8)
	assert.Len(t, a7bItems(t, e.pool, "tenant#b"), 3)
	assert.Len(t, a7bItems(t, e.pool, "tenant#x"), 5)
	assert.Len(t, a7bItems(t, e.tables.Store("silo-s"), "tenant#s"), 3)
	for _, name := range []string{"silo-a", "silo-s"} {
		for _, tn := range []string{"b", "c", "x"} {
			assert.Empty(t, a7bItems(t, e.tables.Store(name), "tenant#"+tn), name+"/"+tn)
		}
	}
}

// TestAttack7bImportPlantsFences: an export of a paused tenant taken from
// its table without a router (tenantctl --table pool export, the README's
// way to pipe a tenant into a silo) holds the 16 fence items, and
// importing it without a router writes them into the importing tenant's
// partition. They are harmless while no move is recorded (routers write
// unfenced), and a move of that tenant deletes them as soon as it is
// recorded: its writes through a router during the copy succeed instead of
// failing with route.ErrMoving, and nothing of the strays is left.
func TestAttack7bImportPlantsFences(t *testing.T) {
	e := newA7bEnv(t)
	e.pauseStopped(t, "a", "silo-a")
	var buf bytes.Buffer
	m, err := ops.Export(tenantctx.MustWithTenant(t.Context(), "a"), e.pool, &buf)
	require.NoError(t, err)
	require.EqualValues(t, 3+route.FenceShards, m.ItemCount, "a plain export holds the fence items")
	_, err = ops.Import(tenantctx.MustWithTenant(t.Context(), "d"), e.pool, bytes.NewReader(buf.Bytes()), ops.WithManifest(&m))
	require.NoError(t, err)
	require.Equal(t, route.FenceShards, a7bFences(a7bItems(t, e.pool, "tenant#d")), "planted")

	notes := repo.MustNew[a7bNote](e.r)
	dctx := tenantctx.MustWithTenant(t.Context(), "d")
	var during error
	var once sync.Once
	_, err = move.Run(t.Context(), move.Config{Catalog: e.cat, Tables: e.tables}, "d", "silo-d",
		func(o *move.Options) { o.Settle = time.Millisecond },
		move.WithProgress(func(p move.Progress) {
			if p.Phase == route.PhaseCopy {
				once.Do(func() { _, during = notes.Put(dctx, a7bNote{ID: "during", Text: "d"}) })
			}
		}))
	require.NoError(t, err)
	require.NoError(t, during, "a write during the copy is not fenced by the strays")
	assert.Zero(t, a7bFences(a7bItems(t, e.pool, "tenant#d")), "no stray left in the source")
	silo, err := e.tables.Open(t.Context(), "silo-d")
	require.NoError(t, err)
	got := a7bItems(t, silo, "tenant#d")
	assert.Zero(t, a7bFences(got), "none copied")
	assert.Len(t, got, 3+1, "a's 3 notes, imported, and the write made during the copy")
}
