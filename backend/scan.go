package backend

import (
	"context"
	"fmt"
)

// Scanner is implemented by backends that can read the whole table, every
// partition of every tenant, as DynamoDB's Scan does. Nothing that serves
// a tenant uses it: the repository never scans. Operator-scoped operations
// (package ops: the list of a table's tenants, reindexing every tenant) do,
// and they are refused without it (ErrUnsupported).
//
// Scan returns one page of one segment of the table. The table's items are
// split into in.TotalSegments disjoint segments, each read on its own (in
// parallel, by several callers); every item of the table is in exactly
// one segment, and all items of one partition are in the same segment, one
// after the other, in sort-key order. A segment's pages follow one another
// through LastKey and StartKey, as a query's do: a page holds at most
// in.Limit items and at most MaxPageBytes of item data, and LastKey is set
// when the segment may hold more. An item written or deleted during a scan
// may or may not be read; every other item is read exactly once.
type Scanner interface {
	Scan(ctx context.Context, in ScanInput) (ScanOutput, error)
}

// MaxScanSegments is DynamoDB's limit on ScanInput.TotalSegments.
const MaxScanSegments = 1_000_000

// ScanInput reads one page of one segment of the table.
type ScanInput struct {
	// Segment is the segment read, from 0 to TotalSegments-1.
	Segment int
	// TotalSegments is the number of segments, from 1 to MaxScanSegments.
	TotalSegments int
	// Limit is the most items the page holds, at least 1.
	Limit int
	// StartKey is the exclusive start: the LastKey of the segment's page
	// before (PK and SK set, the index keys empty), nil for its first.
	StartKey *Key
	// KeysOnly asks for the key attributes PK and SK of each item only
	// (DynamoDB's ProjectionExpression); the page is still cut at
	// MaxPageBytes of whole items, as DynamoDB cuts it.
	KeysOnly       bool
	ConsistentRead bool
}

// ScanOutput is one page of a segment.
type ScanOutput struct {
	Items []Item
	// LastKey is the key of the last item read, set when the page stopped
	// at its Limit or at MaxPageBytes; it may be set even when nothing
	// follows in the segment.
	LastKey *Key
}

// Check reports, with an error wrapping ErrInvalidArgument, a scan no
// backend runs: segments out of range, a limit below 1, or a start key
// without PK and SK, with index keys, or holding what no backend sends.
func (in ScanInput) Check() error {
	switch {
	case in.TotalSegments < 1 || in.TotalSegments > MaxScanSegments:
		return fmt.Errorf("%w: scan: total segments %d is not between 1 and %d", ErrInvalidArgument, in.TotalSegments, MaxScanSegments)
	case in.Segment < 0 || in.Segment >= in.TotalSegments:
		return fmt.Errorf("%w: scan: segment %d is not between 0 and %d", ErrInvalidArgument, in.Segment, in.TotalSegments-1)
	case in.Limit < 1:
		return fmt.Errorf("%w: scan: limit %d is below 1", ErrInvalidArgument, in.Limit)
	}
	if k := in.StartKey; k != nil {
		if k.PK == "" || k.SK == "" || k.IndexPK != "" || k.IndexSK != "" {
			return fmt.Errorf("%w: scan: a start key has PK and SK and no index keys", ErrInvalidStartKey)
		}
		if err := k.CheckSendable(); err != nil {
			return fmt.Errorf("scan: start key: %w", err)
		}
	}
	return nil
}
