package route_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/move"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/route"
	"github.com/tenantrepo/tenantrepo/tenantctx"
	"github.com/tenantrepo/tenantrepo/tenantslog"
)

// TestAttack7bQueryHidesFences: a table query through the router never
// returns a move's fence items, whatever its page size, direction or
// range, on both backends alike: pages read to the end give exactly the
// tenant's own items. Fence items sort first in the partition ('#'), so a
// partition read (ops.Export, Stats, Purge) used to get them first.
func TestAttack7bQueryHidesFences(t *testing.T) {
	onBoth(t, func(t *testing.T, newF func(*testing.T, ...func(*route.Options)) *fixture) {
		f := newF(t)
		ctx := t.Context()
		for _, sk := range []string{"!x", "#mov", "u#1", "u#2"} {
			require.NoError(t, f.r.Put(ctx, backend.PutInput{Item: item("tenant#a", sk)}))
		}
		// Items near the fence keys that another program wrote (the
		// router refuses every sort key starting "#move#"): not fences.
		for _, sk := range []string{"#move#", "#move#16", "#move#99"} {
			require.NoError(t, f.pool.Put(ctx, backend.PutInput{Item: item("tenant#a", sk)}))
		}
		f.startMove(t, "a", route.PhasePause)
		f.fence(t, "a")
		require.Equal(t, 7+route.FenceShards, count(t, f.pool, "tenant#a"))
		for _, limit := range []int{1, 2, 3, 17, 100} {
			for _, desc := range []bool{false, true} {
				for _, rg := range []backend.SortRange{{Op: backend.BeginsWith}, {Op: backend.BeginsWith, Lo: "#move#"}, {Op: backend.Between, Lo: "!", Hi: "#move#99"}} {
					var got []string
					in := backend.QueryInput{PK: "tenant#a", Range: rg, Limit: limit, Descending: desc, ConsistentRead: true}
					for range 100 {
						out, err := f.r.Query(ctx, in)
						require.NoError(t, err)
						for _, it := range out.Items {
							k, _ := backend.KeyOf(it)
							assert.False(t, route.IsFenceKey(k), "%s: limit %d desc %v", k.SK, limit, desc)
							got = append(got, k.SK)
						}
						if out.LastKey == nil {
							break
						}
						in.StartKey = out.LastKey
					}
					want := map[string]int{"": 7, "#move#": 3, "!": 5}[rg.Lo]
					if rg.Op == backend.Between {
						want = 5
					}
					assert.Len(t, got, want, "range %+v limit %d desc %v: %v", rg, limit, desc, got)
				}
			}
		}
		// A tenant reads its own fence item by key (allowed, as before).
		_, err := f.r.Get(ctx, backend.GetInput{Key: route.FenceKey("a", 0), ConsistentRead: true})
		require.NoError(t, err)
	})
}

// a7bObserver records each call's tenant, op and usage; its Start makes
// the call go on in a context naming another tenant (other maps each
// tenant to it).
type a7bObserver struct {
	other map[string]string
	calls []string
}

func (o *a7bObserver) Start(ctx context.Context, c *repo.Call) context.Context {
	if to, ok := o.other[c.Tenant]; ok {
		return tenantctx.MustWithTenant(ctx, to)
	}
	return ctx
}

func (o *a7bObserver) End(_ context.Context, c *repo.Call) {
	total := c.Usage.Capacity.Total()
	o.calls = append(o.calls, fmt.Sprintf("%s %s items=%d req=%d r=%g w=%g err=%v", c.Tenant, c.Op, c.Items, c.Usage.Requests, total.Read, total.Write, c.Kind))
}

