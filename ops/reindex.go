package ops

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/internal/exprname"
	"github.com/tenantrepo/tenantrepo/internal/isnil"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// TypeSpec is what reindexing needs to know of an entity type: its
// sort-key prefix and its indexes. SpecOf gives that of a Go type; the CLI
// builds one from flags.
type TypeSpec struct {
	Prefix  string         `json:"prefix"`
	Indexes []entity.Index `json:"indexes"`
}

// SpecOf returns the TypeSpec of entity type T.
func SpecOf[T entity.Entity]() TypeSpec {
	var zero T
	s := TypeSpec{Prefix: zero.EntityPrefix()}
	if ix, ok := any(zero).(entity.Indexed); ok {
		s.Indexes = ix.Indexes()
	}
	return s
}

// ReindexResult is what a reindex did, or with Options.DryRun would do.
type ReindexResult struct {
	Counts
	// Checkpoint, when the reindex stopped early, is where a new run with
	// Options.Resume continues; empty when it finished.
	Checkpoint Checkpoint `json:"checkpoint,omitempty"`
	DryRun     bool       `json:"dryRun,omitempty"`
}

// Reindex rewrites the index keys of every entity of type T in the
// context's tenant that lacks them or has stale ones, as the repository
// would write them: items other programs wrote, or written before the
// index existed. See ReindexType.
func Reindex[T entity.Entity](ctx context.Context, r *repo.Repository[T], optFns ...func(*Options)) (ReindexResult, error) {
	if r == nil {
		return ReindexResult{}, fmt.Errorf("%w: nil repository", ErrInvalidArgument)
	}
	return ReindexType(ctx, r.Backend(), SpecOf[T](), optFns...)
}

// ReindexType is Reindex for the type spec describes, in b. It reads the
// type's items in the context's tenant in pages (the items whose sort
// keys start with the prefix and the separator, consistently) and, for
// each item whose index keys differ from those its attributes give,
// updates only the index key attributes of the spec's indexes (setting
// them, or removing them when the item belongs in no index any more), on
// the condition that the item still holds what was read: the index
// source attributes and the index keys as they were, and the item itself
// (a deleted item is not made again). A write that changed the item in
// between is never overwritten, and the item is counted as skipped (the
// writer wrote its keys). An item is in an index when both of the index's
// attributes are non-empty strings; its keys there are
// entity.IndexPartitionKey of the tenant, the prefix, the index's name
// and the partition attribute's value, and the sort attribute's value, as
// the repository writes them. An item whose index attribute is not a
// string, that gives a key over DynamoDB's limits, whose sort key is not
// an entity's (an ID with a separator), or that the update would make too
// large, is counted as failed and left as it is. Attributes of index
// slots the spec does not declare are left alone.
//
// Updates are sent Options.Concurrency at a time. Counts: Examined is the
// type's items read, Done those fixed (in a dry run, that would be),
// Skipped those already right or changed under the reindex, Failed as
// above; Bytes is the size of the items fixed.
//
// A reindex stopped by an error or a canceled context lets the updates it
// has sent finish and returns a checkpoint: every item up to its position
// is done, and a run resumed from it continues after that (an item the
// stopped run fixed after that position, while an update before it was
// still unfinished, is examined again and counted as skipped). The checkpoint
// belongs to the tenant and to the spec: a run with another spec refuses
// it. A dry run's checkpoint resumes only a dry run.
//
// Errors: ErrInvalidArgument (bad options, a nil backend, a spec that
// breaks the layout's rules: an invalid prefix, an index without a name,
// with a '#' in its name, a slot out of 1 to 5, two indexes with one name
// or slot, an attribute that is empty, a key attribute, both of one
// index, or holds '[' or ']', which expressions read as list indexes); backend.ErrMissingIndex for an index in a slot the table lacks;
// ErrInvalidCheckpoint; tenantctx.ErrNoTenant or ErrInvalidTenant; the
// context's error as it is; or the backend's error.
func ReindexType(ctx context.Context, b backend.Backend, spec TypeSpec, optFns ...func(*Options)) (ReindexResult, error) {
	opts, err := options(optFns)
	if err != nil {
		return ReindexResult{}, err
	}
	if isnil.Is(b) {
		return ReindexResult{}, fmt.Errorf("%w: nil backend", ErrInvalidArgument)
	}
	t, err := tenantctx.Tenant(ctx)
	if err != nil {
		return ReindexResult{}, err
	}
	rx, err := newReindexer(ctx, b, spec)
	if err != nil {
		return ReindexResult{DryRun: opts.DryRun}, err
	}
	op := rx.op("reindex", opts.DryRun)
	var pos position
	if opts.Resume != "" {
		if pos, err = decodeTablePosition(opts.Resume, op, t); err != nil {
			return ReindexResult{DryRun: opts.DryRun}, err
		}
		if pos.SK != "" && !rx.inRange(pos.SK) {
			return ReindexResult{DryRun: opts.DryRun}, fmt.Errorf("%w: a position outside the type's sort keys", ErrInvalidCheckpoint)
		}
	}
	r := newReindexRun(b, opts, rx)
	f := newFrontier(backend.Key{PK: t.PartitionKey(), SK: pos.SK})
	r.rep = newReporter("reindex", t.ID(), opts, opts.Clock(), pos.Counts, func(c Counts) Checkpoint {
		k, fc := f.at()
		fc.add(pos.Counts)
		fc.Units = c.Units
		return encodeCheckpoint(position{Op: op, Tenant: t.ID(), SK: k.SK, Counts: fc})
	})
	return r.run(ctx, func(ctx context.Context) error { return r.readTenant(ctx, t, f) })
}

