package ops

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
)

// This file holds what Purge and the Reindex operations share: the
// contiguous frontier their checkpoints hold, the progress reporter, and
// the retry of unprocessed batch writes.

// frontier tracks work handed out in sort-key order and done in any order.
// Each piece of work (a batch of deletes, one item to update) gets a
// sequence number when it is handed out, in the order of its items' sort
// keys (or, in a scan segment, in the order the segment is read); the
// frontier is the key of the last item of the last piece such that it and
// every piece before it are done. A run resumed after the frontier never
// skips work that was not done. It is safe for concurrent use.
type frontier struct {
	mu      sync.Mutex
	next    int64            // the sequence number of the next piece
	low     int64            // the lowest piece not done
	pending map[int64]*piece // pieces handed out, from low on
	key     backend.Key      // the frontier: the last key of piece low-1
	counts  Counts           // the counts of the pieces before low
}

// piece is one piece of work of a frontier.
type piece struct {
	key    backend.Key // the key of its last item
	done   bool
	counts Counts
}

// newFrontier returns a frontier at key k (the zero Key: before every
// item).
func newFrontier(k backend.Key) *frontier {
	return &frontier{pending: map[int64]*piece{}, key: k}
}

// add hands out the next piece, whose last item has key k.
func (f *frontier) add(k backend.Key) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	seq := f.next
	f.next++
	f.pending[seq] = &piece{key: k}
	return seq
}

// idle reports whether every piece handed out is done.
func (f *frontier) idle() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.pending) == 0
}

// done records that piece seq is done, with its counts, and moves the
// frontier past every piece done in a row.
func (f *frontier) done(seq int64, c Counts) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.pending[seq]
	if p == nil || p.done {
		return
	}
	p.done, p.counts = true, c
	for {
		p := f.pending[f.low]
		if p == nil || !p.done {
			return
		}
		f.key = p.key
		f.counts.add(p.counts)
		delete(f.pending, f.low)
		f.low++
	}
}

// at returns the frontier and the counts of the pieces before it.
func (f *frontier) at() (backend.Key, Counts) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.key, f.counts
}

// add adds the counts of d to c.
func (c *Counts) add(d Counts) {
	c.Examined += d.Examined
	c.Done += d.Done
	c.Skipped += d.Skipped
	c.Failed += d.Failed
	c.Bytes += d.Bytes
	c.Units += d.Units
}

// reporter keeps an operation's counts and calls Options.Progress, one
// call at a time. It is safe for concurrent use.
type reporter struct {
	mu     sync.Mutex
	op     string
	tenant string
	fn     func(Progress)
	clock  func() time.Time
	start  time.Time
	counts Counts
	// checkpoint returns the checkpoint to report with counts c, or "";
	// it is called with mu held.
	checkpoint func(c Counts) Checkpoint
}

// newReporter returns the reporter of an operation that starts with the
// counts base (those of the runs before, when resumed).
func newReporter(op, tenant string, opts Options, base Counts, checkpoint func(Counts) Checkpoint) *reporter {
	return &reporter{op: op, tenant: tenant, fn: opts.Progress, clock: opts.Clock, start: opts.Clock(), counts: base, checkpoint: checkpoint}
}

// add adds d to the counts and reports them.
func (r *reporter) add(d Counts) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.counts.add(d)
	r.report(false)
}

// report calls the progress function, if any, with mu held.
func (r *reporter) report(final bool) {
	if r.fn == nil {
		return
	}
	p := Progress{Op: r.op, Tenant: r.tenant, Counts: r.counts, Elapsed: r.clock().Sub(r.start), Final: final}
	if r.checkpoint != nil {
		p.Checkpoint = r.checkpoint(r.counts)
	}
	r.fn(p)
}

// final reports the counts once more, with Final set, and returns them.
// checkpoint is what the last report holds: nil for none.
func (r *reporter) final(checkpoint func(Counts) Checkpoint) Counts {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.checkpoint = checkpoint
	r.report(true)
	return r.counts
}

// total returns the counts so far.
func (r *reporter) total() Counts {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.counts
}

// firstError keeps the first error of a group of goroutines and cancels
// their context when it is set.
type firstError struct {
	mu     sync.Mutex
	err    error
	cancel context.CancelFunc
}

