package ops

import (
	"context"
	"fmt"
	"sync"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// PurgeResult is what Purge did, or with Options.DryRun would do.
type PurgeResult struct {
	Counts
	// ByType are the items deleted (or, in a dry run, found) per
	// sort-key prefix, by this run: a resumed run counts only what it
	// did itself, while Counts include the runs before.
	ByType map[string]TypeStats `json:"byType"`
	// Checkpoint, when the purge stopped early, is where a new run with
	// Options.Resume continues; empty when the purge finished.
	Checkpoint Checkpoint `json:"checkpoint,omitempty"`
	DryRun     bool       `json:"dryRun,omitempty"`
}

// The operation names of checkpoints and progress reports. A dry run's
// checkpoint is of its own operation, so that a purge never resumes after
// items a dry run only counted.
const (
	opPurge       = "purge"
	opPurgeDryRun = "purge-dry-run"
)

// Purge deletes every item of the context's tenant: every item whose
// partition key is the tenant's, of every entity type, including types
// this program does not know and items other programs wrote, whatever
// their sort keys. It reads the partition in pages (Options.PageSize,
// consistently) and deletes in batches of 25 (backend.MaxBatchWrite),
// Options.Concurrency batches at a time, retrying unprocessed items with
// a backoff (an error wrapping backend.ErrThrottled when some are still
// unprocessed after 15 attempts); it ends by reading the partition again,
// consistently, and returns an error wrapping ErrNotEmpty if anything is
// left (an item written while it ran).
//
// A purge stopped by an error or a canceled context returns, in the result,
// a checkpoint to resume from: every item before the position it holds is
// deleted, and a run resumed from it reads the partition from there on,
// so it never skips an item left undeleted. A canceled purge sends no
// request after the cancellation and lets those it has sent finish, so
// that its counts say what is deleted. After ErrNotEmpty the
// checkpoint starts again at the beginning of the partition. Re-running a
// finished purge finds nothing and deletes nothing. With Options.DryRun it
// deletes nothing and reports the counts and bytes per type it would
// delete; a dry run's checkpoint resumes only a dry run.
//
// Errors: ErrInvalidArgument (bad options, nil backend),
// ErrInvalidCheckpoint (a checkpoint of another operation or tenant, or
// none; nothing is deleted), tenantctx.ErrNoTenant or ErrInvalidTenant,
// ErrNotEmpty, the context's error as it is, or the backend's error.
func Purge(ctx context.Context, b backend.Backend, optFns ...func(*Options)) (PurgeResult, error) {
	opts, err := options(optFns)
	if err != nil {
		return PurgeResult{}, err
	}
	if b == nil {
		return PurgeResult{}, fmt.Errorf("%w: nil backend", ErrInvalidArgument)
	}
	t, err := tenantctx.Tenant(ctx)
	if err != nil {
		return PurgeResult{}, err
	}
	op := opPurge
	if opts.DryRun {
		op = opPurgeDryRun
	}
	var pos position
	if opts.Resume != "" {
		if pos, err = decodeTablePosition(opts.Resume, op, t); err != nil {
			return PurgeResult{DryRun: opts.DryRun}, err
		}
	}
	p := &purgeRun{b: b, opts: opts, t: t, op: op, pc: newPacer(opts.Pace), f: newFrontier(backend.Key{PK: t.PartitionKey(), SK: pos.SK}), byType: map[string]TypeStats{}}
	p.rep = newReporter(opPurge, t.ID(), opts, pos.Counts, p.checkpoint)
	return p.run(ctx)
}

// decodeTablePosition decodes a checkpoint of operation op for tenant t
// that holds a position in t's partition, and checks that position.
func decodeTablePosition(cp Checkpoint, op string, t entity.Tenant) (position, error) {
	pos, err := decodeCheckpoint(cp, op, t.ID())
	if err != nil {
		return position{}, err
	}
	if pos.Line != 0 || pos.Data != "" || len(pos.Segments) != 0 || len(pos.SK) > entity.MaxSortKeyBytes {
		return position{}, fmt.Errorf("%w: not a position in a partition", ErrInvalidCheckpoint)
	}
	if err := (backend.Key{PK: t.PartitionKey(), SK: pos.SK}).CheckSendable(); err != nil {
		return position{}, fmt.Errorf("%w: %v", ErrInvalidCheckpoint, err)
	}
	return pos, nil
}

// purgeRun is one run of Purge.
type purgeRun struct {
	b    backend.Backend
	opts Options
	t    entity.Tenant
	op   string
	pc   *pacer
	f    *frontier
	rep  *reporter

	mu     sync.Mutex
	byType map[string]TypeStats
}

// purgeBatch is one batch of deletes, of items in sort-key order.
type purgeBatch struct {
	seq   int64
	keys  []backend.Key
	sizes map[string]int // by sort key
}

// checkpoint returns the checkpoint of the run with counts c: the
// frontier of the deletes (or, in a dry run, of the pages read). Every
// item counted done is deleted, so a resumed run will not read it again:
// the counts are those of the items done.
func (p *purgeRun) checkpoint(c Counts) Checkpoint {
	k, _ := p.f.at()
	if !p.opts.DryRun {
		c = Counts{Examined: c.Done, Done: c.Done, Bytes: c.Bytes, Units: c.Units}
	}
	return encodeCheckpoint(position{Op: p.op, Tenant: p.t.ID(), SK: k.SK, Counts: c})
}

func (p *purgeRun) count(sk string, size int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ts := p.byType[typeOf(sk)]
	ts.Items++
	ts.Bytes += int64(size)
	p.byType[typeOf(sk)] = ts
}

func (p *purgeRun) run(ctx context.Context) (PurgeResult, error) {
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	fe := &firstError{cancel: cancel}
	batches := make(chan purgeBatch)
	var wg sync.WaitGroup
	if !p.opts.DryRun {
		for range p.opts.Concurrency {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for bt := range batches {
					if fe.get() != nil {
						continue // drain
					}
					if err := p.delete(runCtx, bt); err != nil {
						fe.set(err)
					}
				}
			}()
		}
	}
	if err := p.read(runCtx, batches); err != nil {
		fe.set(err)
	}
	close(batches)
	wg.Wait()

	res := PurgeResult{ByType: p.byType, DryRun: p.opts.DryRun}
	if err := fe.get(); err != nil {
		res.Checkpoint = p.checkpoint(p.rep.total())
		res.Counts = p.rep.final(p.checkpoint)
		return res, runError(ctx, p.op, err)
	}
	if !p.opts.DryRun {
		if err := p.checkEmpty(ctx); err != nil {
			restart := func(c Counts) Checkpoint {
				c = Counts{Examined: c.Done, Done: c.Done, Bytes: c.Bytes, Units: c.Units}
				return encodeCheckpoint(position{Op: p.op, Tenant: p.t.ID(), Counts: c})
			}
			res.Checkpoint = restart(p.rep.total())
			res.Counts = p.rep.final(restart)
			return res, runError(ctx, p.op, err)
		}
	}
	res.Counts = p.rep.final(nil)
	return res, nil
}

