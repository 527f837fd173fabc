package ops

import (
	"context"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/internal/testfixture"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// A dry run counts what a purge deletes and changes nothing; the purge
// deletes every item of the tenant, of every type and shape, and nothing
// of any other partition; a second purge does nothing.
func TestPurge(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend.Backend) {
		const n = 2000
		acme := seedMixed(t, b, n)
		wantBy, wantBytes := countByType(acme)
		all := tenantPKs(append([]string{"acme"}, neighbours...)...)
		before := snapshot(t, b, all)
		require.Len(t, before["tenant#acme"], n)
		ctx := tenantCtx(t, "acme")

		var reports []Progress
		dry, err := Purge(ctx, b, WithDryRun(), WithProgress(func(p Progress) { reports = append(reports, p) }))
		require.NoError(t, err)
		assert.True(t, dry.DryRun)
		assert.Equal(t, int64(n), dry.Examined)
		assert.Equal(t, int64(n), dry.Done)
		assert.Equal(t, wantBytes, dry.Bytes)
		assert.Equal(t, wantBy, dry.ByType)
		assert.Equal(t, []string{"", "a", "order", "user", "zzunknown"}, slices.Sorted(maps.Keys(dry.ByType)))
		assert.Equal(t, int64(2*n/6), dry.ByType[""].Items, "sort keys without a separator count under \"\"")
		assert.Equal(t, int64(n/6), dry.ByType["a"].Items, "a#b#... counts under its first part")
		assert.Empty(t, dry.Checkpoint)
		assert.Equal(t, before, snapshot(t, b, all), "a dry run changes nothing")
		require.NotEmpty(t, reports)
		assert.True(t, reports[len(reports)-1].Final)
		assert.Equal(t, "purge", reports[0].Op)
		assert.Equal(t, "acme", reports[0].Tenant)

		res, err := Purge(ctx, b, WithConcurrency(8))
		require.NoError(t, err)
		assert.False(t, res.DryRun)
		assert.Equal(t, int64(n), res.Examined)
		assert.Equal(t, int64(n), res.Done)
		assert.Equal(t, wantBytes, res.Bytes)
		assert.Equal(t, wantBy, res.ByType)
		assert.Positive(t, res.Units)
		assert.Empty(t, res.Checkpoint)

		after := snapshot(t, b, all)
		assert.Empty(t, after["tenant#acme"])
		delete(before, "tenant#acme")
		delete(after, "tenant#acme")
		assert.Equal(t, before, after, "other partitions are untouched")

		again, err := Purge(ctx, b)
		require.NoError(t, err)
		assert.Equal(t, Counts{Units: again.Units}, again.Counts, "a finished purge does nothing")
		assert.Empty(t, again.ByType)
		assert.Equal(t, before, snapshot(t, b, tenantPKs(neighbours...)))
	})
}

// Writes the backend leaves unprocessed are sent again until done.
func TestPurgeUnprocessed(t *testing.T) {
	fastRetries(t)
	check := func(t *testing.T, b, raw backend.Backend) {
		seedMixed(t, raw, 400)
		others := snapshot(t, raw, tenantPKs(neighbours...))
		res, err := Purge(tenantCtx(t, "acme"), b, WithPageSize(100))
		require.NoError(t, err)
		assert.Equal(t, int64(400), res.Done)
		assert.Empty(t, partitionItems(t, raw, "tenant#acme"))
		assert.Equal(t, others, snapshot(t, raw, tenantPKs(neighbours...)))
	}
	t.Run("wrapper", func(t *testing.T) {
		eachBackend(t, func(t *testing.T, b backend.Backend) {
			// Every third item is unprocessed twice before it goes through.
			check(t, &faultyWrites{Backend: b, unprocessed: func(k backend.Key, attempt int) bool {
				return len(k.SK)%3 == 0 && attempt <= 2
			}}, b)
		})
	})
	t.Run("memory-option", func(t *testing.T) {
		var mu sync.Mutex
		seen := map[backend.Key]int{}
		var on bool
		b := memory.New(func(o *memory.Options) {
			o.Unprocessed = func(k backend.Key) bool {
				mu.Lock()
				defer mu.Unlock()
				if !on {
					return false
				}
				seen[k]++
				return seen[k] == 1 // each write once
			}
		})
		seedMixed(t, b, 10) // the option applies to the seed's writes too
		mu.Lock()
		on = true
		mu.Unlock()
		check(t, b, b)
	})
	t.Run("never", func(t *testing.T) {
		eachBackend(t, func(t *testing.T, b backend.Backend) {
			// A write never processed is an error after the retries, with a
			// checkpoint from which a purge on a healthy backend finishes.
			seedMixed(t, b, 100)
			f := &faultyWrites{Backend: b, unprocessed: func(k backend.Key, _ int) bool { return k.SK == "order#00031" }}
			res, err := Purge(tenantCtx(t, "acme"), f, WithConcurrency(1))
			require.ErrorIs(t, err, backend.ErrThrottled)
			require.NotEmpty(t, res.Checkpoint)
			pos, err := decodeCheckpoint(res.Checkpoint, opPurge, "acme")
			require.NoError(t, err)
			assert.Less(t, pos.SK, "order#00031")
			res2, err := Purge(tenantCtx(t, "acme"), b, WithResume(res.Checkpoint))
			require.NoError(t, err)
			assert.Equal(t, int64(100), res2.Done)
			assert.Empty(t, partitionItems(t, b, "tenant#acme"))
		})
	})
}

