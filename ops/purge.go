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
	if isnil.Is(b) {
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
	p.rep = newReporter(opPurge, t.ID(), opts, opts.Clock(), pos.Counts, p.checkpoint)
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
	sizes []int // of the items of keys
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

// count adds an item of size bytes with sort key sk to ByType.
func (p *purgeRun) count(sk string, size int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	addByType(p.byType, sk, size)
}

func (p *purgeRun) run(ctx context.Context) (PurgeResult, error) {
	workers := p.opts.Concurrency
	if p.opts.DryRun {
		workers = 0 // a dry run hands out no batch
	}
	err := fanOut(ctx, workers, p.read, func(ctx context.Context, bt purgeBatch) error {
		if err := ctx.Err(); err != nil {
			return err // the run stopped: the batch is left to the next
		}
		return p.delete(ctx, bt)
	})

	res := PurgeResult{ByType: p.byType, DryRun: p.opts.DryRun}
	if err != nil {
		res.Checkpoint = p.checkpoint(p.rep.total())
		res.Counts = p.rep.final(p.checkpoint)
		return res, opError(ctx, p.op, err)
	}
	if !p.opts.DryRun {
		if err := p.checkEmpty(ctx); err != nil {
			restart := func(c Counts) Checkpoint {
				c = Counts{Examined: c.Done, Done: c.Done, Bytes: c.Bytes, Units: c.Units}
				return encodeCheckpoint(position{Op: p.op, Tenant: p.t.ID(), Counts: c})
			}
			res.Checkpoint = restart(p.rep.total())
			res.Counts = p.rep.final(restart)
			return res, opError(ctx, p.op, err)
		}
	}
	res.Counts = p.rep.final(nil)
	return res, nil
}

// read reads the partition from the frontier on and hands out its items in
// batches (or, in a dry run, counts them).
func (p *purgeRun) read(ctx context.Context, send func(purgeBatch) bool) error {
	pk := p.t.PartitionKey()
	at, _ := p.f.at()
	return readPartition(ctx, p.b, pk, partitionRead{PageSize: p.opts.PageSize, Pacer: p.pc, After: at.SK}, func(pg page) error {
		n := int64(len(pg.Items))
		if p.opts.DryRun {
			for i, it := range pg.Items {
				p.count(sortKeyOf(it), pg.Sizes[i])
			}
			p.f.done(p.f.add(backend.Key{PK: pk, SK: sortKeyOf(pg.Items[n-1])}), Counts{})
			p.rep.add(Counts{Examined: n, Done: n, Bytes: int64(pg.Bytes), Units: pg.Units})
			return nil
		}
		p.rep.add(Counts{Examined: n, Units: pg.Units})
		for lo := 0; lo < len(pg.Items); lo += backend.MaxBatchWrite {
			hi := min(lo+backend.MaxBatchWrite, len(pg.Items))
			bt := purgeBatch{sizes: slices.Clone(pg.Sizes[lo:hi])}
			for _, it := range pg.Items[lo:hi] {
				bt.keys = append(bt.keys, backend.Key{PK: pk, SK: sortKeyOf(it)})
			}
			bt.seq = p.f.add(bt.keys[len(bt.keys)-1])
			if !send(bt) {
				return ctx.Err()
			}
		}
		return nil
	})
}

// delete deletes the items of one batch.
func (p *purgeRun) delete(ctx context.Context, bt purgeBatch) error {
	writes := make([]backend.WriteRequest, len(bt.keys))
	for i := range bt.keys {
		writes[i] = backend.WriteRequest{Delete: &bt.keys[i]}
	}
	var c Counts
	o, err := batchWrite(ctx, p.b, p.pc, writes, bt.sizes, func(i int) {
		p.count(bt.keys[i].SK, bt.sizes[i])
		c.Done++
		c.Bytes += int64(bt.sizes[i])
	})
	c.Units = o.Units
	if err == nil {
		p.f.done(bt.seq, Counts{})
	}
	p.rep.add(c)
	return err
}

// checkEmpty reads the partition consistently and returns an error
// wrapping ErrNotEmpty when it holds an item. An item of another
// partition, from a backend that breaks its contract, is an error of its
// own (checkInPartition), never taken for one left in the tenant's.
func (p *purgeRun) checkEmpty(ctx context.Context) error {
	if err := p.pc.wait(ctx, 1, readUnits(0, true)); err != nil {
		return err
	}
	mctx, consumed := p.pc.measure(ctx)
	out, err := p.b.Query(mctx, backend.QueryInput{PK: p.t.PartitionKey(), Range: partitionRange, Limit: 1, ConsistentRead: true})
	p.pc.charge(consumed(readUnits(0, true)) - readUnits(0, true))
	if err != nil {
		return err
	}
	p.rep.add(Counts{Units: readUnits(0, true)})
	if len(out.Items) > 0 {
		if err := checkInPartition(out.Items[0], p.t.PartitionKey()); err != nil {
			return err
		}
		return fmt.Errorf("%w: item %q (written while the purge ran?)", ErrNotEmpty, sortKeyOf(out.Items[0]))
	}
	return nil
}