// ReindexAll is ReindexType for every tenant of the table. It is
// operator-scoped: ctx must carry tenantctx.AsOperator's marker. It scans
// the table in Options.Segments parallel segments (b must be a
// backend.Scanner) and reindexes the type's items of every partition key
// that is a tenant's, as ReindexType does, each with the keys of its own
// tenant; items of partition keys that are not a tenant's are left alone.
// Its checkpoint holds a position in each segment, and a resumed run reads
// the table in the checkpoint's number of segments.
func ReindexAll[T entity.Entity](ctx context.Context, r *repo.Repository[T], optFns ...func(*Options)) (ReindexResult, error) {
	if r == nil {
		return ReindexResult{}, fmt.Errorf("%w: nil repository", ErrInvalidArgument)
	}
	return ReindexAllType(ctx, r.Backend(), SpecOf[T](), optFns...)
}

// ReindexAllType is ReindexAll for the type spec describes, in b. Errors:
// those of ReindexType, less the tenant's (a checkpoint whose position in
// a segment the backend does not place in it is ErrInvalidCheckpoint,
// found before anything is written); an error wrapping
// tenantctx.ErrNoOperator or ErrInvalidOperator for a context without a
// trustworthy operator marker; ErrUnsupported for a backend that is not a
// backend.Scanner.
func ReindexAllType(ctx context.Context, b backend.Backend, spec TypeSpec, optFns ...func(*Options)) (ReindexResult, error) {
	opts, err := options(optFns)
	if err != nil {
		return ReindexResult{}, err
	}
	if isnil.Is(b) {
		return ReindexResult{}, fmt.Errorf("%w: nil backend", ErrInvalidArgument)
	}
	if _, err := tenantctx.Operator(ctx); err != nil {
		return ReindexResult{}, fmt.Errorf("ops: reindex all: %w", err)
	}
	sc, ok := b.(backend.Scanner)
	if !ok {
		return ReindexResult{}, fmt.Errorf("ops: reindex all: %w: the backend %T cannot scan the table", ErrUnsupported, b)
	}
	rx, err := newReindexer(ctx, b, spec)
	if err != nil {
		return ReindexResult{DryRun: opts.DryRun}, err
	}
	op := rx.op("reindex-all", opts.DryRun)
	segs, base, err := scanStart(opts, op)
	if err != nil {
		return ReindexResult{DryRun: opts.DryRun}, err
	}
	r := newReindexRun(b, opts, rx)
	if err := checkSegmentStarts(ctx, sc, segs, opts.Concurrency, r.pc); err != nil {
		return ReindexResult{DryRun: opts.DryRun}, opError(ctx, "reindex", err)
	}
	r.rep = newReporter("reindex", "", opts, opts.Clock(), base, func(c Counts) Checkpoint {
		var fc Counts
		ps := make([]segmentPosition, len(segs))
		for i, s := range segs {
			var sc Counts
			ps[i], sc = s.position()
			fc.add(sc)
		}
		fc.Units = c.Units
		fc.add(Counts{Examined: base.Examined, Done: base.Done, Skipped: base.Skipped, Failed: base.Failed, Bytes: base.Bytes})
		return encodeCheckpoint(position{Op: op, Segments: ps, Counts: fc})
	})
	return r.run(ctx, func(ctx context.Context) error {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		var wg sync.WaitGroup
		fe := &firstError{cancel: cancel} // a segment's error stops the others
		for i, s := range segs {
			if s.ended.Load() {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := r.readSegment(ctx, sc, i, len(segs), s); err != nil {
					fe.set(err)
				}
			}()
		}
		wg.Wait()
		return fe.get()
	})
}

