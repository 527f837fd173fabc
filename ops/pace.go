package ops

import (
	"context"
	"fmt"
	"math"
	"sync"

	"golang.org/x/time/rate"

	"github.com/tenantrepo/tenantrepo/backend"
)

// Pace limits how fast a bulk operation goes. Either limit, or both, may
// be set; zero means no limit. Each request waits until both limits allow
// it, before it is sent.
//
// Capacity units are what each request consumed, on the table and its
// indexes, as the backend reports it (backend.Usage: DynamoDB's
// ConsumedCapacity, or the memory backend's figures by the same rules).
// For a backend that reports none, they are estimated from the sizes of
// the items read and written (backend.ItemSize), by DynamoDB's published
// rules: a write costs one write unit per started KB of the item (a
// delete, of the item deleted), a page read costs one read unit per
// started 4 KB of the page's items summed, half that when eventually
// consistent; index writes are not in the estimate.
//
// A read is charged after its page came back, before the next request.
// A write waits for its estimate before it is sent, and is charged what
// it consumed beyond the estimate after (index writes, mostly), which the
// next request waits for; an estimate above what it consumed is not given
// back. Counts.Units stays the estimate.
type Pace struct {
	// ItemsPerSecond limits the items read plus the items written.
	ItemsPerSecond float64 `json:"itemsPerSecond,omitempty"`
	// UnitsPerSecond limits the capacity units consumed (or estimated,
	// see above), read and write together, table and indexes together.
	UnitsPerSecond float64 `json:"unitsPerSecond,omitempty"`
}

func (p Pace) check() error {
	for _, v := range []float64{p.ItemsPerSecond, p.UnitsPerSecond} {
		if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: pace %v is not a finite number of at least 0", ErrInvalidArgument, v)
		}
	}
	return nil
}

// pacer waits before requests so that an operation keeps to its Pace. Its
// methods are safe for concurrent use; a nil *pacer never waits.
type pacer struct {
	items *rate.Limiter // nil: no limit
	units *rate.Limiter // in half units; nil: no limit

	mu   sync.Mutex
	owed float64 // units charged after requests, which the next wait waits for
}

// newPacer returns the pacer of p, nil when p has no limit.
func newPacer(p Pace) *pacer {
	if p.ItemsPerSecond == 0 && p.UnitsPerSecond == 0 {
		return nil
	}
	pc := &pacer{}
	if p.ItemsPerSecond > 0 {
		pc.items = rate.NewLimiter(rate.Limit(p.ItemsPerSecond), burst(p.ItemsPerSecond))
	}
	if p.UnitsPerSecond > 0 {
		pc.units = rate.NewLimiter(rate.Limit(2*p.UnitsPerSecond), burst(2*p.UnitsPerSecond))
	}
	return pc
}

// burst is the bucket size for a rate: a tenth of a second's worth, at
// least one, so requests spread out instead of bunching.
func burst(perSecond float64) int {
	return max(1, int(math.Ceil(perSecond/10)))
}

// wait blocks until items more items and units more capacity units may go,
// or ctx ends.
func (pc *pacer) wait(ctx context.Context, items int, units float64) error {
	if pc == nil {
		return ctx.Err()
	}
	if err := waitN(ctx, pc.items, items); err != nil {
		return err
	}
	pc.mu.Lock()
	units += pc.owed
	pc.owed = 0
	pc.mu.Unlock()
	return waitN(ctx, pc.units, int(min(math.Ceil(2*units), 1<<50))) // a bound no real wait reaches
}

// measure returns ctx with a meter (backend.WithUnitsMeter: the total is
// all it reads) when the pacer
// limits units, and a function that returns the capacity units the
// requests made with that context consumed, read and write, table and
// indexes, as the backend reported them; or estimate when it reported
// none (no capacity at all: a backend that does not report it).
func (pc *pacer) measure(ctx context.Context) (context.Context, func(estimate float64) float64) {
	if pc == nil || pc.units == nil {
		return ctx, func(estimate float64) float64 { return estimate }
	}
	mctx, m := backend.WithUnitsMeter(ctx)
	return mctx, func(estimate float64) float64 {
		u := m.Usage().Capacity.Total()
		if t := u.Read + u.Write; t > 0 {
			return t
		}
		return estimate
	}
}

// charge adds units to what the pacer is owed, without waiting: the next
// wait waits for them too. It does nothing for units of 0 or less, NaN or
// infinite.
func (pc *pacer) charge(units float64) {
	if pc == nil || pc.units == nil || !(units > 0) || math.IsInf(units, 1) {
		return
	}
	pc.mu.Lock()
	pc.owed += units
	pc.mu.Unlock()
}

// waitN takes n tokens from l, in steps no larger than its burst.
func waitN(ctx context.Context, l *rate.Limiter, n int) error {
	if l == nil {
		return ctx.Err()
	}
	for n > 0 {
		step := min(n, l.Burst())
		if err := l.WaitN(ctx, step); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		n -= step
	}
	return nil
}

// writeUnits is the estimated write capacity of writing or deleting an item
// of size bytes: one unit per started KB, at least one.
func writeUnits(size int) float64 {
	return float64(max(1, (size+1023)/1024))
}

// readUnits is the estimated read capacity of a page whose items sum to
// bytes: one unit per started 4 KB, at least one, halved when eventually
// consistent.
func readUnits(bytes int, consistent bool) float64 {
	u := float64(max(1, (bytes+4095)/4096))
	if !consistent {
		u /= 2
	}
	return u
}
