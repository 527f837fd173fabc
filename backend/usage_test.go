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

// TestMeteringOf: a context is metered for units alone when every Meter in
// it was made by WithUnitsMeter, fully when any was made by WithMeter
// (around or inside the units meter), not at all without a Meter or under
// WithoutMeter; a units Meter is charged, and passes charges on, as any.
func TestMeteringOf(t *testing.T) {
	ctx := context.Background()
	assert.Equal(t, backend.NotMetered, backend.MeteringOf(ctx))

	units, um := backend.WithUnitsMeter(ctx)
	assert.Equal(t, backend.MeteredUnits, backend.MeteringOf(units))
	assert.True(t, backend.Metered(units))
	twice, _ := backend.WithUnitsMeter(units)
	assert.Equal(t, backend.MeteredUnits, backend.MeteringOf(twice))

	full, fm := backend.WithMeter(ctx)
	assert.Equal(t, backend.MeteredFully, backend.MeteringOf(full))
	inside, im := backend.WithUnitsMeter(full)
	assert.Equal(t, backend.MeteredFully, backend.MeteringOf(inside), "the outer meter wants everything")
	around, _ := backend.WithMeter(units)
	assert.Equal(t, backend.MeteredFully, backend.MeteringOf(around), "the inner meter wants everything")

	assert.Equal(t, backend.NotMetered, backend.MeteringOf(backend.WithoutMeter(inside)))
	below, _ := backend.WithUnitsMeter(backend.WithoutMeter(full))
	assert.Equal(t, backend.MeteredUnits, backend.MeteringOf(below), "WithoutMeter hides the meters it was made in")

	u := backend.Usage{Requests: 1}
	u.Capacity.Table.Read = 0.5
	backend.Charge(units, u)
	backend.Charge(inside, u)
	assert.Equal(t, u, um.Usage())
	assert.Equal(t, u, im.Usage())
	assert.Equal(t, u, fm.Usage(), "the units meter passes its charges on")
}
