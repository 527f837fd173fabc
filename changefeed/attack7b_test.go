package changefeed_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/changefeed"
	"github.com/tenantrepo/tenantrepo/move"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/route"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// TestAttack7bSubscriptionsAcrossMove: subscriptions of several tenants
// on the pool's and on a silo's backend while tenant "a" moves from the
// pool to its silo, with writes through a router during the move. No
// subscriber gets another tenant's event (tenants differing by case or a
// suffix), nor an event of the catalog's or the fence items' changes,
// which the pool's feed holds. What a's subscribers get is the move's own
// doing, as the README's Change feed section says: on the pool, Deleted
// for each of a's entities when the move purges the source; on the silo,
// Created for each when the move copies them.
func TestAttack7bSubscriptionsAcrossMove(t *testing.T) {
	ctx := t.Context()
	pool := memory.New(memory.WithChangeFeed(memory.FeedOptions{}))
	tables := route.NewMemoryTables(pool, "silo-{tenant}")
	silo, err := tables.Name("a")
	require.NoError(t, err)
	_, err = tables.Create(ctx, silo)
	require.NoError(t, err)
	newCat := func() *route.Catalog {
		c, err := route.NewCatalog(pool, func(o *route.CatalogOptions) { o.MaxStale, o.WriteTimeout = 20*time.Millisecond, 50*time.Millisecond })
		require.NoError(t, err)
		return c
	}
	cat := newCat()
	r, err := route.New(newCat(), tables)
	require.NoError(t, err)
	routed := repo.MustNew[Note](r)
	tenants := []string{"a", "A", "a-corp", "b"}
	write := func(tag string) {
		for _, tn := range tenants {
			_, err := routed.Put(tenantctx.MustWithTenant(ctx, tn), Note{ID: tag, Text: tn})
			require.NoError(t, err)
		}
	}
	write("before")

	type key struct{ table, tenant string }
	subs := map[key]*changefeed.Subscription[Note]{}
	for _, table := range []string{"", silo} {
		notes := repo.MustNew[Note](tables.Store(table))
		for _, tn := range tenants {
			sub, err := changefeed.Subscribe(tenantctx.MustWithTenant(ctx, tn), notes)
			require.NoError(t, err)
			subs[key{table, tn}] = sub
		}
	}
	// Subscriptions start at the feed's oldest change: drain what was
	// there before the move.
	events := map[key][]string{}
	drain := func() {
		for k, sub := range subs {
			for {
				evs, err := sub.Poll(tenantctx.MustWithTenant(ctx, k.tenant))
				require.NoError(t, err)
				if len(evs) == 0 {
					break
				}
				for _, ev := range evs {
					owner := ev.New.Text
					if ev.New.Text == "" {
						owner = ev.Old.Text
					}
					assert.Equal(t, k.tenant, owner, "%+v got %+v", k, ev)
					assert.False(t, strings.HasPrefix(ev.ID, "#"), "%+v got %+v", k, ev)
					events[k] = append(events[k], fmt.Sprintf("%s %s", ev.Kind, ev.ID))
				}
			}
		}
	}
	drain()
	clear(events)

	seen := map[route.Phase]bool{}
	_, err = move.Run(ctx, move.Config{Catalog: cat, Tables: tables}, "a", silo, func(o *move.Options) {
		o.Settle = time.Millisecond
		o.Progress = func(p move.Progress) {
			if !seen[p.Phase] && !p.Final {
				seen[p.Phase] = true
				write(string(p.Phase))
			}
		}
	})
	require.NoError(t, err)
	write("after")
	drain()

	// Bystanders in the pool: their own writes only, in order.
	for _, tn := range []string{"A", "a-corp", "b"} {
		assert.Equal(t, []string{"created copy", "created catchup", "created pause", "created purge", "created after"}, events[key{"", tn}], tn)
		assert.Empty(t, events[key{silo, tn}], tn)
	}
	// a on the pool: its writes until the switch, then a Deleted for
	// each entity as the move purges the pool.
	poolA := events[key{"", "a"}]
	assert.Subset(t, poolA, []string{"created copy", "created catchup", "deleted before", "deleted copy", "deleted catchup", "deleted pause"}, "%v", poolA)
	// a on the silo: a Created for each entity the move copied or
	// caught up, then its writes.
	siloA := events[key{silo, "a"}]
	assert.Subset(t, siloA, []string{"created before", "created copy", "created purge", "created after"}, "%v", siloA)
	assert.NotContains(t, siloA, "deleted before")
}
