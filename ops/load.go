package ops

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
)

// This file holds what Import and Copy share: the checks of an item to be
// loaded for a tenant, the renaming of its keys, and the writer that puts
// numbered items ("lines") in batches, several at a time, and keeps exact
// account of which are written.

// indexPKNames are GSI1PK ... GSI<MaxIndexes>PK, indexSKNames the sort keys.
var indexPKNames, indexSKNames = func() (pks, sks []string) {
	for n := 1; n <= entity.MaxIndexes; n++ {
		pk, sk := entity.IndexKeyNames(entity.IndexName(n))
		pks, sks = append(pks, pk), append(sks, sk)
	}
	return pks, sks
}()

// ownsKey reports whether an index partition key v names the tenant of
// partition key pk: v is pk, or one of its index partition keys
// (entity.InIndexPartition).
func ownsKey(v, pk string) bool {
	return v == pk || entity.InIndexPartition(pk, v)
}

// loadSlots returns the index slots of the table b stands for, whose key
// attributes a loaded item must hold as DynamoDB requires (see
// checkLoadItem): those the backend reports (backend.IndexReporter, else
// backend.IndexCounter), else all backend.MaxIndexes.
func loadSlots(ctx context.Context, b backend.Backend) (backend.IndexSet, error) {
	switch r := b.(type) {
	case backend.IndexReporter:
		if set, checked := r.KnownIndexes(); checked {
			return set, nil
		}
		return r.TableIndexes(ctx)
	case backend.IndexCounter:
		return backend.FirstIndexes(r.Indexes()), nil
	}
	return backend.AllIndexes, nil
}

// checkLoadItem checks an item (of size bytes) to be loaded from the
// partition srcPK into dstPK, in a table with the index slots: its
// partition key is srcPK (else ErrForeignItem); its sort key, and each
// index key attribute (GSI<n>PK, GSI<n>SK) of the slots, a non-empty
// string within DynamoDB's key limits (else ErrBadExport); no index
// partition key attribute, of any slot, names another tenant, that is,
// starts with "tenant#" without being srcPK or starting with srcPK and
// "#" (else ErrForeignItem: the data may be loaded into a table with
// that slot); and, renamed to dstPK, its keys and size still within
// DynamoDB's limits (else ErrInvalidArgument). Index partition keys that
// do not start with "tenant#" are not the layout's (another program wrote
// them): they are kept as they are, never renamed. The attributes of a
// slot the table lacks are ordinary attributes, which DynamoDB stores
// whatever their type: another program may have written a number there.
func checkLoadItem(item backend.Item, size int, srcPK, dstPK string, slots backend.IndexSet) error {
	pk, ok := stringAttr(item, entity.PartitionKeyName)
	if !ok {
		return fmt.Errorf("%w: the partition key is not a string", ErrBadExport)
	}
	if pk != srcPK {
		return fmt.Errorf("%w: partition key %q, not %q", ErrForeignItem, pk, srcPK)
	}
	sk, ok := stringAttr(item, entity.SortKeyName)
	switch {
	case !ok || sk == "":
		return fmt.Errorf("%w: the sort key is not a non-empty string", ErrBadExport)
	case len(sk) > entity.MaxSortKeyBytes:
		return fmt.Errorf("%w: sort key of %d bytes, more than %d", ErrBadExport, len(sk), entity.MaxSortKeyBytes)
	}
	grow := len(dstPK) - len(srcPK)
	renamed := 1
	for i, name := range indexPKNames {
		key := slots.Has(i + 1)
		for _, a := range [...]struct {
			name string
			max  int
		}{{name, entity.MaxPartitionKeyBytes}, {indexSKNames[i], entity.MaxSortKeyBytes}} {
			v, present := item[a.name]
			if !present || !key {
				continue
			}
			s, ok := v.(*types.AttributeValueMemberS)
			switch {
			case !ok || s.Value == "":
				return fmt.Errorf("%w: index key %s of item %q is not a non-empty string", ErrBadExport, a.name, sk)
			case len(s.Value) > a.max:
				return fmt.Errorf("%w: index key %s of item %q has %d bytes, more than %d", ErrBadExport, a.name, sk, len(s.Value), a.max)
			}
		}
		v, ok := stringAttr(item, name)
		if !ok || !strings.HasPrefix(v, entity.TenantPrefix) {
			continue
		}
		if !ownsKey(v, srcPK) {
			return fmt.Errorf("%w: index key %s %q of item %q names another tenant than %q", ErrForeignItem, name, v, sk, srcPK)
		}
		if key && len(v)+grow > entity.MaxPartitionKeyBytes {
			return fmt.Errorf("%w: index key %s of item %q would have %d bytes renamed, more than %d", ErrInvalidArgument, name, sk, len(v)+grow, entity.MaxPartitionKeyBytes)
		}
		renamed++
	}
	if size+renamed*grow > backend.MaxItemBytes {
		return fmt.Errorf("%w: item %q would have %d bytes renamed, more than %d", ErrInvalidArgument, sk, size+renamed*grow, backend.MaxItemBytes)
	}
	return nil
}

