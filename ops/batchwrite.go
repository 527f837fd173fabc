package ops

import (
	"context"
	"fmt"
	"time"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/internal/wait"
)

// This file holds the writing of one batch, shared by Purge (deletes) and
// by Import and Copy (puts): the retry of the writes a backend leaves
// unprocessed, with a backoff and a bound on the attempts, and the
// account of which writes are known to be done.

// maxWriteAttempts is how many times a batch write is sent before the
// writes it still leaves unprocessed are an error (backend.ErrThrottled).
const maxWriteAttempts = 15

// retryDelay is the wait before attempt+1 of the unprocessed writes of a
// batch, after attempt (1, 2, ...): exponential from 10 ms to 2 s, with
// jitter, as AWS recommends for unprocessed items. Tests make it shorter.
var retryDelay = wait.Backoff

// requestTimeout bounds a write request sent with a detached context.
const requestTimeout = time.Minute

// detach returns the context of one write request: ctx's values, a
// timeout of its own, and not ended by ctx's cancellation. An operation
// checks ctx before it sends a request and sends it with this context, so
// that a canceled operation lets the requests it has sent finish and
// knows what they did: a request cut short by the cancellation might or
// might not have been done, and its items would be counted by no run.
func detach(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), requestTimeout)
}

// batchOutcome is what batchWrite did, besides the writes it reported
// done.
type batchOutcome struct {
	// Units are the estimated write units of the writes done.
	Units float64
	// Left, when batchWrite returns an error, are the indexes of the
	// writes not known to be done.
	Left []int
	// Sent reports that the writes Left were sent: the backend left them
	// unprocessed, or their request failed. When it is false they were
	// never sent.
	Sent bool
	// Unanswered reports that the writes Left were in a request that
	// failed without saying what it did: they may or may not be done.
	Unanswered bool
}

// batchWrite sends writes (at most backend.MaxBatchWrite, on distinct
// keys; sizes[i] is the size of the item writes[i] puts or deletes) and
// sends again, after a backoff, those the backend leaves unprocessed,
// until all are done, up to maxWriteAttempts times. Each request waits
// for the pacer, and is sent only while ctx has not ended, with a
// detached context. It calls done(i) for each write once it is known to
// be done, and returns, with the first error, what became of the others.
func batchWrite(ctx context.Context, b backend.Backend, pc *pacer, writes []backend.WriteRequest, sizes []int, done func(i int)) (batchOutcome, error) {
	var o batchOutcome
	pending := make([]int, len(writes)) // indexes into writes
	for i := range pending {
		pending[i] = i
	}
	o.Left = pending
	for attempt := 1; ; attempt++ {
		send := make([]backend.WriteRequest, len(pending))
		var units float64
		for j, i := range pending {
			send[j] = writes[i]
			units += writeUnits(sizes[i])
		}
		if err := pc.wait(ctx, len(send), units); err != nil {
			return o, err
		}
		if err := ctx.Err(); err != nil {
			return o, err
		}
		rctx, cancel := detach(ctx)
		rctx, consumed := pc.measure(rctx)
		out, err := b.BatchWrite(rctx, backend.BatchWriteInput{Writes: send})
		cancel()
		pc.charge(consumed(units) - units)
		if err != nil {
			o.Sent = true
			switch backend.KindOf(err) {
			case backend.KindInvalidArgument, backend.KindItemTooLarge:
				// Refused as a whole: nothing written.
			default:
				o.Unanswered = true
			}
			return o, err
		}
		left := make(map[backend.Key]bool, len(out.Unprocessed))
		for _, w := range out.Unprocessed {
			left[writeKey(w)] = true
		}
		var next []int
		for _, i := range pending {
			if left[writeKey(writes[i])] {
				next = append(next, i)
				continue
			}
			o.Units += writeUnits(sizes[i])
			done(i)
		}
		if len(next) == 0 {
			o.Left = nil
			return o, nil
		}
		pending = next
		o.Left, o.Sent = pending, true
		if attempt == maxWriteAttempts {
			return o, fmt.Errorf("%w: %d writes of a batch still unprocessed after %d attempts", backend.ErrThrottled, len(next), attempt)
		}
		if err := wait.Sleep(ctx, retryDelay(attempt)); err != nil {
			return o, err
		}
	}
}

// writeKey returns the table key a write is on.
func writeKey(w backend.WriteRequest) backend.Key {
	if w.Delete != nil {
		return backend.Key{PK: w.Delete.PK, SK: w.Delete.SK}
	}
	pk, _ := stringAttr(w.Put, entity.PartitionKeyName)
	return backend.Key{PK: pk, SK: sortKeyOf(w.Put)}
}
