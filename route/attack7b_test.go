package route_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/route"
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
