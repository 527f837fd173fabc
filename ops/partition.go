package ops

import (
	"context"
	"fmt"

	"github.com/tenantrepo/tenantrepo/backend"
)

// partitionRange selects every sort key of a partition.
var partitionRange = backend.SortRange{Op: backend.BeginsWith}

// partitionRead says how readPartition reads a partition.
type partitionRead struct {
	// PageSize is the Limit of each query, at least 1.
	PageSize int
	// Range selects the sort keys read; the zero SortRange, BeginsWith
	// "", selects every one (partitionRange).
	Range backend.SortRange
	// Pacer is charged, after each page, with its items and estimated
	// read units, so the next request waits when the pace requires it;
	// nil never waits.
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
// items; each page read, empty or not, is charged to the pacer before the
// next request (and before readPartition returns). It stops at the first
// error, fn's or the backend's, and returns it. Every item of a page is
// checked to belong to pk (a backend that returned another partition's
// item is an error, never passed on).
func readPartition(ctx context.Context, b backend.Backend, pk string, r partitionRead, fn func(page) error) error {
	query := b.Query
	if l, ok := b.(backend.Lender); ok && r.Shared {
		query = l.QueryShared
	}
	in := backend.QueryInput{PK: pk, Range: r.Range, Limit: r.PageSize, ConsistentRead: true}
	if r.After != "" {
		in.StartKey = &backend.Key{PK: pk, SK: r.After}
	}
	var sizes []int
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		mctx, consumed := r.Pacer.measure(ctx)
		out, err := query(mctx, in)
		if err != nil {
			return err
		}
		p := page{Items: out.Items, Sizes: sizes[:0]}
		for _, it := range out.Items {
			if err := checkInPartition(it, pk); err != nil {
				return err
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
		if err := r.Pacer.wait(ctx, len(out.Items), consumed(p.Units)); err != nil {
			return err
		}
		if out.LastKey == nil {
			return nil
		}
		if out.LastKey.PK != pk || out.LastKey.SK == "" {
			return fmt.Errorf("ops: the backend returned a position in another partition than %q", pk)
		}
		in.StartKey = &backend.Key{PK: pk, SK: out.LastKey.SK}
	}
}

// checkInPartition returns an error when item, which a backend returned
// for a read of partition pk, is not an item of pk: a backend that breaks
// its contract. The error names only pk: the other partition may be
// another tenant's, whose keys the caller must not learn.
func checkInPartition(item backend.Item, pk string) error {
	if k, ok := backend.KeyOf(item); !ok || k.PK != pk {
		return fmt.Errorf("ops: the backend returned an item of another partition than %q", pk)
	}
	return nil
}
