package ops

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/internal/testfixture"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// reindexEach reindexes the type of each tenant, one ReindexType at a
// time, and returns the counts summed: what ReindexAll does in one run.
func reindexEach(t *testing.T, b backend.Backend, spec TypeSpec, tenants []string) Counts {
	var sum Counts
	for _, id := range tenants {
		res, err := ReindexType(tenantCtx(t, id), b, spec)
		require.NoError(t, err)
		res.Units = 0
		sum.add(res.Counts)
	}
	return sum
}

// ReindexAll does for every tenant what ReindexType does for one, and
// leaves partitions that are not a tenant's alone; stopped and resumed
// from its checkpoint, twice, it ends in the same state.
func TestReindexAll(t *testing.T) {
	tenants := append([]string{"acme"}, neighbours...)
	for _, kb := range testBackends {
		t.Run(kb.name, func(t *testing.T) {
			all := tenantPKs(tenants...)
			ref := kb.new(t)
			seedMixed(t, ref, 240)
			want := reindexEach(t, ref, SpecOf[seedOrder](), tenants)
			require.Equal(t, int64(40+4*len(neighbours)), want.Done) // 40 orders of acme, 4 of each neighbour

			b := kb.new(t)
			seedMixed(t, b, 240)
			before := snapshot(t, b, all)
			op := operatorCtx(t)
			dry, err := ReindexAllType(op, b, SpecOf[seedOrder](), WithDryRun())
			require.NoError(t, err)
			dry.Units = 0
			assert.Equal(t, want, dry.Counts)
			assert.Equal(t, before, snapshot(t, b, all), "a dry run changes nothing")

			orders := repo.MustNew[seedOrder](b)
			res, err := ReindexAll(op, orders, WithSegments(3), WithPageSize(25))
			require.NoError(t, err)
			assert.Empty(t, res.Checkpoint)
			res.Units = 0
			assert.Equal(t, want, res.Counts)
			assert.Equal(t, snapshot(t, ref, all), snapshot(t, b, all))
			for _, raw := range rawPKs {
				assert.Equal(t, before[raw], partitionItems(t, b, raw), "%s is no tenant's: untouched", raw)
			}
			assert.ElementsMatch(t, []string{"00001", "00043", "00085", "00127", "00169", "00211"}, indexIDs(t, tenantCtx(t, "acme"), orders, "by-user", "1"))
			assert.Equal(t, []string{"00001"}, indexIDs(t, tenantCtx(t, "acme2"), orders, "by-user", "1"))

			again, err := ReindexAllType(op, b, SpecOf[seedOrder]())
			require.NoError(t, err)
			assert.Equal(t, int64(0), again.Done)
		})
	}
}

// ReindexAll stopped (a canceled context, a failing backend) and resumed
// ends as an uninterrupted run.
func TestReindexAllResume(t *testing.T) {
	tenants := append([]string{"acme"}, neighbours...)
	opts := []func(*Options){WithSegments(3), WithPageSize(20), WithConcurrency(2)}
	for _, kind := range []string{"cancel", "backend-failure", "scan-failure"} {
		t.Run(kind, func(t *testing.T) {
			for _, kb := range testBackends {
				t.Run(kb.name, func(t *testing.T) {
					all := tenantPKs(tenants...)
					ref := kb.new(t)
					seedMixed(t, ref, 360)
					want := reindexEach(t, ref, SpecOf[seedOrder](), tenants)

					b := kb.new(t)
					seedMixed(t, b, 360)
					var cp Checkpoint
					for _, at := range []int64{15, 30} {
						var res ReindexResult
						var err error
						o := append(append([]func(*Options){}, opts...), WithResume(cp))
						if kind == "cancel" {
							ctx, cancel := context.WithCancel(operatorCtx(t))
							o = append(o, WithProgress(func(p Progress) {
								if p.Done >= at {
									cancel()
								}
							}))
							res, err = ReindexAllType(ctx, b, SpecOf[seedOrder](), o...)
							cancel()
							require.ErrorIs(t, err, context.Canceled)
						} else if kind == "backend-failure" {
							res, err = ReindexAllType(operatorCtx(t), faultyScans{faultyWrites: &faultyWrites{Backend: b, failAfter: 15}}, SpecOf[seedOrder](), o...)
							require.ErrorIs(t, err, errInjected)
						} else {
							res, err = ReindexAllType(operatorCtx(t), faultyScans{faultyWrites: &faultyWrites{Backend: b}, scanFailAfter: 4, scans: new(atomic.Int64)}, SpecOf[seedOrder](), o...)
							require.ErrorIs(t, err, errInjected)
						}
						require.NotEmpty(t, res.Checkpoint)
						assert.Less(t, res.Done, want.Done)
						_, err = ReindexType(tenantCtx(t, "acme"), b, SpecOf[seedOrder](), WithResume(res.Checkpoint))
						require.ErrorIs(t, err, ErrInvalidCheckpoint, "a checkpoint of all tenants is not one tenant's")
						cp = res.Checkpoint
					}
					// The checkpoint's segments count, not the option's.
					res, err := ReindexAllType(operatorCtx(t), b, SpecOf[seedOrder](), WithResume(cp), WithSegments(7))
					require.NoError(t, err)
					assert.Equal(t, want.Examined, res.Examined)
					assert.Equal(t, want.Done+want.Skipped, res.Done+res.Skipped)
					assert.Equal(t, want.Failed, res.Failed)
					assert.Equal(t, snapshot(t, ref, all), snapshot(t, b, all))
				})
			}
		})
	}
}

