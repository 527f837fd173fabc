package ops

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/internal/isnil"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// TenantPage is one page of a table's tenants.
type TenantPage struct {
	// Tenants are tenant IDs, each once in a page, in byte order.
	Tenants []string `json:"tenants"`
	// Next, when not empty, continues the list (Options.Resume); empty
	// when the table has been read to its end.
	Next Checkpoint `json:"next,omitempty"`
}

// opTenants is the operation name of Tenants' checkpoints and reports.
const opTenants = "tenants"

// Tenants returns a page of the tenants of the table: the tenant IDs of
// the partition keys it holds (partition keys that are not a tenant's,
// such as "tenant#a#b", are left out). It is operator-scoped: ctx must
// carry tenantctx.AsOperator's marker (else an error wrapping
// tenantctx.ErrNoOperator or ErrInvalidOperator), and b must be a
// backend.Scanner (else ErrUnsupported).
//
// It scans the table, keys only, in Options.Segments segments, in
// parallel, and reads Options.PageSize items at most per call, shared
// among the segments not yet read to their end. Pass a page's Next as
// Options.Resume for the next page; a resumed listing keeps the
// checkpoint's number of segments. A partition's items are read one after
// the other within one segment, and a page continuing a segment in the
// middle of a partition leaves that partition's tenant out, so a tenant
// appears in one page of a listing only, never in two. A page may hold no
// tenant while Next is not empty (its items were all of tenants already
// listed); the listing ends with an empty Next. A tenant whose items are
// all written or deleted while the list is read may or may not be listed.
func Tenants(ctx context.Context, b backend.Backend, optFns ...func(*Options)) (TenantPage, error) {
	opts, err := options(optFns)
	if err != nil {
		return TenantPage{}, err
	}
	if isnil.Is(b) {
		return TenantPage{}, fmt.Errorf("%w: nil backend", ErrInvalidArgument)
	}
	if _, err := tenantctx.Operator(ctx); err != nil {
		return TenantPage{}, fmt.Errorf("ops: tenants: %w", err)
	}
	sc, ok := b.(backend.Scanner)
	if !ok {
		return TenantPage{}, fmt.Errorf("ops: tenants: %w: the backend %T cannot scan the table", ErrUnsupported, b)
	}
	segs, base, err := scanStart(opts, opTenants)
	if err != nil {
		return TenantPage{}, err
	}
	var active []int
	for i, s := range segs {
		if !s.ended.Load() {
			active = append(active, i)
		}
	}
	active = active[:min(len(active), opts.PageSize)]
	rep := newReporter(opTenants, "", opts, opts.Clock(), base, nil)
	pc := newPacer(opts.Pace)

	var (
		mu      sync.Mutex
		found   = map[string]bool{}
		wg      sync.WaitGroup
		fe      = &firstError{cancel: func() {}}
		ends    = make([]*backend.Key, len(segs)) // the new positions
		endedAt = make([]bool, len(segs))
	)
	for j, i := range active {
		limit := opts.PageSize / len(active)
		if j < opts.PageSize%len(active) {
			limit++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := segs[i].start()
			mctx, consumed := pc.measure(ctx)
			out, err := sc.Scan(mctx, backend.ScanInput{Segment: i, TotalSegments: len(segs), Limit: limit, StartKey: start, KeysOnly: true})
			if err != nil {
				fe.set(err)
				return
			}
			last, units, err := pageEnd(out.Items, out.LastKey, false)
			if err != nil {
				fe.set(err)
				return
			}
			var cache tenantCache
			mu.Lock()
			for _, it := range out.Items {
				pk, _ := stringAttr(it, entity.PartitionKeyName)
				if start != nil && pk == start.PK {
					continue // listed with the page before
				}
				if t, ok := cache.tenant(pk); ok {
					found[t.ID()] = true
				}
			}
			ends[i], endedAt[i] = last, out.LastKey == nil
			mu.Unlock()
			rep.add(Counts{Examined: int64(len(out.Items)), Units: units})
			if err := pc.wait(ctx, len(out.Items), consumed(units)); err != nil {
				fe.set(err)
			}
		}()
	}
	wg.Wait()
	if err := fe.get(); err != nil {
		rep.final(nil)
		return TenantPage{}, opError(ctx, opTenants, err)
	}
	page := TenantPage{Tenants: make([]string, 0, len(found))}
	for id := range found {
		page.Tenants = append(page.Tenants, id)
	}
	slices.Sort(page.Tenants)
	ps := make([]segmentPosition, len(segs))
	more := false
	for i, s := range segs {
		ps[i], _ = s.position()
		if ends[i] != nil && !endedAt[i] {
			ps[i] = segmentPosition{PK: ends[i].PK, SK: ends[i].SK}
		}
		if endedAt[i] {
			ps[i] = segmentPosition{Done: true}
		}
		more = more || !ps[i].Done
	}
	c := rep.final(nil)
	if more {
		page.Next = encodeCheckpoint(position{Op: opTenants, Segments: ps, Counts: c})
	}
	return page, nil
}
