package move

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/route"
)

// Bad input is refused with a typed error, and nothing stored changes.
func TestRefusals(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "memory", 1, time.Second)
	seed(t, e, moving, 10)
	pool := e.table(t, "")
	before := snapshot(t, pool, moving)
	unchanged := func(t *testing.T) {
		t.Helper()
		require.Equal(t, before, snapshot(t, pool, moving))
		p, err := e.cat.LookupFresh(ctx, moving)
		require.NoError(t, err)
		require.Nil(t, p.Move)
		require.Equal(t, int64(0), p.Version, "the catalog was not written")
		_, err = e.tables.Open(ctx, e.silo)
		require.ErrorIs(t, err, route.ErrNoTable, "no silo table was made")
	}

	for _, c := range []struct {
		name string
		cfg  Config
		id   string
		to   string
		opts []func(*Options)
		want error
	}{
		{"no catalog", Config{Tables: e.tables}, moving, e.silo, nil, ErrInvalidArgument},
		{"no tables", Config{Catalog: e.cat}, moving, e.silo, nil, ErrInvalidArgument},
		{"nil tables", Config{Catalog: e.cat, Tables: (*route.MemoryTables)(nil)}, moving, e.silo, nil, ErrInvalidArgument},
		{"invalid tenant", e.config(), "a#b", e.silo, nil, entity.ErrInvalidTenant},
		{"empty tenant", e.config(), "", e.silo, nil, ErrInvalidArgument},
		{"where it is", e.config(), moving, "", nil, ErrInvalidArgument},
		{"page size", e.config(), moving, e.silo, []func(*Options){func(o *Options) { o.PageSize = MaxPageSize + 1 }}, ErrInvalidArgument},
		{"concurrency", e.config(), moving, e.silo, []func(*Options){func(o *Options) { o.Concurrency = -1 }}, ErrInvalidArgument},
		{"settle", e.config(), moving, e.silo, []func(*Options){func(o *Options) { o.Settle = -time.Second }}, ErrInvalidArgument},
		{"lag", e.config(), moving, e.silo, []func(*Options){func(o *Options) { o.CatchupLag = -1 }}, ErrInvalidArgument},
		{"bad table name", e.config(), moving, "x", nil, backend.ErrInvalidArgument},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Run(ctx, c.cfg, c.id, c.to, c.opts...)
			require.ErrorIs(t, err, c.want)
			require.ErrorIs(t, err, backend.ErrInvalidArgument, "every refusal of input is an invalid argument")
			unchanged(t)
		})
	}
	t.Run("resume without move", func(t *testing.T) {
		_, err := Resume(ctx, e.config(), moving)
		require.ErrorIs(t, err, ErrNoMove)
		unchanged(t)
	})
	t.Run("cancel without move", func(t *testing.T) {
		require.ErrorIs(t, Cancel(ctx, e.config(), moving), ErrNoMove)
		unchanged(t)
	})
	t.Run("dry run of resume and cancel", func(t *testing.T) {
		_, err := Resume(ctx, e.config(), moving, WithDryRun())
		require.ErrorIs(t, err, ErrInvalidArgument)
		require.ErrorIs(t, Cancel(ctx, e.config(), moving, WithDryRun()), ErrInvalidArgument)
		unchanged(t)
	})
	t.Run("dry run", func(t *testing.T) {
		var reports []Progress
		res, err := Run(ctx, e.config(), moving, e.silo, WithDryRun(), WithProgress(func(p Progress) { reports = append(reports, p) }))
		require.NoError(t, err)
		require.True(t, res.DryRun)
		require.Equal(t, 10, res.Copied, "the items Run would copy")
		require.Equal(t, e.silo, res.To)
		require.Equal(t, "", res.From)
		require.NotEmpty(t, reports)
		require.True(t, reports[len(reports)-1].Final)
		unchanged(t)
	})
}

