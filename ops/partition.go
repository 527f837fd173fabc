package ops

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
)

// partitionRead says how readPartition reads a partition.
type partitionRead struct {
	// PageSize is the Limit of each query, at least 1.
	PageSize int
	// Pacer is charged, after each page, with its items and estimated
	// read units, so the next page waits when the pace requires it; nil
	// never waits.
	Pacer *pacer
	// After, when not empty, is a sort key: the read starts after it.
	After string
	// Shared lets the pages hold the backend's own items when it is a
	// backend.Lender: the callback must not change them, nor keep any
	// part of them but strings past its return.
	Shared bool
}

// page is one page of a partition.
type page struct {
	Items []backend.Item
	Sizes []int   // backend.ItemSize of each item
	Bytes int     // the sum of Sizes
	Units float64 // the estimated read units of the page (consistent)
}

// readPartition reads the partition pk of b in sort-key order, page by
// page, with consistent reads, and calls fn with each page that holds
// items. It stops at the first error, fn's or the backend's, and returns
// it. Every item of a page is checked to belong to pk (a backend that
// returned another partition's item is an error, never passed on).
func readPartition(ctx context.Context, b backend.Backend, pk string, r partitionRead, fn func(page) error) error {
	query := b.Query
	if l, ok := b.(backend.Lender); ok && r.Shared {
		query = l.QueryShared
	}
	in := backend.QueryInput{
		PK:             pk,
		Range:          backend.SortRange{Op: backend.BeginsWith}, // "" : every sort key
		Limit:          r.PageSize,
		ConsistentRead: true,
	}
	if r.After != "" {
		in.StartKey = &backend.Key{PK: pk, SK: r.After}
	}
	var sizes []int
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		out, err := query(ctx, in)
		if err != nil {
			return err
		}
		p := page{Items: out.Items, Sizes: sizes[:0]}
		for _, it := range out.Items {
			if k, ok := backend.KeyOf(it); !ok || k.PK != pk {
				return fmt.Errorf("ops: the backend returned an item of another partition (%q) for %q", k.PK, pk)
			}
			size := backend.ItemSize(it)
			p.Sizes = append(p.Sizes, size)
			p.Bytes += size
		}
		sizes = p.Sizes
		p.Units = readUnits(p.Bytes, true)
		if len(p.Items) > 0 {
			if err := fn(p); err != nil {
				return err
			}
		}
		if out.LastKey == nil {
			return nil
		}
		if out.LastKey.PK != pk || out.LastKey.SK == "" {
			return fmt.Errorf("ops: the backend returned a position in another partition (%q) for %q", out.LastKey.PK, pk)
		}
		in.StartKey = &backend.Key{PK: pk, SK: out.LastKey.SK}
		if err := r.Pacer.wait(ctx, len(out.Items), p.Units); err != nil {
			return err
		}
	}
}

// skType returns the entity type of a sort key, as ByType counts it: its
// prefix before the separator, "" when it has none.
func skType(sk string) string {
	prefix, _, ok := strings.Cut(sk, entity.Separator)
	if !ok {
		return ""
	}
	return prefix
}

// strAttr returns the string value of item's attribute name, and
// whether it is a string.
func strAttr(item backend.Item, name string) (string, bool) {
	s, ok := item[name].(*types.AttributeValueMemberS)
	if !ok {
		return "", false
	}
	return s.Value, true
}

// addByType adds an item of size bytes with sort key sk to byType.
func addByType(byType map[string]TypeStats, sk string, size int) {
	t := skType(sk)
	s := byType[t]
	s.Items++
	s.Bytes += int64(size)
	byType[t] = s
}

// tally counts what an operation did and reports it to Options.Progress.
// Its methods are safe for concurrent use, and call the progress function
// from one goroutine at a time.
type tally struct {
	mu     sync.Mutex
	op     string
	tenant string
	fn     func(Progress)
	clock  func() time.Time
	start  time.Time
	counts Counts
}

// newTally returns the tally of operation op on tenant, started at start.
func newTally(op, tenant string, o Options, start time.Time) *tally {
	return &tally{op: op, tenant: tenant, fn: o.Progress, clock: o.Clock, start: start}
}

// add adds d to the counts and reports them with checkpoint cp.
func (t *tally) add(d Counts, cp Checkpoint) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.counts.Examined += d.Examined
	t.counts.Done += d.Done
	t.counts.Skipped += d.Skipped
	t.counts.Failed += d.Failed
	t.counts.Bytes += d.Bytes
	t.counts.Units += d.Units
	t.reportLocked(cp, false)
}

// final reports the counts with Final set, and returns them.
func (t *tally) final(cp Checkpoint) Counts {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.reportLocked(cp, true)
	return t.counts
}

// total returns the counts so far.
func (t *tally) total() Counts {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.counts
}

func (t *tally) reportLocked(cp Checkpoint, final bool) {
	if t.fn == nil {
		return
	}
	t.fn(Progress{Op: t.op, Tenant: t.tenant, Counts: t.counts, Checkpoint: cp, Elapsed: t.clock().Sub(t.start), Final: final})
}

// opError returns the error operation op reports for err: nil for nil,
// the context's error as it is when ctx has ended or err is one, else err
// wrapped with the operation's name.
func opError(ctx context.Context, op string, err error) error {
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return fmt.Errorf("ops: %s: %w", op, err)
}