// TestAttack7bObserverOverRouter: a repository over a Router, its catalog
// read on every call (no cache), with an observer whose Start switches
// each call's context to the other tenant (silo s <-> pool p): every
// call reports its own tenant and exactly the usage the same call has on
// a plain table (the catalog's reads are not the tenant's), and each
// tenant's items stay in its own table. tenantslog logs the same tenant
// and units.
func TestAttack7bObserverOverRouter(t *testing.T) {
	ctx := t.Context()
	run := func(b backend.Backend, obs repo.Observer) {
		notes := repo.MustNew[Note](b, func(o *repo.Options) { o.Observer = obs })
		for _, tn := range []string{"s", "p"} {
			c := tenantctx.MustWithTenant(ctx, tn)
			_, err := notes.Create(c, Note{ID: "1", Text: tn})
			require.NoError(t, err)
			_, err = notes.Put(c, Note{ID: "2", Text: tn})
			require.NoError(t, err)
			n, err := notes.Get(c, "1", repo.ConsistentRead)
			require.NoError(t, err)
			require.Equal(t, tn, n.Text)
			page, err := notes.List(c, repo.ConsistentRead)
			require.NoError(t, err)
			require.Len(t, page.Items, 2)
			found, _, err := notes.BatchGet(c, []string{"1", "2", "3"})
			require.NoError(t, err)
			require.Len(t, found, 2)
			require.NoError(t, notes.Delete(c, "2"))
			_, err = notes.Get(c, "2")
			require.ErrorIs(t, err, repo.ErrNotFound)
		}
	}
	plainObs := &a7bObserver{other: map[string]string{"s": "p", "p": "s"}}
	run(memory.New(), plainObs)

	pool := memory.New()
	tables := route.NewMemoryTables(pool, "silo-{tenant}")
	_, err := tables.Create(ctx, "silo-s")
	require.NoError(t, err)
	cat, err := route.NewCatalog(pool, func(o *route.CatalogOptions) { o.MaxStale = -1 })
	require.NoError(t, err)
	_, err = cat.Put(ctx, route.Placement{Tenant: "s", Table: "silo-s"})
	require.NoError(t, err)
	r, err := route.New(cat, tables)
	require.NoError(t, err)
	routedObs := &a7bObserver{other: plainObs.other}
	run(r, routedObs)
	require.Len(t, plainObs.calls, 14)
	assert.Equal(t, plainObs.calls, routedObs.calls)
	assert.Equal(t, 1, count(t, pool, "tenant#p"))
	assert.Zero(t, count(t, pool, "tenant#s"))
	assert.Equal(t, 1, count(t, tables.Store("silo-s"), "tenant#s"))
	assert.Zero(t, count(t, tables.Store("silo-s"), "tenant#p"))

	var buf bytes.Buffer
	sl, err := tenantslog.New(tenantslog.WithLogger(slog.New(slog.NewJSONHandler(&buf, nil))), tenantslog.WithLevel(slog.LevelInfo))
	require.NoError(t, err)
	notes := repo.MustNew[Note](r, func(o *repo.Options) { o.Observer = sl })
	_, err = notes.Get(tenantctx.MustWithTenant(ctx, "s"), "1", repo.ConsistentRead)
	require.NoError(t, err)
	var rec map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &rec), buf.String())
	assert.Equal(t, "s", rec[tenantslog.KeyTenant])
	assert.EqualValues(t, 1, rec[tenantslog.KeyReadUnits], "one consistent read of a small item, not the catalog's")
}

// TestAttack7bCursorsAcrossMoves: List cursors of tenant a taken while it
// is in the pool, replayed after a moved it to its silo and again after it
// moved back, give exactly the next pages; replayed under the contexts of
// tenants whose IDs differ from a's by case or a suffix, one in the pool
// and one in a silo, they are refused with repo.ErrInvalidCursor.
func TestAttack7bCursorsAcrossMoves(t *testing.T) {
	ctx := t.Context()
	pool := memory.New(memory.WithChangeFeed(memory.FeedOptions{}))
	tables := route.NewMemoryTables(pool, "silo-{tenant}")
	newCat := func() *route.Catalog {
		c, err := route.NewCatalog(pool, func(o *route.CatalogOptions) { o.MaxStale, o.WriteTimeout = 20*time.Millisecond, 50*time.Millisecond })
		require.NoError(t, err)
		return c
	}
	cat := newCat()
	r, err := route.New(newCat(), tables)
	require.NoError(t, err)
	notes := repo.MustNew[Note](r)
	others := []string{"A", "a-corp", "b"}
	_, err = tables.Create(ctx, "silo-b")
	require.NoError(t, err)
	_, err = cat.Put(ctx, route.Placement{Tenant: "b", Table: "silo-b"})
	require.NoError(t, err)
	for _, tn := range append([]string{"a"}, others...) {
		for i := range 10 {
			_, err := notes.Create(tenantctx.MustWithTenant(ctx, tn), Note{ID: fmt.Sprintf("%02d", i), Text: tn})
			require.NoError(t, err)
		}
	}
	actx := tenantctx.MustWithTenant(ctx, "a")
	var cursors []string
	c := ""
	for range 3 {
		page, err := notes.List(actx, repo.WithLimit(3), repo.WithCursor(c), repo.ConsistentRead)
		require.NoError(t, err)
		require.NotEmpty(t, page.Next)
		c = page.Next
		cursors = append(cursors, c)
	}
	replay := func(where string) {
		for i, c := range cursors {
			page, err := notes.List(actx, repo.WithLimit(3), repo.WithCursor(c), repo.ConsistentRead)
			require.NoError(t, err, where)
			var ids []string
			for _, n := range page.Items {
				assert.Equal(t, "a", n.Text, where)
				ids = append(ids, n.ID)
			}
			want := []string{fmt.Sprintf("%02d", 3*i+3), fmt.Sprintf("%02d", 3*i+4), fmt.Sprintf("%02d", 3*i+5)}
			if i == 2 {
				want = want[:1]
			}
			assert.Equal(t, want, ids, "%s: cursor %d", where, i)
			for _, tn := range others {
				_, err := notes.List(tenantctx.MustWithTenant(ctx, tn), repo.WithLimit(3), repo.WithCursor(c))
				assert.ErrorIs(t, err, repo.ErrInvalidCursor, "%s: cursor %d of a under %s", where, i, tn)
			}
		}
	}
	replay("pool")
	opts := func(o *move.Options) { o.Settle = time.Millisecond }
	_, err = move.Run(ctx, move.Config{Catalog: cat, Tables: tables}, "a", "silo-a", opts)
	require.NoError(t, err)
	assert.Zero(t, count(t, pool, "tenant#a"))
	replay("silo")
	_, err = move.Run(ctx, move.Config{Catalog: cat, Tables: tables}, "a", "", opts)
	require.NoError(t, err)
	assert.Zero(t, count(t, tables.Store("silo-a"), "tenant#a"))
	replay("pool again")
}
