package repo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
)

// BatchError reports a batch call that ended, with its context, before
// every item was done. It says exactly which were and which were not: the
// rest of the batch is neither lost nor guessed at. It wraps the context's
// error.
type BatchError struct {
	Op   string
	Done []string // IDs whose read or write completed
	// NotDone are the IDs not known to be done: never sent, left
	// unprocessed, or in a request whose response did not arrive (which
	// DynamoDB may still have applied).
	NotDone []string
	Err     error // why the batch stopped
}

func (e *BatchError) Error() string {
	return fmt.Sprintf("repo: %s: %d of %d items not done: %v", e.Op, len(e.NotDone), len(e.Done)+len(e.NotDone), e.Err)
}

// Unwrap returns the reason the batch stopped.
func (e *BatchError) Unwrap() error { return e.Err }

// batchIDs checks a batch's IDs: valid and all different.
func (r *Repository[T]) batchIDs(op opName, t entity.Tenant, ids []string) ([]backend.Key, error) {
	keys := make([]backend.Key, len(ids))
	seen := make(map[string]bool, len(ids))
	for i, id := range ids {
		if seen[id] {
			return nil, fail(op, ErrInvalidArgument, fmt.Errorf("ID %q appears twice in one batch", id))
		}
		seen[id] = true
		k, err := r.keyIn(op, t, id)
		if err != nil {
			return nil, err
		}
		keys[i] = k
	}
	return keys, nil
}

// idOf returns the entity ID in a sort key of this type.
func (r *Repository[T]) idOf(sk string) string {
	return strings.TrimPrefix(sk, entity.SortKeyPrefix(r.prefix))
}

