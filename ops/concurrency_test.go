package ops

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend/memory"
)

// Purge and Reindex have Options.Concurrency write requests in flight,
// no more.
func TestWriteConcurrency(t *testing.T) {
	for _, c := range []int{1, 3} {
		b := memory.New()
		seedMixed(t, b, 600)
		f := &inFlight{Backend: b}
		res, err := ReindexType(tenantCtx(t, "acme"), f, SpecOf[seedOrder](), WithConcurrency(c))
		require.NoError(t, err)
		assert.Equal(t, int64(100), res.Done)
		assertInFlight(t, c, f.most.Load(), "updates in flight")

		f = &inFlight{Backend: b}
		pres, err := Purge(tenantCtx(t, "acme"), f, WithConcurrency(c), WithPageSize(200))
		require.NoError(t, err)
		assert.Equal(t, int64(600), pres.Done)
		assertInFlight(t, c, f.most.Load(), "batches in flight")
	}
}

// A paced reindex keeps to its pace: the items read and the updates
// count.
func TestReindexPace(t *testing.T) {
	b := memory.New()
	seedMixed(t, b, 300) // 50 orders
	start := time.Now()
	res, err := ReindexType(tenantCtx(t, "acme"), b, SpecOf[seedOrder](), WithPace(Pace{ItemsPerSecond: 200}), WithPageSize(10))
	require.NoError(t, err)
	assert.Equal(t, int64(50), res.Done)
	// 50 reads and 50 updates at 200 a second, less the first burst.
	assert.GreaterOrEqual(t, time.Since(start), 400*time.Millisecond)
	assert.Positive(t, res.Units)
}

// assertInFlight checks the most requests seen in flight: never over c,
// and more than one when c allows it.
func assertInFlight(t *testing.T, c int, most int64, what string) {
	t.Helper()
	assert.LessOrEqual(t, most, int64(c), what)
	if c > 1 {
		assert.Greater(t, most, int64(1), what)
	}
}
