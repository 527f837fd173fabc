package ops

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
)

// ptInFlight counts the write requests in flight, and the most seen.
type ptInFlight struct {
	backend.Backend
	now, most atomic.Int64
}

func (f *ptInFlight) enter() func() {
	n := f.now.Add(1)
	for {
		m := f.most.Load()
		if n <= m || f.most.CompareAndSwap(m, n) {
			break
		}
	}
	time.Sleep(2 * time.Millisecond)
	return func() { f.now.Add(-1) }
}

func (f *ptInFlight) BatchWrite(ctx context.Context, in backend.BatchWriteInput) (backend.BatchWriteOutput, error) {
	defer f.enter()()
	return f.Backend.BatchWrite(ctx, in)
}

func (f *ptInFlight) Update(ctx context.Context, in backend.UpdateInput) (backend.Item, error) {
	defer f.enter()()
	return f.Backend.Update(ctx, in)
}

// Purge and Reindex have Options.Concurrency write requests in flight,
// no more.
func TestWriteConcurrency(t *testing.T) {
	for _, c := range []int{1, 3} {
		b := memory.New()
		ptSeed(t, b, 600)
		f := &ptInFlight{Backend: b}
		res, err := ReindexType(ptCtx(t, "acme"), f, SpecOf[ptOrder](), WithConcurrency(c))
		require.NoError(t, err)
		assert.Equal(t, int64(100), res.Done)
		ptAssertInFlight(t, c, f.most.Load(), "updates in flight")

		f = &ptInFlight{Backend: b}
		pres, err := Purge(ptCtx(t, "acme"), f, WithConcurrency(c), func(o *Options) { o.PageSize = 200 })
		require.NoError(t, err)
		assert.Equal(t, int64(600), pres.Done)
		ptAssertInFlight(t, c, f.most.Load(), "batches in flight")
	}
}

// A paced reindex keeps to its pace: the items read and the updates
// count.
func TestReindexPace(t *testing.T) {
	b := memory.New()
	ptSeed(t, b, 300) // 50 orders
	start := time.Now()
	res, err := ReindexType(ptCtx(t, "acme"), b, SpecOf[ptOrder](), WithPace(Pace{ItemsPerSecond: 200}), func(o *Options) { o.PageSize = 10 })
	require.NoError(t, err)
	assert.Equal(t, int64(50), res.Done)
	// 50 reads and 50 updates at 200 a second, less the first burst.
	assert.GreaterOrEqual(t, time.Since(start), 400*time.Millisecond)
	assert.Positive(t, res.Units)
}

// ptAssertInFlight checks the most requests seen in flight: never over c,
// and more than one when c allows it.
func ptAssertInFlight(t *testing.T, c int, most int64, what string) {
	t.Helper()
	assert.LessOrEqual(t, most, int64(c), what)
	if c > 1 {
		assert.Greater(t, most, int64(1), what)
	}
}
