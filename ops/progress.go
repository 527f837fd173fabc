package ops

import (
	"sync"
	"time"
)

// add adds the counts of d to c.
func (c *Counts) add(d Counts) {
	c.Examined += d.Examined
	c.Done += d.Done
	c.Skipped += d.Skipped
	c.Failed += d.Failed
	c.Bytes += d.Bytes
	c.Units += d.Units
}

// reporter keeps an operation's counts and reports them to
// Options.Progress, one call at a time. It is safe for concurrent use.
type reporter struct {
	mu     sync.Mutex
	op     string
	tenant string
	fn     func(Progress)
	clock  func() time.Time
	start  time.Time
	counts Counts
	// checkpoint returns the checkpoint to report with counts c, or "";
	// nil reports none. It is called with mu held.
	checkpoint func(c Counts) Checkpoint
}

// newReporter returns the reporter of operation op on tenant ("" for the
// operator-scoped ones), started at start, with the counts base (those of
// the runs before, when resumed) and the checkpoint function of its
// reports (nil: none).
func newReporter(op, tenant string, o Options, start time.Time, base Counts, checkpoint func(Counts) Checkpoint) *reporter {
	return &reporter{op: op, tenant: tenant, fn: o.Progress, clock: o.Clock, start: start, counts: base, checkpoint: checkpoint}
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
// checkpoint gives what the last report holds: nil for none.
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
