package wait

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestSleep: Sleep waits its time, ends early with its context, and
// returns at once for no time.
func TestSleep(t *testing.T) {
	start := time.Now()
	assert.NoError(t, Sleep(t.Context(), 20*time.Millisecond))
	assert.GreaterOrEqual(t, time.Since(start), 20*time.Millisecond)

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	start = time.Now()
	assert.ErrorIs(t, Sleep(ctx, time.Hour), context.Canceled)
	assert.Less(t, time.Since(start), time.Minute)
	assert.ErrorIs(t, Sleep(ctx, 0), context.Canceled)
	assert.NoError(t, Sleep(t.Context(), -time.Second))
}

// TestBackoff: each attempt's wait is between half and all of 10 ms
// doubled per attempt, capped at 2 s; attempts below 1 count as 1, and
// huge ones do not overflow.
func TestBackoff(t *testing.T) {
	for _, tc := range []struct {
		attempt int
		full    time.Duration
	}{
		{-5, 10 * time.Millisecond}, {0, 10 * time.Millisecond}, {1, 10 * time.Millisecond},
		{2, 20 * time.Millisecond}, {5, 160 * time.Millisecond}, {8, 1280 * time.Millisecond},
		{9, 2 * time.Second}, {1 << 30, 2 * time.Second},
	} {
		for range 200 {
			d := Backoff(tc.attempt)
			assert.GreaterOrEqual(t, d, tc.full/2, "attempt %d", tc.attempt)
			assert.LessOrEqual(t, d, tc.full, "attempt %d", tc.attempt)
		}
	}
}
