package move

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/route"
)

// acceptItems is the size of the moved tenant in TestMoveUnderLoad, by
// backend: small in the default build, 10,000 with the build tag long
// (long_test.go). DynamoDB Local writes slowly into tables with a stream,
// and more slowly the more stream records it holds: the default keeps
// make test short.
var acceptItems = map[string]int{"memory": 1000, "dynamodb": 100}

// The acceptance test of issue #15: 4 writers and 2 readers work on a
// tenant while it moves pool -> silo -> pool. At the end the tenant's data
// equals the model of every acknowledged write, no read returned another
// tenant's record or missed a client's own write, the source of each move
// holds nothing of the tenant, and the other tenant in the pool is as it
// was.
func TestMoveUnderLoad(t *testing.T) {
	for _, kind := range backends(t) {
		t.Run(kind, func(t *testing.T) {
			e := newEnv(t, kind, 2, 2*time.Second)
			ctx := context.Background()
			seeds := seed(t, e, moving, acceptItems[kind])
			seed(t, e, bystander, 100)
			pool := e.table(t, "")
			before := snapshot(t, pool, bystander)

			pace := time.Millisecond // keep the feed small
			if kind == "dynamodb" {
				pace = 5 * time.Millisecond
			}
			l := startLoad(t, e, seeds, 4, 2, pace)
			time.Sleep(100 * time.Millisecond)
			toSilo := moveDuring(t, ctx, e, l, e.silo)
			time.Sleep(100 * time.Millisecond)
			toPool := moveDuring(t, ctx, e, l, "")
			time.Sleep(100 * time.Millisecond)
			want := l.finish(t)

			requireRecords(t, want, e.records(t, moving))
			e.requireEmpty(t, e.silo, moving)
			require.Equal(t, before, snapshot(t, pool, bystander), "the other tenant in the pool is untouched")
			require.Positive(t, l.writes.Load())
			require.Positive(t, l.reads.Load())
			for _, res := range []Result{toSilo, toPool} {
				require.GreaterOrEqual(t, res.Copied, acceptItems[kind]/2, "the copy wrote the tenant's items")
				require.Positive(t, res.Pause)
				require.Less(t, res.Pause, 30*time.Second, "a loose bound: the pause is a target, not a timed assertion")
				require.Positive(t, res.Purged)
			}
			report(t, kind, toSilo, toPool, l)
		})
	}
}

// report logs the figures of a run of TestMoveUnderLoad and, when
// MOVE_REPORT names a file, appends them to it.
func report(t *testing.T, kind string, toSilo, toPool Result, l *load) {
	line := func(name string, r Result) string {
		return fmt.Sprintf("%s %s: %d items, copied %d, applied %d, repaired %d, purged %d, pause %v, phases copy %v catchup %v pause %v purge %v",
			kind, name, acceptItems[kind], r.Copied, r.Applied, r.Repaired, r.Purged, r.Pause.Round(time.Millisecond),
			r.Phases[route.PhaseCopy].Round(time.Millisecond), r.Phases[route.PhaseCatchup].Round(time.Millisecond),
			r.Phases[route.PhasePause].Round(time.Millisecond), r.Phases[route.PhasePurge].Round(time.Millisecond))
	}
	lines := []string{
		line("pool->silo", toSilo),
		line("silo->pool", toPool),
		fmt.Sprintf("%s load: %d writes acknowledged, %d refused with ErrMoving and retried, %d retried for other reasons, %d reads",
			kind, l.writes.Load(), l.moving.Load(), l.retried.Load(), l.reads.Load()),
	}
	for _, s := range lines {
		t.Log(s)
	}
	if path := os.Getenv("MOVE_REPORT"); path != "" {
		f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		require.NoError(t, err)
		defer f.Close()
		for _, s := range lines {
			fmt.Fprintln(f, s)
		}
	}
}
