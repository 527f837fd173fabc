package wait

import (
	"context"
	"math/rand/v2"
	"time"
)

// Sleep waits d, or until ctx is done, when it returns ctx.Err(). A d of
// 0 or less returns at once (nil, or ctx.Err() when ctx is done).
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Backoff is the wait before sending a batch's unprocessed writes again
// after attempt (1, 2, ...): exponential from 10 ms, at most 2 s, of which
// a random half (equal jitter), as AWS recommends for unprocessed items.
func Backoff(attempt int) time.Duration {
	d := min(backoffBase<<min(max(attempt, 1)-1, 8), backoffMax)
	return d/2 + rand.N(d/2+1)
}

const (
	backoffBase = 10 * time.Millisecond
	backoffMax  = 2 * time.Second
)