// A purge stopped after some items (by a canceled context, or a failing
// backend), twice, and resumed from its checkpoint ends as an
// uninterrupted purge: the tenant empty and every other partition as it
// was; and every item up to the checkpoint's position is gone when it
// stops.
func TestPurgeResume(t *testing.T) {
	page := WithPageSize(100)
	stops := []struct {
		name string
		// run runs a purge from cp that stops after the stop-th item of
		// all runs.
		run func(t *testing.T, b backend.Backend, cp Checkpoint, stop int64) (PurgeResult, error)
		is  error
	}{
		{"cancel", func(t *testing.T, b backend.Backend, cp Checkpoint, stop int64) (PurgeResult, error) {
			ctx, cancel := context.WithCancel(tenantCtx(t, "acme"))
			defer cancel()
			return Purge(ctx, b, WithConcurrency(3), page, WithResume(cp), WithProgress(func(p Progress) {
				if p.Done >= stop {
					cancel()
				}
			}))
		}, context.Canceled},
		{"backend-failure", func(t *testing.T, b backend.Backend, cp Checkpoint, stop int64) (PurgeResult, error) {
			done := int64(0)
			if cp != "" {
				pos, err := decodeCheckpoint(cp, opPurge, "acme")
				require.NoError(t, err)
				done = pos.Counts.Done
			}
			return Purge(tenantCtx(t, "acme"), &faultyWrites{Backend: b, failAfter: stop - done}, WithConcurrency(3), page, WithResume(cp))
		}, errInjected},
	}
	for _, stop := range stops {
		t.Run(stop.name, func(t *testing.T) {
			eachBackend(t, func(t *testing.T, b backend.Backend) {
				const n = 400
				seedMixed(t, b, n)
				all := tenantPKs(append([]string{"acme"}, neighbours...)...)
				want := snapshot(t, b, all)
				want["tenant#acme"] = map[string]backend.Item{}

				var cp Checkpoint
				for _, at := range []int64{100, 200} {
					res, err := stop.run(t, b, cp, at)
					require.ErrorIs(t, err, stop.is)
					require.NotEmpty(t, res.Checkpoint)
					pos, err := decodeCheckpoint(res.Checkpoint, opPurge, "acme")
					require.NoError(t, err)
					left := partitionItems(t, b, "tenant#acme")
					for sk := range left {
						require.Greater(t, sk, pos.SK, "an item at or before the checkpoint is left")
					}
					assert.Less(t, len(left), n)
					assert.GreaterOrEqual(t, n-len(left), int(at)-75, "it stopped soon after the stop")
					assert.Equal(t, int64(n-len(left)), pos.Counts.Done, "the checkpoint counts the items deleted")
					assert.Equal(t, res.Done, pos.Counts.Done)
					cp = res.Checkpoint
				}
				res, err := Purge(tenantCtx(t, "acme"), b, WithResume(cp))
				require.NoError(t, err)
				assert.Equal(t, int64(n), res.Done, "the counts of the runs add up")
				assert.Equal(t, int64(n), res.Examined)
				assert.Empty(t, res.Checkpoint)
				assert.Equal(t, want, snapshot(t, b, all))
			})
		})
	}
}

