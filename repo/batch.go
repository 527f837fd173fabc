package repo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
)

// BatchError reports a batch call that ended, with its context, before
// every item was done. It says exactly which were and which were not: the
// rest of the batch is neither lost nor guessed at. It wraps the context's
// error.
type BatchError struct {
	Op      string
	Done    []string // IDs whose read or write completed
	NotDone []string // IDs whose read or write did not happen
	Err     error    // why the batch stopped
}

func (e *BatchError) Error() string {
	return fmt.Sprintf("repo: %s: %d of %d items not done: %v", e.Op, len(e.NotDone), len(e.Done)+len(e.NotDone), e.Err)
}

// Unwrap returns the reason the batch stopped.
func (e *BatchError) Unwrap() error { return e.Err }

// batchIDs checks a batch's IDs: valid and all different.
func (r *Repository[T]) batchIDs(op, pk string, ids []string) ([]backend.Key, error) {
	keys := make([]backend.Key, len(ids))
	seen := make(map[string]bool, len(ids))
	for i, id := range ids {
		if seen[id] {
			return nil, fail(op, ErrInvalidArgument, fmt.Errorf("ID %q appears twice in one batch", id))
		}
		seen[id] = true
		k, err := r.keyIn(op, pk, id)
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

// BatchGet reads the context's tenant's entities with the given IDs, any
// number of them, in requests of up to 100 (DynamoDB's limit), and returns
// those found, in the order of ids, and the IDs not found (or expired).
// Keys DynamoDB leaves unprocessed are retried with backoff until done or
// the context ends; then the error is a *BatchError saying which IDs were
// not read. Errors: ErrInvalidID, ErrInvalidArgument (an ID twice),
// ErrNoTenant, ErrDecode, *BatchError.
func (r *Repository[T]) BatchGet(ctx context.Context, ids []string, optFns ...func(*ReadOptions)) (found []T, missing []string, err error) {
	op := fmt.Sprintf("batch get of %d %s", len(ids), r.prefix)
	var opts ReadOptions
	for _, fn := range optFns {
		fn(&opts)
	}
	_, pk, err := r.partition(ctx, op)
	if err != nil {
		return nil, nil, err
	}
	keys, err := r.batchIDs(op, pk, ids)
	if err != nil {
		return nil, nil, err
	}
	now := r.clock()
	got := make(map[string]T, len(ids))
	read := make(map[string]bool, len(ids))
	pending := keys
	for attempt := 0; len(pending) > 0; {
		chunk := pending[:min(len(pending), backend.MaxBatchGet)]
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
			pending = append(out.Unprocessed, pending[len(chunk):]...)
			if len(out.Unprocessed) == 0 {
				attempt = 0
				continue
			}
			attempt++
			err = r.wait(ctx, attempt)
		}
		if err != nil {
			if ctx.Err() == nil {
				return nil, nil, failBackend(op, err)
			}
			be := &BatchError{Op: op, Err: ctx.Err()}
			for _, id := range ids {
				if read[id] {
					be.Done = append(be.Done, id)
				} else {
					be.NotDone = append(be.NotDone, id)
				}
			}
			return nil, nil, be
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
	op := fmt.Sprintf("batch put of %d %s", len(vs), r.prefix)
	_, pk, err := r.partition(ctx, op)
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
	keys, err := r.batchIDs(op, pk, ids)
	if err != nil {
		return err
	}
	writes := make([]backend.WriteRequest, len(vs))
	for i, v := range vs {
		item, err := r.encode(r.op("put", ids[i]), v, keys[i].PK, keys[i].SK)
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
	op := fmt.Sprintf("batch delete of %d %s", len(ids), r.prefix)
	_, pk, err := r.partition(ctx, op)
	if err != nil {
		return err
	}
	keys, err := r.batchIDs(op, pk, ids)
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
func (r *Repository[T]) batchWrite(ctx context.Context, op string, ids []string, writes []backend.WriteRequest) error {
	done := make(map[string]bool, len(ids))
	writeID := func(w backend.WriteRequest) string {
		if w.Delete != nil {
			return r.idOf(w.Delete.SK)
		}
		return r.idOf(skOf(w.Put))
	}
	pending := writes
	for attempt := 0; len(pending) > 0; {
		chunk := pending[:min(len(pending), backend.MaxBatchWrite)]
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
			pending = append(out.Unprocessed, pending[len(chunk):]...)
			if len(out.Unprocessed) == 0 {
				attempt = 0
				continue
			}
			attempt++
			err = r.wait(ctx, attempt)
		}
		if err != nil {
			be := &BatchError{Op: op, Err: err}
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
				// A store error part-way: say what was written, and keep
				// the error's kind.
				return fail(op, kindOf(err), be)
			}
			return be
		}
	}
	return nil
}
