package route_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/route"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time      { return c.now }
func (c *fakeClock) Add(d time.Duration) { c.now = c.now.Add(d) }
func newFakeClock() *fakeClock           { return &fakeClock{now: time.Unix(1_700_000_000, 0)} }
func withClock(c *fakeClock) func(*route.CatalogOptions) {
	return func(o *route.CatalogOptions) { o.Clock = c.Now }
}

func TestCatalogPutVersions(t *testing.T) {
	ctx := context.Background()
	pool := memory.New()
	cat, err := route.NewCatalog(pool)
	require.NoError(t, err)

	p, err := cat.Lookup(ctx, "acme")
	require.NoError(t, err)
	require.Equal(t, route.Placement{Tenant: "acme"}, p, "not in the catalog: the pool, version 0")

	p.Table = "silo-acme"
	p1, err := cat.Put(ctx, p)
	require.NoError(t, err)
	require.Equal(t, int64(1), p1.Version)

	_, err = cat.Put(ctx, p) // version 0 again: the item exists
	require.ErrorIs(t, err, route.ErrStalePlacement)
	require.Equal(t, backend.KindConditionFailed, backend.KindOf(err))

	start := time.Unix(1_700_000_000, 0).UTC()
	p1.Move = &route.Move{ID: "m1", From: "silo-acme", To: "", Phase: route.PhaseCopy, Checkpoint: "cp", Started: start, Updated: start}
	p2, err := cat.Put(ctx, p1)
	require.NoError(t, err)
	require.Equal(t, int64(2), p2.Version)
	_, err = cat.Put(ctx, p1) // stale version 1
	require.ErrorIs(t, err, route.ErrStalePlacement)

	got, err := cat.LookupFresh(ctx, "acme")
	require.NoError(t, err)
	require.Equal(t, p2, got)
	require.True(t, got.Move.Fenced())

	// The item is in the catalog partition, not a tenant's.
	item, err := pool.Get(ctx, backend.GetInput{Key: backend.Key{PK: route.CatalogPartition, SK: "acme"}})
	require.NoError(t, err)
	require.Contains(t, item, "version")

	_, err = cat.Put(ctx, route.Placement{Tenant: "bad#id"})
	require.ErrorIs(t, err, entity.ErrInvalidTenant)
	_, err = cat.Put(ctx, route.Placement{Tenant: "x", Version: -1})
	require.ErrorIs(t, err, backend.ErrInvalidArgument)
	_, err = cat.Put(ctx, route.Placement{Tenant: "x", Move: &route.Move{Phase: "teleport"}})
	require.ErrorIs(t, err, backend.ErrInvalidArgument)
	_, err = cat.Lookup(ctx, "")
	require.ErrorIs(t, err, entity.ErrInvalidTenant)
}

func TestCatalogCacheBoundedStaleness(t *testing.T) {
	ctx := context.Background()
	pool := memory.New()
	clock := newFakeClock()
	reader, err := route.NewCatalog(pool, withClock(clock), func(o *route.CatalogOptions) { o.MaxStale = time.Second })
	require.NoError(t, err)
	writer, err := route.NewCatalog(pool)
	require.NoError(t, err)
	require.Equal(t, time.Second, reader.MaxStale())

	p, err := reader.Lookup(ctx, "acme")
	require.NoError(t, err)
	require.Equal(t, "", p.Table)

	_, err = writer.Put(ctx, route.Placement{Tenant: "acme", Table: "silo"})
	require.NoError(t, err)

	clock.Add(time.Second) // at the bound: still cached
	p, err = reader.Lookup(ctx, "acme")
	require.NoError(t, err)
	require.Equal(t, "", p.Table, "a cached answer up to MaxStale old")

	clock.Add(time.Millisecond) // past it: read again
	p, err = reader.Lookup(ctx, "acme")
	require.NoError(t, err)
	require.Equal(t, "silo", p.Table)
	require.Equal(t, int64(1), p.Version)
}

func TestCatalogDefaultAndList(t *testing.T) {
	ctx := context.Background()
	pool := memory.New()
	cat, err := route.NewCatalog(pool, func(o *route.CatalogOptions) {
		o.Default = func(tenant string) string {
			if tenant == "big" {
				return "silo-big"
			}
			return ""
		}
	})
	require.NoError(t, err)
	p, err := cat.Lookup(ctx, "big")
	require.NoError(t, err)
	require.Equal(t, "silo-big", p.Table)
	require.Zero(t, p.Version)

	// Once in the catalog, the catalog decides: "" is the pool.
	_, err = cat.Put(ctx, p)
	require.NoError(t, err)
	p, err = cat.LookupFresh(ctx, "big")
	require.NoError(t, err)
	require.Equal(t, "silo-big", p.Table)
	p.Table = ""
	_, err = cat.Put(ctx, p)
	require.NoError(t, err)
	p, err = cat.LookupFresh(ctx, "big")
	require.NoError(t, err)
	require.Equal(t, "", p.Table)

	for _, id := range []string{"t1", "t2", "t3", "t4"} {
		_, err := cat.Put(ctx, route.Placement{Tenant: id, Table: "silo-" + id})
		require.NoError(t, err)
	}
	var all []string
	cursor := ""
	for pages := 0; ; pages++ {
		require.Less(t, pages, 10)
		ps, next, err := cat.List(ctx, cursor, 2)
		require.NoError(t, err)
		for _, p := range ps {
			all = append(all, p.Tenant)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	require.Equal(t, []string{"big", "t1", "t2", "t3", "t4"}, all)
	_, _, err = cat.List(ctx, "bad\xffcursor", 2)
	require.True(t, errors.Is(err, backend.ErrInvalidArgument))
}
