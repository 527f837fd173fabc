package ops

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

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
	for n := 1; n <= backend.MaxIndexes; n++ {
		pk, sk := backend.IndexKeyNames(backend.IndexName(n))
		pks, sks = append(pks, pk), append(sks, sk)
	}
	return pks, sks
}()

// ownsKey reports whether an index partition key v names the tenant of
// partition key pk: v is pk, or starts with pk and the separator.
func ownsKey(v, pk string) bool {
	return v == pk || strings.HasPrefix(v, pk) && strings.HasPrefix(v[len(pk):], entity.Separator)
}

// checkLoadItem checks an item (of size bytes) to be loaded from the
// partition srcPK into dstPK: its partition key is srcPK (else
// ErrForeignItem); its sort key and each index key attribute (GSI<n>PK,
// GSI<n>SK) a non-empty string within DynamoDB's key limits (else
// ErrBadExport); no index partition key names another tenant, that is,
// starts with "tenant#" without being srcPK or starting with srcPK and "#"
// (else ErrForeignItem); and, renamed to dstPK, its keys and size still
// within DynamoDB's limits (else ErrInvalidArgument). Index partition keys
// that do not start with "tenant#" are not the layout's (another program
// wrote them): they are kept as they are, never renamed.
func checkLoadItem(item backend.Item, size int, srcPK, dstPK string) error {
	pk, ok := strAttr(item, entity.PartitionKeyName)
	if !ok {
		return fmt.Errorf("%w: the partition key is not a string", ErrBadExport)
	}
	if pk != srcPK {
		return fmt.Errorf("%w: partition key %q, not %q", ErrForeignItem, pk, srcPK)
	}
	sk, ok := strAttr(item, entity.SortKeyName)
	switch {
	case !ok || sk == "":
		return fmt.Errorf("%w: the sort key is not a non-empty string", ErrBadExport)
	case len(sk) > entity.MaxSortKeyBytes:
		return fmt.Errorf("%w: sort key of %d bytes, more than %d", ErrBadExport, len(sk), entity.MaxSortKeyBytes)
	}
	grow := len(dstPK) - len(srcPK)
	renamed := 1
	for i, name := range indexPKNames {
		for _, a := range [...]struct {
			name string
			max  int
		}{{name, entity.MaxPartitionKeyBytes}, {indexSKNames[i], entity.MaxSortKeyBytes}} {
			v, present := item[a.name]
			if !present {
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
		v, ok := strAttr(item, name)
		if !ok || !strings.HasPrefix(v, entity.TenantPrefix) {
			continue
		}
		if !ownsKey(v, srcPK) {
			return fmt.Errorf("%w: index key %s %q of item %q names another tenant than %q", ErrForeignItem, name, v, sk, srcPK)
		}
		if len(v)+grow > entity.MaxPartitionKeyBytes {
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
		if v, ok := strAttr(item, name); ok && ownsKey(v, srcPK) {
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

// loadMaxAttempts is how many times the writer sends the writes of a batch
// a backend leaves unprocessed before it gives up (backend.ErrThrottled).
const loadMaxAttempts = 12

// loadRetryDelay is the wait before sending unprocessed writes again, on
// attempt 2, 3, ...: exponential from 20 ms to 2 s, with jitter. Tests
// make it shorter.
var loadRetryDelay = func(attempt int) time.Duration {
	d := min(20*time.Millisecond<<min(attempt-2, 8), 2*time.Second)
	return d/2 + rand.N(d/2+1)
}

// loader writes batches of puts, Concurrency at a time, and records which
// lines are written (the backend said so) and which are not known to be
// (a request failed without saying).
type loader struct {
	b    backend.Backend
	pc   *pacer
	tl   *tally
	conc int
	// checkpoint, when set, is the checkpoint of a prefix of lines
	// written, for progress reports.
	checkpoint func(prefix int64) Checkpoint

	mu      sync.Mutex
	written []LineRange
	notDone []LineRange
	failed  int64
	err     error // the first error
	stop    chan struct{}
}

func newLoader(b backend.Backend, o Options, tl *tally) *loader {
	return &loader{b: b, pc: newPacer(o.Pace), tl: tl, conc: o.Concurrency, stop: make(chan struct{})}
}

// run starts the writers and calls produce, which hands batches to send
// in line order; send returns false when the run has stopped (an error, or
// ctx ended) and the batch was not taken. run returns the first error of
// produce or of a write.
func (l *loader) run(ctx context.Context, produce func(send func(loadBatch) bool) error) error {
	batches := make(chan loadBatch)
	var wg sync.WaitGroup
	for range l.conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for bt := range batches {
				l.write(ctx, bt)
			}
		}()
	}
	send := func(bt loadBatch) bool {
		select {
		case <-l.stop:
			return false
		case <-ctx.Done():
			return false
		default:
		}
		select {
		case batches <- bt:
			return true
		case <-l.stop:
			return false
		case <-ctx.Done():
			return false
		}
	}
	perr := produce(send)
	close(batches)
	wg.Wait()
	if perr != nil {
		l.fail(perr)
	}
	if err := ctx.Err(); err != nil {
		l.fail(err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// fail records err as the run's error, if it is the first, and stops the
// run.
func (l *loader) fail(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err == nil {
		l.err = err
		close(l.stop)
	}
}

func (l *loader) stopped() bool {
	select {
	case <-l.stop:
		return true
	default:
		return false
	}
}

// write sends one batch, and again the writes the backend leaves
// unprocessed, until all are written or an error.
func (l *loader) write(ctx context.Context, bt loadBatch) {
	pending := make([]int, len(bt.Items)) // indexes into bt.Items
	for i := range pending {
		pending[i] = i
	}
	for attempt := 1; ; attempt++ {
		if l.stopped() {
			if attempt > 1 {
				// Sent and left unprocessed: not written.
				l.record(bt, nil, nil, int64(len(pending)), 0, 0)
			}
			return // else not sent: not written
		}
		if attempt > 1 {
			if attempt > loadMaxAttempts {
				l.record(bt, nil, nil, int64(len(pending)), 0, 0)
				l.fail(fmt.Errorf("%w: %d writes of a batch still unprocessed after %d attempts", backend.ErrThrottled, len(pending), loadMaxAttempts))
				return
			}
			if err := sleepCtx(ctx, loadRetryDelay(attempt)); err != nil {
				l.record(bt, nil, nil, int64(len(pending)), 0, 0) // unprocessed: not written
				l.fail(err)
				return
			}
		}
		writes := make([]backend.WriteRequest, len(pending))
		var units float64
		for j, i := range pending {
			writes[j] = backend.WriteRequest{Put: bt.Items[i]}
			units += writeUnits(bt.Sizes[i])
		}
		if err := l.pc.wait(ctx, len(writes), units); err != nil {
			l.fail(err) // not sent: not written
			return
		}
		out, err := l.b.BatchWrite(ctx, backend.BatchWriteInput{Writes: writes})
		if err != nil {
			switch backend.KindOf(err) {
			case backend.KindInvalidArgument, backend.KindItemTooLarge:
				// Refused as a whole: nothing written.
				l.record(bt, nil, nil, int64(len(pending)), 0, 0)
			default:
				l.record(bt, nil, pending, int64(len(pending)), 0, 0)
			}
			l.fail(err)
			return
		}
		left := make(map[string]bool, len(out.Unprocessed))
		for _, w := range out.Unprocessed {
			if sk, ok := strAttr(w.Put, entity.SortKeyName); ok {
				left[sk] = true
			}
		}
		var done, next []int
		var bytes int64
		var spent float64
		for _, i := range pending {
			sk, _ := strAttr(bt.Items[i], entity.SortKeyName)
			if left[sk] {
				next = append(next, i)
				continue
			}
			done = append(done, i)
			bytes += int64(bt.Sizes[i])
			spent += writeUnits(bt.Sizes[i])
		}
		l.record(bt, done, nil, 0, bytes, spent)
		if len(next) == 0 {
			return
		}
		pending = next
	}
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
	var cp Checkpoint
	if l.checkpoint != nil {
		cp = l.checkpoint(prefixOf(l.written))
	}
	l.mu.Unlock()
	l.tl.add(Counts{Done: int64(len(done)), Failed: failed, Bytes: bytes, Units: units}, cp)
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
	sk, _ := strAttr(item, entity.SortKeyName)
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

// sleepCtx waits d, or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
