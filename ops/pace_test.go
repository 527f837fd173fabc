package ops

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
)

// TestPacerMeasure: the pacer charges what the backend reports the
// requests consumed, and the estimate when it reports no capacity.
func TestPacerMeasure(t *testing.T) {
	ctx := t.Context()
	var nilPacer *pacer
	mctx, consumed := nilPacer.measure(ctx)
	assert.Equal(t, ctx, mctx)
	assert.Equal(t, 1.5, consumed(1.5))
	nilPacer.charge(10) // no panic

	items := newPacer(Pace{ItemsPerSecond: 10})
	mctx, consumed = items.measure(ctx)
	assert.False(t, backend.Metered(mctx), "no units limit: no meter")
	assert.Equal(t, 1.5, consumed(1.5))

	pc := newPacer(Pace{UnitsPerSecond: 10})
	mctx, consumed = pc.measure(ctx)
	assert.Equal(t, 0.5, consumed(0.5), "nothing reported: the estimate")
	backend.Charge(mctx, backend.Usage{Requests: 1})
	assert.Equal(t, 0.5, consumed(0.5), "a request without capacity: the estimate")
	backend.Charge(mctx, backend.Usage{Requests: 1, Capacity: backend.Capacity{
		Table: backend.Units{Write: 2}, Indexes: [backend.MaxIndexes]backend.Units{{Write: 2}, {Read: 0.5}},
	}})
	assert.Equal(t, 4.5, consumed(0.5), "table and indexes, read and write")

	// charge puts the pacer into debt: the next wait waits for it.
	pc.charge(5) // 10 half units; the bucket holds 2 (a tenth of a second)
	start := time.Now()
	require.NoError(t, pc.wait(ctx, 0, 0.5))
	assert.GreaterOrEqual(t, time.Since(start), 400*time.Millisecond, "9 half units owed at 20 a second")
}

// costly charges every query it serves a fixed capacity, as a backend
// that reports consumed capacity does.
type costly struct {
	backend.Backend
	units float64
}

func (c costly) QueryShared(ctx context.Context, in backend.QueryInput) (backend.QueryOutput, error) {
	return c.Query(ctx, in)
}

func (c costly) Query(ctx context.Context, in backend.QueryInput) (backend.QueryOutput, error) {
	backend.Charge(ctx, backend.Usage{Requests: 1, Capacity: backend.Capacity{Table: backend.Units{Read: c.units}}})
	return c.Backend.Query(ctx, in)
}

// TestPaceChargesConsumed: Stats paced in units goes at the pace of the
// capacity the backend reports, not of the (smaller) estimate.
func TestPaceChargesConsumed(t *testing.T) {
	mem := memory.New()
	for i := range 8 {
		require.NoError(t, mem.Put(t.Context(), backend.PutInput{Item: backend.Item{
			"PK": &types.AttributeValueMemberS{Value: "tenant#acme"},
			"SK": &types.AttributeValueMemberS{Value: fmt.Sprintf("note#%d", i)},
		}}))
	}
	run := func(b backend.Backend) time.Duration {
		start := time.Now()
		res, err := Stats(tenantCtx(t, "acme"), b, WithPageSize(2), WithPace(Pace{UnitsPerSecond: 20}))
		require.NoError(t, err)
		require.EqualValues(t, 8, res.Items)
		return time.Since(start)
	}
	// 5 pages (the last one empty), 10 half units each reported, 40 half
	// units a second with a burst of 4: about 1.15 s.
	reported := run(costly{Backend: mem, units: 5})
	// The estimate is 1 unit a page: about 0.15 s.
	estimated := run(mem)
	t.Logf("5 units a page reported: %v; estimated 1 unit a page: %v", reported, estimated)
	assert.GreaterOrEqual(t, reported, time.Second)
	assert.Less(t, estimated, 700*time.Millisecond)
}