// reindexer is a checked TypeSpec.
type reindexer struct {
	spec    TypeSpec
	prefix  string
	indexes []rxIndex
	sources []string // the indexes' attributes, each once
	hash    string   // identifies the spec in checkpoints
}

// rxIndex is one index of a reindexer.
type rxIndex struct {
	entity.Index
	keyPK, keySK string
}

// newReindexer checks spec by the rules repo.New applies to an entity
// type's indexes (entity.ValidatePrefix, entity.ValidateIndexes), and its
// slots against the table b has.
func newReindexer(ctx context.Context, b backend.Backend, spec TypeSpec) (*reindexer, error) {
	if err := entity.ValidatePrefix(spec.Prefix); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidArgument, err)
	}
	rx := &reindexer{spec: spec, prefix: spec.Prefix}
	if err := entity.ValidateIndexes(spec.Indexes); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidArgument, err)
	}
	seen := map[string]bool{}
	for _, ix := range spec.Indexes {
		for _, a := range []string{ix.PartitionAttr, ix.SortAttr} {
			if !seen[a] {
				seen[a] = true
				rx.sources = append(rx.sources, a)
			}
		}
		pk, sk := entity.IndexKeyNames(entity.IndexName(ix.Slot))
		rx.indexes = append(rx.indexes, rxIndex{Index: ix, keyPK: pk, keySK: sk})
	}
	if err := checkSlots(ctx, b, rx.indexes); err != nil {
		return nil, err
	}
	j, err := json.Marshal(spec)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidArgument, err)
	}
	sum := sha256.Sum256(j)
	rx.hash = hex.EncodeToString(sum[:8])
	return rx, nil
}

// checkSlots returns an error wrapping backend.ErrMissingIndex when the
// table b has lacks the slot of one of the indexes.
func checkSlots(ctx context.Context, b backend.Backend, indexes []rxIndex) error {
	if len(indexes) == 0 {
		return nil
	}
	var set backend.IndexSet
	switch rep := b.(type) {
	case backend.IndexReporter:
		var checked bool
		if set, checked = rep.KnownIndexes(); !checked {
			var err error
			if set, err = rep.TableIndexes(ctx); err != nil {
				return err
			}
		}
	case backend.IndexCounter:
		set = backend.FirstIndexes(rep.Indexes())
	default:
		return nil // the backend cannot say: DynamoDB will
	}
	for _, ix := range indexes {
		if !set.Has(ix.Slot) {
			return fmt.Errorf("ops: %w: index %q is in slot %d (%s), and the table has %s", backend.ErrMissingIndex, ix.Name, ix.Slot, entity.IndexName(ix.Slot), set)
		}
	}
	return nil
}

// op returns the operation name of the checkpoints of a run of kind
// ("reindex", "reindex-all") with this spec.
func (rx *reindexer) op(kind string, dryRun bool) string {
	if dryRun {
		kind += "-dry-run"
	}
	return kind + entity.Separator + rx.prefix + entity.Separator + rx.hash
}

