package backend_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
)

type probeKey struct{}

// TestMeter: a Meter adds up what is charged to its context and to
// contexts made from it, and passes it on to the Meter of the context it
// was made in; the context it is in answers every other key, deadline and
// cancellation as the one it was made from.
func TestMeter(t *testing.T) {
	parent, cancel := context.WithTimeout(context.WithValue(context.Background(), probeKey{}, "v"), time.Hour)
	defer cancel()
	assert.False(t, backend.Metered(parent))
	backend.Charge(parent, backend.Usage{Requests: 1}) // no meter: nothing happens

	outerCtx, outer := backend.WithMeter(parent)
	innerCtx, inner := backend.WithMeter(context.WithValue(outerCtx, probeKey{}, "w"))
	require.True(t, backend.Metered(outerCtx))
	require.True(t, backend.Metered(innerCtx))
	assert.Equal(t, "v", outerCtx.Value(probeKey{}))
	assert.Equal(t, "w", innerCtx.Value(probeKey{}))
	pd, _ := parent.Deadline()
	od, ok := innerCtx.Deadline()
	assert.True(t, ok)
	assert.Equal(t, pd, od)

	backend.Charge(innerCtx, backend.Usage{Requests: 2, Retries: 1})
	backend.Charge(outerCtx, backend.Usage{Requests: 1, Throttles: 1})
	assert.Equal(t, backend.Usage{Requests: 2, Retries: 1}, inner.Usage())
	assert.Equal(t, backend.Usage{Requests: 3, Retries: 1, Throttles: 1}, outer.Usage())
	assert.Equal(t, backend.Usage{Requests: 2, Retries: 1}, inner.Reset())
	assert.Equal(t, backend.Usage{}, inner.Usage())

	cancel()
	<-innerCtx.Done()
	assert.ErrorIs(t, innerCtx.Err(), context.Canceled)

	assert.Panics(t, func() { backend.WithMeter(nil) }) //nolint:staticcheck // SA1012: a nil context on purpose
}

// TestWithMeterAllocatesOnce: the Meter and its context are one
// allocation, which every observed or limited call makes.
func TestWithMeterAllocatesOnce(t *testing.T) {
	ctx := context.Background()
	if n := testing.AllocsPerRun(100, func() { _, _ = backend.WithMeter(ctx) }); n != 1 {
		t.Errorf("WithMeter allocates %v times, want 1", n)
	}
}