// wait sleeps before retry attempt n, or returns the context's error.
func (r *Repository[T]) wait(ctx context.Context, attempt int) error {
	t := time.NewTimer(r.retryDelay(attempt))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// retrying charges ctx's Meter, if any, with one retry when the request
// about to be sent carries items an earlier one left unprocessed (attempt
// is past 0). Without a Meter it does nothing.
func retrying(ctx context.Context, attempt int) {
	if attempt > 0 {
		backend.Charge(ctx, backend.Usage{Retries: 1})
	}
}

// written is the Items of a batch write of n entities that returned err:
// n when it succeeded, else those a *BatchError says were done.
func written(n int, err error) int {
	if err == nil {
		return n
	}
	var be *BatchError
	if errors.As(err, &be) {
		return len(be.Done)
	}
	return 0
}

// BatchGet reads the context's tenant's entities with the given IDs, any
// number of them, in requests of up to 100 (DynamoDB's limit), and returns
// those found, in the order of ids, and the IDs not found (or expired).
// Keys DynamoDB leaves unprocessed are retried with backoff until done or
// the context ends; then the error is a *BatchError saying which IDs were
// not read. Errors: ErrInvalidID, ErrInvalidArgument (an ID twice),
// ErrNoTenant, ErrDecode, *BatchError.
func (r *Repository[T]) BatchGet(ctx context.Context, ids []string, optFns ...func(*ReadOptions)) (found []T, missing []string, err error) {
	ct := tenantOf(ctx)
	if r.observer == nil {
		return r.batchGet(ctx, ct, ids, optFns)
	}
	o := r.start(ctx, ct, OpBatchGet, "")
	found, missing, err = r.batchGet(o.ctx, ct, ids, optFns)
	o.end(len(found), err)
	return found, missing, err
}

// batchGet is BatchGet, for the tenant ct, with its requests made in ctx.
func (r *Repository[T]) batchGet(ctx context.Context, ct callTenant, ids []string, optFns []func(*ReadOptions)) (found []T, missing []string, err error) {
	op := opText(fmt.Sprintf("batch get of %d %s", len(ids), r.prefix))
	opts, err := readOpts(op, optFns)
	if err != nil {
		return nil, nil, err
	}
	t, err := ct.of(op)
	if err != nil {
		return nil, nil, err
	}
	keys, err := r.batchIDs(op, t, ids)
	if err != nil {
		return nil, nil, err
	}
	now := r.clock()
	got := make(map[string]T, len(ids))
	read := make(map[string]bool, len(ids))
	if r.batchConcurrency > 1 && len(keys) > backend.MaxBatchGet {
		if err := r.batchGetParallel(ctx, op, keys, opts, now, got, read); err != nil {
			return nil, nil, r.batchGetError(ctx, op, ids, read, err)
		}
		keys = nil // all read
	}
	pending := keys
	for attempt := 0; len(pending) > 0; {
		chunk := pending[:min(len(pending), backend.MaxBatchGet)]
		retrying(ctx, attempt)
		out, err := r.b.BatchGet(ctx, backend.BatchGetInput{Keys: chunk, ConsistentRead: opts.ConsistentRead})
		if err == nil {
			for _, item := range out.Items {
				id := r.idOf(skOf(item))
				read[id] = true
				if r.expired(item, now) {
					continue
				}
				v, err := r.decode(op, item)
				if err != nil {
					return nil, nil, err
				}
				got[id] = v
			}
			unprocessed := make(map[backend.Key]bool, len(out.Unprocessed))
			for _, k := range out.Unprocessed {
				unprocessed[k] = true
			}
			for _, k := range chunk {
				if !unprocessed[k] {
					read[r.idOf(k.SK)] = true
				}
			}
			if len(out.Unprocessed) == 0 {
				// The rest as it is: copying it for every request would
				// make a batch of n items cost n*n.
				pending = pending[len(chunk):]
				attempt = 0
				continue
			}
			pending = append(out.Unprocessed, pending[len(chunk):]...)
			attempt++
			err = r.wait(ctx, attempt)
		}
		if err != nil {
			return nil, nil, r.batchGetError(ctx, op, ids, read, err)
		}
	}
	for _, id := range ids {
		if v, ok := got[id]; ok {
			found = append(found, v)
		} else {
			missing = append(missing, id)
		}
	}
	return found, missing, nil
}

// batchGetError is the error of a BatchGet that stopped at err, having
// read the IDs in read.
func (r *Repository[T]) batchGetError(ctx context.Context, op opName, ids []string, read map[string]bool, err error) error {
	var de decodeError
	if errors.As(err, &de) {
		return de.err
	}
	if ctx.Err() == nil {
		return failBackend(op, err)
	}
	be := &BatchError{Op: op.String(), Err: ctx.Err()}
	for _, id := range ids {
		if read[id] {
			be.Done = append(be.Done, id)
		} else {
			be.NotDone = append(be.NotDone, id)
		}
	}
	return be
}

// decodeError carries the repository's error for an item that did not
// decode out of a parallel batch, so that it is returned as it is.
type decodeError struct{ err error }

func (e decodeError) Error() string { return e.err.Error() }

// batchGetParallel reads keys in requests of up to backend.MaxBatchGet
// keys, Options.BatchConcurrency requests at a time, each retrying the
// keys left unprocessed until done. It records in read the IDs read and in
// got those found and not expired. It returns the first error, after the
// requests in flight have ended, and starts no request after it.
func (r *Repository[T]) batchGetParallel(ctx context.Context, op opName, keys []backend.Key, opts ReadOptions, now time.Time,
	got map[string]T, read map[string]bool) error {
	var mu sync.Mutex // guards got and read
	chunks := (len(keys) + backend.MaxBatchGet - 1) / backend.MaxBatchGet
	return inParallel(ctx, r.batchConcurrency, chunks, func(i int) error {
		pending := keys[i*backend.MaxBatchGet : min(len(keys), (i+1)*backend.MaxBatchGet)]
		for attempt := 0; ; {
			retrying(ctx, attempt)
			out, err := r.b.BatchGet(ctx, backend.BatchGetInput{Keys: pending, ConsistentRead: opts.ConsistentRead})
			if err != nil {
				return err
			}
			vals := make(map[string]T, len(out.Items))
			for _, item := range out.Items {
				if r.expired(item, now) {
					continue
				}
				v, err := r.decode(op, item)
				if err != nil {
					return decodeError{err}
				}
				vals[r.idOf(skOf(item))] = v
			}
			unprocessed := make(map[backend.Key]bool, len(out.Unprocessed))
			for _, k := range out.Unprocessed {
				unprocessed[k] = true
			}
			mu.Lock()
			for _, item := range out.Items {
				read[r.idOf(skOf(item))] = true
			}
			for _, k := range pending {
				if !unprocessed[k] {
					read[r.idOf(k.SK)] = true
				}
			}
			for id, v := range vals {
				got[id] = v
			}
			mu.Unlock()
			if len(out.Unprocessed) == 0 {
				return nil
			}
			pending = out.Unprocessed
			attempt++
			if err := r.wait(ctx, attempt); err != nil {
				return err
			}
		}
	})
}

// inParallel calls do for chunks 0 to chunks-1, in that order, at most n at
// a time. It starts no call after one has failed or ctx has ended, and
// returns, once the calls started have ended, the first error, or ctx's
// when it ended before every chunk was started.
func inParallel(ctx context.Context, n, chunks int, do func(chunk int) error) error {
	var (
		mu    sync.Mutex
		next  int
		first error
		wg    sync.WaitGroup
	)
	for range min(n, chunks) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if first != nil || next == chunks || ctx.Err() != nil {
					mu.Unlock()
					return
				}
				i := next
				next++
				mu.Unlock()
				if err := do(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	if first == nil && next < chunks {
		first = ctx.Err()
	}
	return first
}

// BatchPut writes the entities whole for the context's tenant, any number
// of them, in requests of up to 25 (DynamoDB's limit), without conditions.
// Every entity is checked and encoded before the first request, so bad
// input writes nothing; a batch with one ID twice is refused. Versioned types
// cannot be batch-written (a batch cannot check versions): use Put or a
// transaction. Items DynamoDB leaves unprocessed are retried with backoff
// until done or the context ends; then the error is a *BatchError saying
// which IDs were written and which were not. Errors: ErrInvalidID,
// ErrInvalidArgument, ErrItemTooLarge, ErrNoTenant, *BatchError.
func (r *Repository[T]) BatchPut(ctx context.Context, vs []T) error {
	ct := tenantOf(ctx)
	if r.observer == nil {
		return r.batchPut(ctx, ct, vs)
	}
	o := r.start(ctx, ct, OpBatchPut, "")
	err := r.batchPut(o.ctx, ct, vs)
	o.end(written(len(vs), err), err)
	return err
}

// batchPut is BatchPut, for the tenant ct, with its requests made in ctx.
func (r *Repository[T]) batchPut(ctx context.Context, ct callTenant, vs []T) error {
	op := opText(fmt.Sprintf("batch put of %d %s", len(vs), r.prefix))
	t, err := ct.of(op)
	if err != nil {
		return err
	}
	if r.versionKey != "" {
		return fail(op, ErrInvalidArgument, fmt.Errorf("%s is versioned; batches cannot check versions", r.typeName))
	}
	ids := make([]string, len(vs))
	for i, v := range vs {
		ids[i] = v.EntityID()
	}
	keys, err := r.batchIDs(op, t, ids)
	if err != nil {
		return err
	}
	writes := make([]backend.WriteRequest, len(vs))
	for i, v := range vs {
		item, err := r.encode(r.op("put", ids[i]), v, t, keys[i].SK)
		if err != nil {
			return err
		}
		writes[i] = backend.WriteRequest{Put: item}
	}
	return r.batchWrite(ctx, op, ids, writes)
}

// BatchDelete deletes the context's tenant's entities with the given IDs,
// any number of them, in requests of up to 25, without conditions; IDs that
// do not exist are no error. A batch with one ID twice is refused before
// anything is deleted. Unprocessed deletes are retried as BatchPut's writes
// are. Errors: ErrInvalidID, ErrInvalidArgument, ErrNoTenant, *BatchError.
func (r *Repository[T]) BatchDelete(ctx context.Context, ids []string) error {
	ct := tenantOf(ctx)
	if r.observer == nil {
		return r.batchDelete(ctx, ct, ids)
	}
	o := r.start(ctx, ct, OpBatchDelete, "")
	err := r.batchDelete(o.ctx, ct, ids)
	o.end(written(len(ids), err), err)
	return err
}

// batchDelete is BatchDelete, for the tenant ct, with its requests made in
// ctx.
func (r *Repository[T]) batchDelete(ctx context.Context, ct callTenant, ids []string) error {
	op := opText(fmt.Sprintf("batch delete of %d %s", len(ids), r.prefix))
	t, err := ct.of(op)
	if err != nil {
		return err
	}
	keys, err := r.batchIDs(op, t, ids)
	if err != nil {
		return err
	}
	writes := make([]backend.WriteRequest, len(keys))
	for i := range keys {
		writes[i] = backend.WriteRequest{Delete: &keys[i]}
	}
	return r.batchWrite(ctx, op, ids, writes)
}

// batchWrite sends writes in chunks, retrying what is left unprocessed.
func (r *Repository[T]) batchWrite(ctx context.Context, op opName, ids []string, writes []backend.WriteRequest) error {
	done := make(map[string]bool, len(ids))
	writeID := func(w backend.WriteRequest) string {
		if w.Delete != nil {
			return r.idOf(w.Delete.SK)
		}
		return r.idOf(skOf(w.Put))
	}
	if r.batchConcurrency > 1 && len(writes) > backend.MaxBatchWrite {
		if err := r.batchWriteParallel(ctx, writes, writeID, done); err != nil {
			return r.batchWriteError(ctx, op, ids, done, err)
		}
		return nil
	}
	pending := writes
	for attempt := 0; len(pending) > 0; {
		chunk := pending[:min(len(pending), backend.MaxBatchWrite)]
		retrying(ctx, attempt)
		out, err := r.b.BatchWrite(ctx, backend.BatchWriteInput{Writes: chunk})
		if err == nil {
			left := make(map[string]bool, len(out.Unprocessed))
			for _, w := range out.Unprocessed {
				left[writeID(w)] = true
			}
			for _, w := range chunk {
				if id := writeID(w); !left[id] {
					done[id] = true
				}
			}
			if len(out.Unprocessed) == 0 {
				// The rest as it is: copying it for every request would
				// make a batch of n items cost n*n.
				pending = pending[len(chunk):]
				attempt = 0
				continue
			}
			pending = append(out.Unprocessed, pending[len(chunk):]...)
			attempt++
			err = r.wait(ctx, attempt)
		}
		if err != nil {
			return r.batchWriteError(ctx, op, ids, done, err)
		}
	}
	return nil
}

// batchWriteError is the error of a batch write that stopped at err,
// having written the IDs in done.
func (r *Repository[T]) batchWriteError(ctx context.Context, op opName, ids []string, done map[string]bool, err error) error {
	be := &BatchError{Op: op.String(), Err: err}
	if ctx.Err() != nil {
		be.Err = ctx.Err()
	}
	for _, id := range ids {
		if done[id] {
			be.Done = append(be.Done, id)
		} else {
			be.NotDone = append(be.NotDone, id)
		}
	}
	if ctx.Err() == nil {
		// A store error part-way: say what was written, and keep the
		// error's kind.
		return fail(op, kindOf(err), be)
	}
	return be
}

// batchWriteParallel sends writes in requests of up to
// backend.MaxBatchWrite, Options.BatchConcurrency requests at a time, each
// retrying the writes left unprocessed until done, and records in done the
// IDs written. It returns the first error, after the requests in flight
// have ended, and starts no request after it.
func (r *Repository[T]) batchWriteParallel(ctx context.Context, writes []backend.WriteRequest, writeID func(backend.WriteRequest) string, done map[string]bool) error {
	var mu sync.Mutex // guards done
	chunks := (len(writes) + backend.MaxBatchWrite - 1) / backend.MaxBatchWrite
	return inParallel(ctx, r.batchConcurrency, chunks, func(i int) error {
		pending := writes[i*backend.MaxBatchWrite : min(len(writes), (i+1)*backend.MaxBatchWrite)]
		for attempt := 0; ; {
			retrying(ctx, attempt)
			out, err := r.b.BatchWrite(ctx, backend.BatchWriteInput{Writes: pending})
			if err != nil {
				return err
			}
			left := make(map[string]bool, len(out.Unprocessed))
			for _, w := range out.Unprocessed {
				left[writeID(w)] = true
			}
			mu.Lock()
			for _, w := range pending {
				if id := writeID(w); !left[id] {
					done[id] = true
				}
			}
			mu.Unlock()
			if len(out.Unprocessed) == 0 {
				return nil
			}
			pending = out.Unprocessed
			attempt++
			if err := r.wait(ctx, attempt); err != nil {
				return err
			}
		}
	})
}
