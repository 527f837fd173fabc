package main

import (
	"fmt"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/tenantrepo/tenantrepo/ops"
)

// reporter shows an operation's progress on stderr: a progress bar on a
// terminal, plain lines otherwise (the first report at once, then one per
// --progress-interval at most, and the final one), nothing with --quiet. It keeps the
// last checkpoint reported.
type reporter struct {
	a     *app
	label string // "purge acme"
	total int64  // items expected, or -1 when not known
	// byDone makes the bar count the items done, not those examined: for
	// the operations that act on every item they read (purge, export,
	// import, copy), whose reads run ahead of their writes.
	byDone bool

	mu         sync.Mutex
	bar        *progressbar.ProgressBar
	lastLine   time.Time
	printed    bool
	checkpoint ops.Checkpoint
	final      bool
}

// newReporter returns the reporter of an operation; total is the items it
// is expected to go through, -1 when not known.
func (a *app) newReporter(label string, total int64) *reporter {
	return &reporter{a: a, label: label, total: total}
}

// countingDone makes r's bar count the items done (see reporter.byDone).
func (r *reporter) countingDone() *reporter {
	r.byDone = true
	return r
}

// option returns the ops option that reports to r.
func (r *reporter) option() func(*ops.Options) {
	return ops.WithProgress(r.report)
}

func (r *reporter) report(p ops.Progress) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if p.Checkpoint != "" {
		r.checkpoint = p.Checkpoint
	}
	if r.a.g.quiet {
		return
	}
	if r.a.terminal {
		r.reportBar(p)
		return
	}
	now := time.Now()
	if r.printed && !p.Final && now.Sub(r.lastLine) < r.a.g.progressEvery {
		return
	}
	r.printed, r.lastLine = true, now
	word := "progress"
	if p.Final {
		word = "finished"
		r.final = true
	}
	fmt.Fprintf(r.a.stderr, "tenantctl: %s %s: examined %d, done %d, skipped %d, failed %d, %s, %.1fs\n",
		r.label, word, p.Examined, p.Done, p.Skipped, p.Failed, formatBytes(p.Bytes), p.Elapsed.Seconds())
}

func (r *reporter) reportBar(p ops.Progress) {
	if r.bar == nil {
		r.bar = progressbar.NewOptions64(r.total,
			progressbar.OptionSetWriter(r.a.stderr),
			progressbar.OptionSetDescription(r.label),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("items"),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSpinnerType(14),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(r.a.stderr) }),
		)
	}
	value, desc := p.Examined, fmt.Sprintf("%s: done %d, skipped %d, failed %d, %s", r.label, p.Done, p.Skipped, p.Failed, formatBytes(p.Bytes))
	if r.byDone {
		value, desc = p.Done, fmt.Sprintf("%s: examined %d, skipped %d, failed %d, %s", r.label, p.Examined, p.Skipped, p.Failed, formatBytes(p.Bytes))
	}
	r.bar.Describe(desc)
	if r.total > 0 && value > r.total {
		r.bar.ChangeMax64(value)
	}
	_ = r.bar.Set64(value)
	if p.Final {
		r.final = true
		_ = r.bar.Finish()
	}
}

// close ends the bar of an operation that stopped without a final report.
func (r *reporter) close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.bar != nil && !r.final {
		_ = r.bar.Exit()
		fmt.Fprintln(r.a.stderr)
	}
}

// lastCheckpoint is the last checkpoint reported.
func (r *reporter) lastCheckpoint() ops.Checkpoint {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.checkpoint
}

// formatBytes formats n bytes with a decimal unit.
func formatBytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, i := float64(n)/unit, 0
	for v >= unit && i < 3 {
		v /= unit
		i++
	}
	return fmt.Sprintf("%.1f %cB", v, "kMGT"[i])
}