// renameItem returns item with its keys moved from partition srcPK to
// dstPK: its partition key, and each index partition key that is srcPK or
// starts with srcPK and the separator. It returns item itself when the
// partitions are the same; else a new map sharing the other values.
func renameItem(item backend.Item, srcPK, dstPK string) backend.Item {
	if srcPK == dstPK {
		return item
	}
	out := maps.Clone(item)
	out[entity.PartitionKeyName] = &types.AttributeValueMemberS{Value: dstPK}
	for _, name := range indexPKNames {
		if v, ok := stringAttr(item, name); ok && ownsKey(v, srcPK) {
			out[name] = &types.AttributeValueMemberS{Value: dstPK + v[len(srcPK):]}
		}
	}
	return out
}

// loadBatch is a batch of puts of consecutive lines, First to
// First+len(Items)-1.
type loadBatch struct {
	First int64
	Items []backend.Item
	Sizes []int
}

// loader writes batches of puts, Concurrency at a time, and records which
// lines are written (the backend said so) and which are not known to be
// (a request failed without saying).
type loader struct {
	b backend.Backend
	// slots are the index slots of b's table, for checkLoadItem.
	slots backend.IndexSet
	pc    *pacer
	rep   *reporter
	conc  int
	// prefix is the last line of the prefix of lines written (from 1),
	// for the checkpoints of progress reports.
	prefix atomic.Int64

	mu      sync.Mutex
	written []LineRange
	notDone []LineRange
	failed  int64
}

func newLoader(b backend.Backend, slots backend.IndexSet, o Options, pc *pacer, rep *reporter) *loader {
	return &loader{b: b, slots: slots, pc: pc, rep: rep, conc: o.Concurrency}
}

// run starts the writers and calls produce, which hands batches to send
// in line order; send returns false when the run has stopped (an error, or
// ctx ended) and the batch was not taken. run returns the first error of
// produce or of a write.
func (l *loader) run(ctx context.Context, produce func(send func(loadBatch) bool) error) error {
	err := fanOut(ctx, l.conc, func(_ context.Context, send func(loadBatch) bool) error { return produce(send) }, l.write)
	if err == nil {
		err = ctx.Err()
	}
	return err
}

// load runs the writers on the items read hands, in line order, to put:
// put checks an item (of size bytes, line n) as checkLoadItem does,
// renames it from srcPK to dstPK and adds it to a batch; it returns
// errStopped when the run has stopped, and read returns put's errors.
// load returns the first error of read or of a write.
func (l *loader) load(ctx context.Context, srcPK, dstPK string, read func(put func(n int64, item backend.Item, size int) error) error) error {
	return l.run(ctx, func(send func(loadBatch) bool) error {
		bc := batcher{send: send}
		err := read(func(n int64, item backend.Item, size int) error {
			if err := checkLoadItem(item, size, srcPK, dstPK, l.slots); err != nil {
				return err
			}
			renamed := renameItem(item, srcPK, dstPK)
			if !bc.add(n, renamed, backend.ItemSize(renamed)) {
				return errStopped
			}
			return nil
		})
		switch {
		case errors.Is(err, errStopped):
			return nil
		case err != nil:
			return err
		}
		bc.flush() // false: stopped, with the run's error
		return nil
	})
}

// errStopped ends the reading of a load whose writes have stopped.
var errStopped = errors.New("ops: stopped")