func (e *firstError) set(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.err == nil {
		e.err = err
		e.cancel()
	}
}

func (e *firstError) get() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.err
}

// runError returns the error an operation reports: the context's error as
// it is when ctx ended, else err wrapped with the operation's name.
func runError(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err == nil {
		return nil
	}
	if err == context.Canceled || err == context.DeadlineExceeded {
		return err
	}
	return fmt.Errorf("ops: %s: %w", op, err)
}

// maxWriteAttempts is how many times a batch write is sent before the
// writes it still leaves unprocessed are an error (ErrThrottled).
const maxWriteAttempts = 15

// retryDelay is the wait before attempt (1, 2, ...) of the unprocessed
// writes of a batch: exponential from 10 ms to 2 s, with jitter, as AWS
// recommends for unprocessed items.
var retryDelay = func(attempt int) time.Duration {
	d := min(10*time.Millisecond<<min(attempt-1, 10), 2*time.Second)
	return d/2 + rand.N(d/2+1)
}

// sleep waits d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// batchWrite sends writes (at most backend.MaxBatchWrite) and sends again,
// after a backoff, those the backend leaves unprocessed, until all are
// done; it calls done for each write once it is known to be done. units is
// the estimated capacity of one write, for the pacer. It returns the
// units the requests are estimated to have consumed.
func batchWrite(ctx context.Context, b backend.Backend, pc *pacer, writes []backend.WriteRequest, units func(backend.WriteRequest) float64, done func(backend.WriteRequest)) (float64, error) {
	var spent float64
	for attempt := 1; ; attempt++ {
		var u float64
		for _, w := range writes {
			u += units(w)
		}
		if err := pc.wait(ctx, len(writes), u); err != nil {
			return spent, err
		}
		var out backend.BatchWriteOutput
		err := detached(ctx, func(ctx context.Context) (err error) {
			out, err = b.BatchWrite(ctx, backend.BatchWriteInput{Writes: writes})
			return err
		})
		if err != nil {
			return spent, err
		}
		left := map[backend.Key]bool{}
		for _, w := range out.Unprocessed {
			left[writeKey(w)] = true
		}
		for _, w := range writes {
			if !left[writeKey(w)] {
				spent += units(w)
				done(w)
			}
		}
		if len(out.Unprocessed) == 0 {
			return spent, nil
		}
		if attempt == maxWriteAttempts {
			return spent, fmt.Errorf("%w: %d writes of a batch still unprocessed after %d attempts", backend.ErrThrottled, len(out.Unprocessed), attempt)
		}
		if err := sleep(ctx, retryDelay(attempt)); err != nil {
			return spent, err
		}
		writes = out.Unprocessed
	}
}

// requestTimeout bounds a write request sent by detached.
const requestTimeout = time.Minute

// detached runs one write request with a context that ctx's cancellation
// does not end (it has a timeout of its own), after checking that ctx has
// not ended. A canceled operation so lets the requests it has sent finish,
// and knows what they did: a request cut short by the cancellation might
// or might not have been done, and its items would be counted by no run.
func detached(ctx context.Context, send func(context.Context) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), requestTimeout)
	defer cancel()
	return send(dctx)
}

// writeKey returns the table key a write is on.
func writeKey(w backend.WriteRequest) backend.Key {
	if w.Delete != nil {
		return backend.Key{PK: w.Delete.PK, SK: w.Delete.SK}
	}
	pk, _ := stringAttr(w.Put, entity.PartitionKeyName)
	sk, _ := stringAttr(w.Put, entity.SortKeyName)
	return backend.Key{PK: pk, SK: sk}
}

// typeOf returns the type an item of sort key sk is counted under: its
// prefix, the part before the first separator, or "" without one.
func typeOf(sk string) string {
	prefix, _, ok := strings.Cut(sk, entity.Separator)
	if !ok {
		return ""
	}
	return prefix
}

// stringAttr returns the string value of attribute name of item.
func stringAttr(item backend.Item, name string) (string, bool) {
	v, ok := item[name].(*types.AttributeValueMemberS)
	if !ok {
		return "", false
	}
	return v.Value, true
}

// partitionRange selects every sort key of a partition.
var partitionRange = backend.SortRange{Op: backend.BeginsWith}