// The operator-scoped operations refuse a context without the operator
// marker, and a backend that cannot scan; nothing changes.
func TestOperatorRefusals(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend.Backend) {
		tenants := append([]string{"acme"}, neighbours...)
		seedMixed(t, b, 30)
		all := tenantPKs(tenants...)
		before := snapshot(t, b, all)
		for name, tc := range map[string]struct {
			ctx context.Context
			is  error
		}{
			"tenant":     {tenantCtx(t, "acme"), tenantctx.ErrNoOperator},
			"background": {context.Background(), tenantctx.ErrNoOperator},
			// An operator's context that also answers the tenant key,
			// or every key.
			"operator and tenant": {testfixture.ForgedContext{Context: operatorCtx(t), V: "acme"}, tenantctx.ErrInvalidOperator},
			"answers every key":   {testfixture.ForgedContext{Context: operatorCtx(t), V: "acme", Every: true}, tenantctx.ErrInvalidOperator},
		} {
			_, err := ReindexAllType(tc.ctx, b, SpecOf[seedOrder]())
			assert.ErrorIs(t, err, tc.is, name)
			_, err = Tenants(tc.ctx, b)
			assert.ErrorIs(t, err, tc.is, name)
			_, err = ReindexAll(tc.ctx, repo.MustNew[seedOrder](b))
			assert.ErrorIs(t, err, tc.is, name)
		}
		_, err := ReindexAllType(operatorCtx(t), noScan{b}, SpecOf[seedOrder]())
		assert.ErrorIs(t, err, ErrUnsupported)
		_, err = Tenants(operatorCtx(t), noScan{b})
		assert.ErrorIs(t, err, ErrUnsupported)
		assert.Equal(t, before, snapshot(t, b, all))
	})
}

// Tenants lists every tenant once, a page at a time, reading at most a
// page's worth of items per call, and leaves out partition keys that are
// not a tenant's.
func TestTenants(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend.Backend) {
		var items []backend.Item
		want := []string{}
		for i := range 30 {
			id := fmt.Sprintf("t%02d", i)
			want = append(want, id)
			n := 1 + i%5
			if i == 7 {
				n = 60 // a partition over several pages
			}
			for j := range n {
				items = append(items, testfixture.Item("tenant#"+id, fmt.Sprintf("x#%03d", j)))
			}
		}
		for _, pk := range tenantPKs(neighbours...) {
			items = append(items, testfixture.Item(pk, "x#1"))
		}
		want = append(want, neighbours...)
		writeItems(t, b, items)

		for _, tc := range []struct {
			segments, pageSize int
		}{{3, 7}, {1, 5}, {8, 3}, {0, 0}} {
			t.Run(fmt.Sprintf("segments=%d,page=%d", tc.segments, tc.pageSize), func(t *testing.T) {
				seen := map[string]int{}
				var cp Checkpoint
				calls := 0
				for {
					var read int64
					page, err := Tenants(operatorCtx(t), b, WithSegments(tc.segments), WithPageSize(tc.pageSize), WithResume(cp),
						WithProgress(func(p Progress) {
							assert.Equal(t, "tenants", p.Op)
							if p.Final {
								read = p.Examined
							}
						}))
					require.NoError(t, err)
					calls++
					require.Less(t, calls, 1000)
					if tc.pageSize > 0 {
						prev := int64(0)
						if cp != "" {
							pos, err := decodeCheckpoint(cp, opTenants, "")
							require.NoError(t, err)
							prev = pos.Counts.Examined
						}
						assert.LessOrEqual(t, read-prev, int64(tc.pageSize), "items read by one call")
					}
					assert.IsIncreasing(t, page.Tenants)
					for _, id := range page.Tenants {
						seen[id]++
					}
					if page.Next == "" {
						break
					}
					cp = page.Next
				}
				got := slices.Sorted(maps.Keys(seen))
				assert.ElementsMatch(t, want, got)
				for id, n := range seen {
					assert.Equal(t, 1, n, "%s listed %d times", id, n)
				}
				if tc.pageSize == 0 {
					assert.Equal(t, 1, calls, "the default page holds the table")
				}
			})
		}
		for name, cp := range map[string]Checkpoint{
			"garbage":   "x",
			"tenant's":  encodeCheckpoint(position{Op: opTenants, Tenant: "acme", Segments: []segmentPosition{{}}}),
			"no segs":   encodeCheckpoint(position{Op: opTenants}),
			"bad seg":   encodeCheckpoint(position{Op: opTenants, Segments: []segmentPosition{{Done: true, PK: "a", SK: "b"}}}),
			"other op":  encodeCheckpoint(position{Op: "reindex-all", Segments: []segmentPosition{{}}}),
			"a purge's": encodeCheckpoint(position{Op: opPurge, Tenant: "acme"}),
		} {
			_, err := Tenants(operatorCtx(t), b, WithResume(cp))
			assert.ErrorIs(t, err, ErrInvalidCheckpoint, name)
		}
	})
}