// inRange reports whether sk is a sort key of the type.
func (rx *reindexer) inRange(sk string) bool {
	return strings.HasPrefix(sk, entity.SortKeyPrefix(rx.prefix))
}

// rxVerdict is what an item needs.
type rxVerdict uint8

const (
	rxRight rxVerdict = iota // its index keys are right
	rxFix                    // its index keys need an update
	rxFail                   // it cannot be reindexed
)

// plan returns what item of tenant t needs and, for rxFix, the
// expressions of the update that fixes it.
func (rx *reindexer) plan(t entity.Tenant, item backend.Item) (rxVerdict, backend.Expressions) {
	sk, _ := stringAttr(item, entity.SortKeyName)
	if _, _, ok := entity.ParseSortKey(sk); !ok || entity.ValidateID(rx.prefix, sk[len(rx.prefix)+1:]) != nil {
		return rxFail, backend.Expressions{}
	}
	var x exprname.Names // attribute names such as "a.b" or "a[0]" taken as they are
	var upd expression.UpdateBuilder
	changed := false
	for _, ix := range rx.indexes {
		pv, okp, err := backend.IndexSourceValue(item, ix.PartitionAttr)
		if err != nil {
			return rxFail, backend.Expressions{}
		}
		sv, oks, err := backend.IndexSourceValue(item, ix.SortAttr)
		if err != nil {
			return rxFail, backend.Expressions{}
		}
		if okp && oks {
			ipk := t.IndexPartitionKey(rx.prefix, ix.Name, pv)
			if len(ipk) > entity.MaxPartitionKeyBytes || len(sv) > entity.MaxSortKeyBytes {
				return rxFail, backend.Expressions{}
			}
			for _, kv := range [2][2]string{{ix.keyPK, ipk}, {ix.keySK, sv}} {
				if cur, ok := item[kv[0]].(*types.AttributeValueMemberS); !ok || cur.Value != kv[1] {
					upd = upd.Set(x.Name(kv[0]), expression.Value(&types.AttributeValueMemberS{Value: kv[1]}))
					changed = true
				}
			}
			continue
		}
		for _, k := range []string{ix.keyPK, ix.keySK} {
			if _, ok := item[k]; ok {
				upd = upd.Remove(x.Name(k))
				changed = true
			}
		}
	}
	if !changed {
		return rxRight, backend.Expressions{}
	}
	// The condition: the item is there, and holds what was read of the
	// attributes the keys come from and of the keys.
	cond := expression.AttributeExists(x.Name(entity.PartitionKeyName))
	held := append([]string(nil), rx.sources...)
	for _, ix := range rx.indexes {
		held = append(held, ix.keyPK, ix.keySK)
	}
	for _, a := range held {
		n := x.Name(a)
		switch v := item[a].(type) {
		case nil:
			cond = cond.And(expression.AttributeNotExists(n))
		case *types.AttributeValueMemberNULL:
			cond = cond.And(expression.AttributeType(n, expression.Null))
		default:
			cond = cond.And(n.Equal(expression.Value(v)))
		}
	}
	e, err := x.Build(expression.NewBuilder().WithCondition(cond).WithUpdate(upd))
	if err != nil {
		return rxFail, backend.Expressions{}
	}
	return rxFix, e
}

// reindexRun is one run of a reindex.
type reindexRun struct {
	b    backend.Backend
	opts Options
	rx   *reindexer
	pc   *pacer
	rep  *reporter
	// send hands an update to the workers; false: the run stopped, and
	// the update was not taken.
	send func(rxWork) bool
}

// rxWork is one update, a piece of its frontier.
type rxWork struct {
	f    *frontier
	seq  int64
	key  backend.Key
	expr backend.Expressions
	size int
}

func newReindexRun(b backend.Backend, opts Options, rx *reindexer) *reindexRun {
	return &reindexRun{b: b, opts: opts, rx: rx, pc: newPacer(opts.Pace)}
}

