package ops

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
)

// scanSeg is one segment of a scan of the table by an operator-scoped
// operation: its frontier, and whether it is read to its end.
type scanSeg struct {
	f     *frontier
	ended atomic.Bool // the segment is read to its end
}

// position returns where the segment stands, for a checkpoint, and the
// counts of the work done before that position.
func (s *scanSeg) position() (segmentPosition, Counts) {
	k, c := s.f.at()
	if s.ended.Load() && s.f.idle() {
		return segmentPosition{Done: true}, c
	}
	return segmentPosition{PK: k.PK, SK: k.SK}, c
}

// start returns the exclusive start key of the segment's next scan.
func (s *scanSeg) start() *backend.Key {
	k, _ := s.f.at()
	if k.PK == "" {
		return nil
	}
	return &backend.Key{PK: k.PK, SK: k.SK}
}

// scanStart returns the segments a scan of operation op starts with:
// Options.Segments of them from the beginning, or, with Options.Resume,
// those of the checkpoint, and the checkpoint's counts.
func scanStart(opts Options, op string) ([]*scanSeg, Counts, error) {
	n := opts.Segments
	var pos position
	if opts.Resume != "" {
		var err error
		if pos, err = decodeCheckpoint(opts.Resume, op, ""); err != nil {
			return nil, Counts{}, err
		}
		if pos.SK != "" || pos.Line != 0 || pos.Data != "" || len(pos.Segments) == 0 || len(pos.Segments) > MaxSegments {
			return nil, Counts{}, fmt.Errorf("%w: not a position in a scan", ErrInvalidCheckpoint)
		}
		for _, s := range pos.Segments {
			if len(s.PK) > entity.MaxPartitionKeyBytes || len(s.SK) > entity.MaxSortKeyBytes || (s.Done && s.PK != "") {
				return nil, Counts{}, fmt.Errorf("%w: bad segment position", ErrInvalidCheckpoint)
			}
		}
		n = len(pos.Segments)
	}
	segs := make([]*scanSeg, n)
	for i := range segs {
		segs[i] = &scanSeg{f: newFrontier(backend.Key{})}
		if i < len(pos.Segments) {
			p := pos.Segments[i]
			segs[i].f = newFrontier(backend.Key{PK: p.PK, SK: p.SK})
			segs[i].ended.Store(p.Done)
		}
	}
	return segs, pos.Counts, nil
}

// checkSegmentStarts asks the scanner, conc segments at a time, whether
// each position a resumed scan starts a segment from lies in that
// segment (a scan of one item, keys only, from it), and returns an error
// wrapping ErrInvalidCheckpoint when one does not (the backend's
// ErrInvalidStartKey): a forged checkpoint is so refused before any
// segment is read, and before anything is written. The segments are
// split by the backend's hash of partition keys, which only the backend
// knows.
func checkSegmentStarts(ctx context.Context, sc backend.Scanner, segs []*scanSeg, conc int, pc *pacer) error {
	return fanOut(ctx, conc, func(ctx context.Context, send func(int) bool) error {
		for i, s := range segs {
			if s.ended.Load() || s.start() == nil {
				continue
			}
			if !send(i) {
				break
			}
		}
		return nil
	}, func(ctx context.Context, i int) error {
		mctx, consumed := pc.measure(ctx)
		out, err := sc.Scan(mctx, backend.ScanInput{Segment: i, TotalSegments: len(segs), Limit: 1, StartKey: segs[i].start(), KeysOnly: true})
		if errors.Is(err, backend.ErrInvalidStartKey) {
			return fmt.Errorf("%w: the position of segment %d is not in it: %w", ErrInvalidCheckpoint, i, err)
		}
		if err != nil {
			return err
		}
		return pc.wait(ctx, len(out.Items), consumed(readUnits(0, false)))
	})
}

// tenantCache parses partition keys as tenants', remembering the last.
type tenantCache struct {
	pk string
	t  entity.Tenant
	ok bool
}

func (c *tenantCache) tenant(pk string) (entity.Tenant, bool) {
	if pk == c.pk && pk != "" {
		return c.t, c.ok
	}
	c.pk, c.t, c.ok = pk, entity.Tenant{}, false
	if id, ok := entity.ParsePartitionKey(pk); ok {
		if t, err := entity.NewTenant(id); err == nil {
			c.t, c.ok = t, true
		}
	}
	return c.t, c.ok
}

// readSegment reads segment i of total from s's position on and reindexes
// the type's items of every tenant in it.
func (r *reindexRun) readSegment(ctx context.Context, sc backend.Scanner, i, total int, s *scanSeg) error {
	var cache tenantCache
	start := s.start()
	for {
		mctx, consumed := r.pc.measure(ctx)
		out, err := sc.Scan(mctx, backend.ScanInput{Segment: i, TotalSegments: total, Limit: r.opts.PageSize, StartKey: start})
		if err != nil {
			return err
		}
		last, units, err := pageEnd(out.Items, out.LastKey, false)
		if err != nil {
			return err
		}
		if err := r.page(ctx, s.f, out.Items, last, units, cache.tenant); err != nil {
			return err
		}
		if err := r.pc.wait(ctx, len(out.Items), consumed(units)); err != nil {
			return err
		}
		if out.LastKey == nil {
			s.ended.Store(true)
			return nil
		}
		start = &backend.Key{PK: out.LastKey.PK, SK: out.LastKey.SK}
	}
}

// pageEnd returns the key of the last item of a page (or its LastKey
// when it has none) and the page's estimated read units.
func pageEnd(items []backend.Item, lastKey *backend.Key, consistent bool) (*backend.Key, float64, error) {
	bytes := 0
	for _, it := range items {
		bytes += backend.ItemSize(it)
	}
	units := readUnits(bytes, consistent)
	if n := len(items); n > 0 {
		pk, okp := stringAttr(items[n-1], entity.PartitionKeyName)
		sk, oks := stringAttr(items[n-1], entity.SortKeyName)
		if !okp || !oks {
			return nil, 0, fmt.Errorf("the backend returned an item without string keys")
		}
		return &backend.Key{PK: pk, SK: sk}, units, nil
	}
	if lastKey != nil {
		return &backend.Key{PK: lastKey.PK, SK: lastKey.SK}, units, nil
	}
	return nil, units, nil
}