// A checkpoint that is not this purge's is refused, and nothing changes.
func TestPurgeBadCheckpoint(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend.Backend) {
		seedMixed(t, b, 60)
		all := tenantPKs(append([]string{"acme"}, neighbours...)...)
		before := snapshot(t, b, all)
		ctx := tenantCtx(t, "acme")

		cps := map[string]Checkpoint{
			"garbage":       "garbage!",
			"empty json":    Checkpoint("e30"),
			"other tenant":  encodeCheckpoint(position{Op: opPurge, Tenant: "acme-corp", SK: "user#00000"}),
			"other op":      encodeCheckpoint(position{Op: "reindex", Tenant: "acme", SK: "user#00000"}),
			"dry run":       encodeCheckpoint(position{Op: opPurgeDryRun, Tenant: "acme", SK: "user#00000"}),
			"operator":      encodeCheckpoint(position{Op: opPurge, Tenant: "", SK: "user#00000"}),
			"segments":      encodeCheckpoint(position{Op: opPurge, Tenant: "acme", Segments: []segmentPosition{{PK: "tenant#acme-corp", SK: "x"}}}),
			"long sort key": encodeCheckpoint(position{Op: opPurge, Tenant: "acme", SK: string(make([]byte, 2000))}),
		}
		for name, cp := range cps {
			res, err := Purge(ctx, b, WithResume(cp))
			require.ErrorIs(t, err, ErrInvalidCheckpoint, name)
			assert.Zero(t, res.Done, name)
		}
		_, err := Purge(ctx, b, WithDryRun(), WithResume(encodeCheckpoint(position{Op: opPurge, Tenant: "acme"})))
		require.ErrorIs(t, err, ErrInvalidCheckpoint, "a purge's checkpoint does not resume a dry run")
		assert.Equal(t, before, snapshot(t, b, all))
	})
}

// Items written under the purge are found by its final check; a run
// from the checkpoint then finishes.
func TestPurgeNotEmpty(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend.Backend) {
		seedMixed(t, b, 200)
		var once sync.Once
		w := &batchHook{Backend: b, beforeBatch: func() {
			once.Do(func() { testfixture.Put(t, b, testfixture.Item("tenant#acme", "aaa#late")) })
		}}
		res, err := Purge(tenantCtx(t, "acme"), w)
		require.ErrorIs(t, err, ErrNotEmpty)
		require.NotEmpty(t, res.Checkpoint)
		assert.Equal(t, int64(200), res.Done)
		assert.Len(t, partitionItems(t, b, "tenant#acme"), 1)

		res, err = Purge(tenantCtx(t, "acme"), b, WithResume(res.Checkpoint))
		require.NoError(t, err)
		assert.Equal(t, int64(201), res.Done)
		assert.Empty(t, partitionItems(t, b, "tenant#acme"))
	})
}

// Purge refuses what it cannot use, before reading anything.
func TestPurgeRefuses(t *testing.T) {
	b := memory.New()
	seedMixed(t, b, 10)
	before := snapshot(t, b, tenantPKs(append([]string{"acme"}, neighbours...)...))
	_, err := Purge(context.Background(), b)
	assert.ErrorIs(t, err, tenantctx.ErrNoTenant)
	_, err = Purge(operatorCtx(t), b)
	assert.ErrorIs(t, err, tenantctx.ErrNoTenant)
	_, err = Purge(testfixture.ForgedContext{Context: context.Background(), V: "acme#x"}, b)
	assert.Error(t, err)
	_, err = Purge(tenantCtx(t, "acme"), nil)
	assert.ErrorIs(t, err, ErrInvalidArgument)
	for _, o := range []func(*Options){WithConcurrency(-1), WithConcurrency(MaxConcurrency + 1), WithPace(Pace{ItemsPerSecond: -1}), nil} {
		_, err = Purge(tenantCtx(t, "acme"), b, o)
		assert.ErrorIs(t, err, ErrInvalidArgument)
	}
	assert.Equal(t, before, snapshot(t, b, tenantPKs(append([]string{"acme"}, neighbours...)...)))
}

// A paced purge keeps to its pace.
func TestPurgePace(t *testing.T) {
	b := memory.New()
	seedMixed(t, b, 100)
	start := time.Now()
	res, err := Purge(tenantCtx(t, "acme"), b, WithPace(Pace{ItemsPerSecond: 400}), WithPageSize(50))
	require.NoError(t, err)
	assert.Equal(t, int64(100), res.Done)
	// 100 reads and 100 deletes at 400 a second, less the first burst.
	assert.GreaterOrEqual(t, time.Since(start), 400*time.Millisecond)
}