// run runs read, which hands out updates, with Options.Concurrency
// workers sending them, and returns the result.
func (r *reindexRun) run(ctx context.Context, read func(ctx context.Context) error) (ReindexResult, error) {
	err := fanOut(ctx, r.opts.Concurrency, func(ctx context.Context, send func(rxWork) bool) error {
		r.send = send
		return read(ctx)
	}, r.update)
	res := ReindexResult{DryRun: r.opts.DryRun}
	if err != nil {
		res.Checkpoint = r.rep.checkpoint(r.rep.total())
		res.Counts = r.rep.final(r.rep.checkpoint)
		return res, opError(ctx, "reindex", err)
	}
	res.Counts = r.rep.final(nil)
	return res, nil
}

// update sends one update. The update was handed out, so it is sent even
// when ctx has ended, and its outcome recorded.
func (r *reindexRun) update(ctx context.Context, w rxWork) error {
	dctx, cancel := detach(ctx)
	defer cancel()
	dctx, consumed := r.pc.measure(dctx)
	_, err := r.b.Update(dctx, backend.UpdateInput{Key: w.key, Expr: w.expr})
	r.pc.charge(consumed(writeUnits(w.size)) - writeUnits(w.size)) // the estimate was waited for before
	c := Counts{Examined: 1, Units: writeUnits(w.size)}
	switch {
	case err == nil:
		c.Done, c.Bytes = 1, int64(w.size)
	case errors.Is(err, backend.ErrConditionFailed):
		c.Skipped = 1
	case backend.KindOf(err) == backend.KindItemTooLarge:
		c.Failed = 1
	default:
		return err
	}
	w.f.done(w.seq, c)
	c.Examined = 0 // counted when read
	r.rep.add(c)
	return nil
}

// page handles one page of items read for frontier f: those of the type
// in the partition of a tenant, which tenantOf gives (false: not a
// tenant's). last is the key of the page's last item or its LastKey, which
// the frontier moves to once all before are done.
func (r *reindexRun) page(ctx context.Context, f *frontier, items []backend.Item, last *backend.Key, units float64, tenantOf func(pk string) (entity.Tenant, bool)) error {
	var c Counts
	c.Units = units
	for _, it := range items {
		pk, _ := stringAttr(it, entity.PartitionKeyName)
		sk, _ := stringAttr(it, entity.SortKeyName)
		t, ok := tenantOf(pk)
		if !ok || !r.rx.inRange(sk) {
			continue
		}
		key := backend.Key{PK: pk, SK: sk}
		c.Examined++
		verdict, expr := r.rx.plan(t, it)
		size := backend.ItemSize(it)
		var pc Counts
		switch {
		case verdict == rxRight:
			pc = Counts{Examined: 1, Skipped: 1}
		case verdict == rxFail:
			pc = Counts{Examined: 1, Failed: 1}
		case r.opts.DryRun:
			pc = Counts{Examined: 1, Done: 1, Bytes: int64(size)}
		default:
			if err := r.pc.wait(ctx, 1, writeUnits(size)); err != nil {
				r.rep.add(c)
				return err
			}
			w := rxWork{f: f, seq: f.add(key), key: key, expr: expr, size: size}
			if !r.send(w) {
				r.rep.add(c)
				return ctx.Err()
			}
			continue
		}
		f.done(f.add(key), pc)
		pc.Examined = 0
		c.add(pc)
	}
	if last != nil {
		f.done(f.add(*last), Counts{})
	}
	r.rep.add(c)
	return nil
}

// readTenant reads the type's items in t's partition from f's position
// on.
func (r *reindexRun) readTenant(ctx context.Context, t entity.Tenant, f *frontier) error {
	pk := t.PartitionKey()
	at, _ := f.at()
	read := partitionRead{
		PageSize: r.opts.PageSize,
		Range:    backend.SortRange{Op: backend.Between, Lo: entity.SortKeyPrefix(r.rx.prefix), Hi: entity.SortKeyEnd(r.rx.prefix)},
		Pacer:    r.pc,
		After:    at.SK,
	}
	tenantOf := func(p string) (entity.Tenant, bool) { return t, p == pk }
	return readPartition(ctx, r.b, pk, read, func(pg page) error {
		last := backend.Key{PK: pk, SK: sortKeyOf(pg.Items[len(pg.Items)-1])}
		return r.page(ctx, f, pg.Items, &last, pg.Units, tenantOf)
	})
}
