package move

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/route"
)

// killItems is the size of the moved tenant in the kill tests, by backend.
var killItems = map[string]int{"memory": 300, "dynamodb": 100}

// killAll says which backends the kill tests kill at every point, resumed
// and cancelled. On the others (DynamoDB Local in the default build, where
// each costs seconds) only the kill in the pause is, and resumed. The
// build tag long sets all.
var killAll = map[string]bool{"memory": true}

// errKilled stands for the death of the moving's process.
var errKilled = errors.New("killed")

// killAt returns an option whose hook kills the move the first time it
// reaches point.
func killAt(point string) func(*Options) {
	killed := false
	return func(o *Options) {
		o.PageSize = 100 // several pages, so that a kill in the middle leaves work
		o.hook = func(p string) error {
			if p == point && !killed {
				killed = true
				return errKilled
			}
			return nil
		}
	}
}

// The phase the catalog records after a kill at each point.
var killPhases = []struct {
	point string
	phase route.Phase
}{
	{crashCopy, route.PhaseCopy},
	{crashCatchup, route.PhaseCatchup},
	{crashPause, route.PhasePause},
	{crashSwitch, route.PhaseSwitched},
	{crashPurge, route.PhasePurge},
}

// killedMove starts a load on a new env, runs a move of the moving to its
// silo killed at point, and checks what the catalog records.
func killedMove(t *testing.T, kind, point string, phase route.Phase) (*env, *load) {
	t.Helper()
	e := newEnv(t, kind, 1, 100*time.Millisecond)
	seeds := seed(t, e, moving, killItems[kind])
	seed(t, e, bystander, 20)
	pace := time.Duration(0)
	if kind == "memory" {
		pace = time.Millisecond
	}
	l := startLoad(t, e, seeds, 2, 1, pace)
	_, err := Run(context.Background(), e.config(), moving, e.silo, testOptions(killAt(point))...)
	require.ErrorIs(t, err, errKilled)
	p, err := e.cat.LookupFresh(context.Background(), moving)
	require.NoError(t, err)
	require.NotNil(t, p.Move)
	require.Equal(t, phase, p.Move.Phase)
	// The application goes on (or, killed in the pause, waits and retries).
	time.Sleep(300 * time.Millisecond)
	return e, l
}

// A move killed at each phase and resumed ends with the tenant in its
// destination, every acknowledged write there, and the source empty.
func TestKillAndResume(t *testing.T) {
	for _, kind := range backends(t) {
		t.Run(kind, func(t *testing.T) {
			for _, k := range killPhases {
				if !killAll[kind] && k.point != crashPause {
					continue
				}
				t.Run(k.point, func(t *testing.T) {
					e, l := killedMove(t, kind, k.point, k.phase)
					if k.point == crashPause {
						require.Positive(t, l.moving.Load(), "writes held by the fence failed with route.ErrMoving and were retried")
					}
					res, err := Resume(context.Background(), e.config(), moving, testOptions()...)
					require.NoError(t, err)
					require.Equal(t, k.phase, res.ResumedAt)
					time.Sleep(100 * time.Millisecond)
					want := l.finish(t)
					e.requirePlacement(t, moving, e.silo)
					requireRecords(t, want, e.records(t, moving))
					e.requireEmpty(t, "", moving)
					// Nothing to resume any more.
					_, err = Resume(context.Background(), e.config(), moving, testOptions()...)
					require.ErrorIs(t, err, ErrNoMove)
				})
			}
		})
	}
}

// A move killed before its switch and cancelled leaves the tenant where it
// was, with every acknowledged write, no fence item, and nothing in the
// destination; killed after its switch, Cancel refuses (ErrTooLate) and
// Resume finishes it.
func TestKillAndCancel(t *testing.T) {
	for _, kind := range backends(t) {
		if !killAll[kind] {
			continue // DynamoDB Local: with the build tag long (make test-long)
		}
		t.Run(kind, func(t *testing.T) {
			for _, k := range killPhases[:3] {
				t.Run(k.point, func(t *testing.T) {
					e, l := killedMove(t, kind, k.point, k.phase)
					require.NoError(t, Cancel(context.Background(), e.config(), moving, testOptions()...))
					time.Sleep(100 * time.Millisecond)
					want := l.finish(t)
					e.requirePlacement(t, moving, "")
					requireRecords(t, want, e.records(t, moving))
					e.requireEmpty(t, e.silo, moving)
					for _, it := range partition(t, e.table(t, ""), moving) {
						require.NotContains(t, sortKey(it), "#move#", "no fence item is left")
					}
					require.ErrorIs(t, Cancel(context.Background(), e.config(), moving), ErrNoMove)
					if k.point == crashPause {
						// The tenant can be moved again.
						res, err := Run(context.Background(), e.config(), moving, e.silo, testOptions()...)
						require.NoError(t, err)
						require.Equal(t, len(want), res.Copied)
						e.requirePlacement(t, moving, e.silo)
						requireRecords(t, want, e.records(t, moving))
					}
				})
			}
			for _, k := range killPhases[3:] {
				t.Run(k.point, func(t *testing.T) {
					e, l := killedMove(t, kind, k.point, k.phase)
					require.ErrorIs(t, Cancel(context.Background(), e.config(), moving), ErrTooLate)
					_, err := Resume(context.Background(), e.config(), moving, testOptions()...)
					require.NoError(t, err)
					want := l.finish(t)
					e.requirePlacement(t, moving, e.silo)
					requireRecords(t, want, e.records(t, moving))
					e.requireEmpty(t, "", moving)
				})
			}
		})
	}
}