// A source without a change feed cannot be moved from; a destination that
// holds items of the tenant is refused; a second Run while one is recorded
// is refused.
func TestPreconditions(t *testing.T) {
	ctx := context.Background()
	t.Run("no change feed", func(t *testing.T) {
		pool := memory.New()
		tables := route.NewMemoryTables(pool, "silo-{tenant}")
		cat, err := route.NewCatalog(pool)
		require.NoError(t, err)
		_, err = Run(ctx, Config{Catalog: cat, Tables: tables}, moving, "silo-x", testOptions()...)
		require.ErrorIs(t, err, ErrNoChangeFeed)
		_, err = Run(ctx, Config{Catalog: cat, Tables: tables}, moving, "silo-x", WithDryRun())
		require.ErrorIs(t, err, ErrNoChangeFeed)
		p, err := cat.LookupFresh(ctx, moving)
		require.NoError(t, err)
		require.Nil(t, p.Move)
	})
	t.Run("destination not empty", func(t *testing.T) {
		e := newEnv(t, "memory", 1, time.Second)
		seed(t, e, moving, 5)
		silo, err := e.tables.Create(ctx, e.silo)
		require.NoError(t, err)
		require.NoError(t, silo.Put(ctx, backend.PutInput{Item: fenceItem(backend.Key{PK: entity.PartitionKey(moving), SK: "rec#left"}, "x")}))
		_, err = Run(ctx, e.config(), moving, e.silo, testOptions()...)
		require.ErrorIs(t, err, ErrDestNotEmpty)
		_, err = Run(ctx, e.config(), moving, e.silo, WithDryRun())
		require.ErrorIs(t, err, ErrDestNotEmpty)
		e.requirePlacement(t, moving, "")
	})
	t.Run("in progress", func(t *testing.T) {
		e := newEnv(t, "memory", 1, time.Second)
		seed(t, e, moving, 5)
		_, err := Run(ctx, e.config(), moving, e.silo, testOptions(killAt(crashCatchup))...)
		require.ErrorIs(t, err, errKilled)
		_, err = Run(ctx, e.config(), moving, e.silo, testOptions()...)
		require.ErrorIs(t, err, ErrInProgress)
		_, err = Run(ctx, e.config(), moving, "", testOptions()...)
		require.ErrorIs(t, err, ErrInProgress)
		res, err := Resume(ctx, e.config(), moving, testOptions()...)
		require.NoError(t, err)
		require.Equal(t, route.PhaseCatchup, res.ResumedAt)
		e.requirePlacement(t, moving, e.silo)
	})
	t.Run("cancelled under a running move", func(t *testing.T) {
		// A Cancel while the move runs: the move stops at its next step
		// with ErrMoveChanged and never switches.
		e := newEnv(t, "memory", 1, time.Second)
		seed(t, e, moving, 300)
		cancelled := false
		hook := func(o *Options) {
			o.PageSize = 100
			o.hook = func(p string) error {
				if p == crashCopy && !cancelled {
					cancelled = true
					require.NoError(t, Cancel(ctx, e.config(), moving))
				}
				return nil
			}
		}
		_, err := Run(ctx, e.config(), moving, e.silo, testOptions(hook)...)
		require.ErrorIs(t, err, ErrMoveChanged)
		require.ErrorIs(t, err, route.ErrStalePlacement)
		e.requirePlacement(t, moving, "")
	})
}

// Progress reports every phase, in order, and ends with a final report.
func TestProgressAndResult(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "memory", 1, time.Second)
	seed(t, e, moving, 250)
	var phases []route.Phase
	var last Progress
	res, err := Run(ctx, e.config(), moving, e.silo, testOptions(func(o *Options) { o.PageSize = 100 }, WithProgress(func(p Progress) {
		if len(phases) == 0 || phases[len(phases)-1] != p.Phase {
			phases = append(phases, p.Phase)
		}
		last = p
	}))...)
	require.NoError(t, err)
	require.Equal(t, []route.Phase{route.PhaseCopy, route.PhaseCatchup, route.PhasePause, route.PhasePurge}, phases)
	require.True(t, last.Final)
	require.Equal(t, 250, last.Copied)
	require.Equal(t, 250, res.Copied)
	require.Equal(t, 250+route.FenceShards, res.Purged, "the items and the fence items")
	require.Zero(t, res.Repaired, "with no writes, the feed had nothing to miss")
	require.NotEmpty(t, res.MoveID)
	for _, ph := range []route.Phase{route.PhasePrepare, route.PhaseCopy, route.PhaseCatchup, route.PhasePause, route.PhasePurge} {
		require.Contains(t, res.Phases, ph)
	}
	require.Positive(t, res.Pause)
	require.GreaterOrEqual(t, res.Phases[route.PhasePause], res.Pause)
	e.requirePlacement(t, moving, e.silo)
	e.requireEmpty(t, "", moving)
}

// The pause compares source and destination range by range and repairs
// what differs: here an item changed, one missing and one extra in the
// destination, as a feed that had not delivered its last changes would
// leave them.
func TestRepair(t *testing.T) {
	for _, kind := range backends(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, kind, 1, time.Second)
			seeds := seed(t, e, moving, 120)
			pk := entity.PartitionKey(moving)
			spoil := func(o *Options) {
				o.PageSize = 50 // three ranges
				o.hook = func(point string) error {
					if point != crashPause {
						return nil
					}
					silo := e.table(t, e.silo)
					changed := backend.CopyItem(partition(t, silo, moving)[60])
					changed["seq"] = &types.AttributeValueMemberN{Value: "99"}
					writes := []backend.WriteRequest{
						{Put: changed},
						{Delete: &backend.Key{PK: pk, SK: "rec#s-00099"}},
						{Put: fenceItem(backend.Key{PK: pk, SK: "rec#zz-extra"}, "x")},
						{Delete: &backend.Key{PK: pk, SK: "rec#s-00000"}},
					}
					return batchWrite(ctx, silo, writes)
				}
			}
			res, err := Run(ctx, e.config(), moving, e.silo, testOptions(spoil)...)
			require.NoError(t, err)
			require.Equal(t, 4, res.Repaired)
			requireRecords(t, seeds, e.records(t, moving))
			e.requireEmpty(t, "", moving)
		})
	}
}