// read reads the partition from the frontier on and hands out its items in
// batches (or, in a dry run, counts them).
func (p *purgeRun) read(ctx context.Context, batches chan<- purgeBatch) error {
	pk := p.t.PartitionKey()
	at, _ := p.f.at()
	start := at.SK
	for {
		in := backend.QueryInput{PK: pk, Range: partitionRange, Limit: p.opts.PageSize, ConsistentRead: true}
		if start != "" {
			in.StartKey = &backend.Key{PK: pk, SK: start}
		}
		out, err := p.b.Query(ctx, in)
		if err != nil {
			return err
		}
		sizes := make([]int, len(out.Items))
		bytes := 0
		for i, it := range out.Items {
			sizes[i] = backend.ItemSize(it)
			bytes += sizes[i]
		}
		units := readUnits(bytes, true)
		if p.opts.DryRun {
			var c Counts
			for i, it := range out.Items {
				sk, _ := stringAttr(it, entity.SortKeyName)
				p.count(sk, sizes[i])
				c.Examined++
				c.Done++
				c.Bytes += int64(sizes[i])
			}
			c.Units = units
			if n := len(out.Items); n > 0 {
				last, _ := stringAttr(out.Items[n-1], entity.SortKeyName)
				p.f.done(p.f.add(backend.Key{PK: pk, SK: last}), Counts{})
			}
			p.rep.add(c)
		} else {
			p.rep.add(Counts{Examined: int64(len(out.Items)), Units: units})
			for lo := 0; lo < len(out.Items); lo += backend.MaxBatchWrite {
				hi := min(lo+backend.MaxBatchWrite, len(out.Items))
				bt := purgeBatch{sizes: map[string]int{}}
				for i := lo; i < hi; i++ {
					sk, ok := stringAttr(out.Items[i], entity.SortKeyName)
					if !ok {
						return fmt.Errorf("the backend returned an item without a string sort key")
					}
					bt.keys = append(bt.keys, backend.Key{PK: pk, SK: sk})
					bt.sizes[sk] = sizes[i]
				}
				bt.seq = p.f.add(bt.keys[len(bt.keys)-1])
				select {
				case batches <- bt:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
		}
		// The page is read: it counts against the pace before the next
		// request.
		if err := p.pc.wait(ctx, len(out.Items), units); err != nil {
			return err
		}
		if out.LastKey == nil {
			return nil
		}
		start = out.LastKey.SK
	}
}

// delete deletes the items of one batch.
func (p *purgeRun) delete(ctx context.Context, bt purgeBatch) error {
	writes := make([]backend.WriteRequest, len(bt.keys))
	for i := range bt.keys {
		writes[i] = backend.WriteRequest{Delete: &bt.keys[i]}
	}
	var c Counts
	units := func(w backend.WriteRequest) float64 { return writeUnits(bt.sizes[w.Delete.SK]) }
	spent, err := batchWrite(ctx, p.b, p.pc, writes, units, func(w backend.WriteRequest) {
		size := bt.sizes[w.Delete.SK]
		p.count(w.Delete.SK, size)
		c.Done++
		c.Bytes += int64(size)
	})
	c.Units = spent
	if err == nil {
		p.f.done(bt.seq, Counts{})
	}
	p.rep.add(c)
	return err
}

// checkEmpty reads the partition consistently and returns an error
// wrapping ErrNotEmpty when it holds an item.
func (p *purgeRun) checkEmpty(ctx context.Context) error {
	if err := p.pc.wait(ctx, 1, readUnits(0, true)); err != nil {
		return err
	}
	out, err := p.b.Query(ctx, backend.QueryInput{PK: p.t.PartitionKey(), Range: partitionRange, Limit: 1, ConsistentRead: true})
	if err != nil {
		return err
	}
	p.rep.add(Counts{Units: readUnits(0, true)})
	if len(out.Items) > 0 {
		sk, _ := stringAttr(out.Items[0], entity.SortKeyName)
		return fmt.Errorf("%w: item %q (written while the purge ran?)", ErrNotEmpty, sk)
	}
	return nil
}