// write writes one batch (see batchWrite) and records what became of its
// lines: written, sent and not written (failed), or sent without an
// answer (failed, and not known to be done). Lines never sent, the run
// having stopped, are neither. It returns batchWrite's error.
func (l *loader) write(ctx context.Context, bt loadBatch) error {
	writes := make([]backend.WriteRequest, len(bt.Items))
	for i, it := range bt.Items {
		writes[i] = backend.WriteRequest{Put: it}
	}
	var done []int
	var bytes int64
	o, err := batchWrite(ctx, l.b, l.pc, writes, bt.Sizes, func(i int) {
		done = append(done, i)
		bytes += int64(bt.Sizes[i])
	})
	var notDone []int
	var failed int64
	if err != nil && o.Sent {
		failed = int64(len(o.Left))
		if o.Unanswered {
			notDone = o.Left
		}
	}
	if len(done) > 0 || failed > 0 {
		l.record(bt, done, notDone, failed, bytes, o.Units)
	}
	return err
}

// record adds the lines of batch bt at the indexes done to those written,
// those at notDone to those not known to be, and reports progress.
func (l *loader) record(bt loadBatch, done, notDone []int, failed, bytes int64, units float64) {
	l.mu.Lock()
	for _, i := range done {
		l.written = addLine(l.written, bt.First+int64(i))
	}
	for _, i := range notDone {
		l.notDone = addLine(l.notDone, bt.First+int64(i))
	}
	l.failed += failed
	l.prefix.Store(prefixOf(l.written))
	l.mu.Unlock()
	l.rep.add(Counts{Done: int64(len(done)), Failed: failed, Bytes: bytes, Units: units})
}

// result returns the lines written and not known to be, and how many
// lines failed.
func (l *loader) result() (written, notDone []LineRange, failed int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.written), slices.Clone(l.notDone), l.failed
}

// prefixOf returns the last line of the prefix of lines (from 1) that
// rs holds, 0 when it does not hold line 1.
func prefixOf(rs []LineRange) int64 {
	if len(rs) == 0 || rs[0].First != 1 {
		return 0
	}
	return rs[0].Last
}

// addLine adds line n to the sorted, disjoint, non-adjacent ranges rs.
func addLine(rs []LineRange, n int64) []LineRange {
	return addRange(rs, LineRange{First: n, Last: n})
}

// addRange adds r to the sorted, disjoint, non-adjacent ranges rs, merging
// as needed.
func addRange(rs []LineRange, r LineRange) []LineRange {
	// The first range that ends at or after r.First-1 (touching r).
	i, _ := slices.BinarySearchFunc(rs, r.First-1, func(x LineRange, v int64) int {
		if x.Last < v {
			return -1
		}
		return 1
	})
	j := i
	for j < len(rs) && rs[j].First <= r.Last+1 {
		r.First = min(r.First, rs[j].First)
		r.Last = max(r.Last, rs[j].Last)
		j++
	}
	return slices.Replace(rs, i, j, r)
}

// countLines returns how many lines rs holds.
func countLines(rs []LineRange) int64 {
	var n int64
	for _, r := range rs {
		n += r.Last - r.First + 1
	}
	return n
}

// batcher gathers consecutive lines into batches of up to
// backend.MaxBatchWrite puts on distinct keys: a line whose key is already
// in the batch starts a new one, so that a later line wins, as it would
// written one at a time.
type batcher struct {
	send func(loadBatch) bool
	cur  loadBatch
	keys map[string]struct{}
}

// add adds the item of line n; it returns false when a full batch could
// not be sent (the run stopped).
func (bc *batcher) add(n int64, item backend.Item, size int) bool {
	sk := sortKeyOf(item)
	if _, dup := bc.keys[sk]; dup || len(bc.cur.Items) == backend.MaxBatchWrite {
		if !bc.flush() {
			return false
		}
	}
	if len(bc.cur.Items) == 0 {
		bc.cur.First = n
		bc.keys = make(map[string]struct{}, backend.MaxBatchWrite)
	}
	bc.cur.Items = append(bc.cur.Items, item)
	bc.cur.Sizes = append(bc.cur.Sizes, size)
	bc.keys[sk] = struct{}{}
	return true
}

// flush sends the batch gathered, if any.
func (bc *batcher) flush() bool {
	if len(bc.cur.Items) == 0 {
		return true
	}
	ok := bc.send(bc.cur)
	bc.cur = loadBatch{}
	return ok
}
