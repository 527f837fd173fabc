package route

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/internal/wait"
)

// Put writes the item to its tenant's table (fenced during a move).
func (r *Router) Put(ctx context.Context, in backend.PutInput) error {
	k, _ := backend.KeyOf(in.Item)
	tenant, err := tenantOfPK(k.PK)
	if err != nil {
		return err
	}
	if err := checkWriteKey(k); err != nil {
		return err
	}
	return r.write(ctx, tenant, k,
		func(ctx context.Context, b backend.Backend) error { return b.Put(ctx, in) },
		func(ctx context.Context, b backend.Backend, fence backend.TxAction) error {
			return single(ctx, b, backend.TxAction{Kind: backend.TxPut, Item: in.Item, Expr: in.Expr}, fence)
		})
}

// Update updates the item in its tenant's table (fenced during a move:
// then the item returned is read after the update, and may hold a later
// write by another client; when it cannot be read, the error, of kind
// backend.KindUnknown, says the update was applied).
func (r *Router) Update(ctx context.Context, in backend.UpdateInput) (backend.Item, error) {
	tenant, err := tenantOfPK(in.Key.PK)
	if err != nil {
		return nil, err
	}
	if err := checkWriteKey(in.Key); err != nil {
		return nil, err
	}
	var item backend.Item
	err = r.write(ctx, tenant, in.Key,
		func(ctx context.Context, b backend.Backend) error {
			var err error
			item, err = b.Update(ctx, in)
			return err
		},
		func(ctx context.Context, b backend.Backend, fence backend.TxAction) error {
			if err := single(ctx, b, backend.TxAction{Kind: backend.TxUpdate, Key: in.Key, Expr: in.Expr}, fence); err != nil {
				return err
			}
			var err error
			item, err = readBack(ctx, b, in.Key)
			return err
		})
	if err != nil {
		return nil, err
	}
	return item, nil
}

// How long, and how many times, an Update under a fence reads its item.
const (
	readBackTries   = 4
	readBackBackoff = 10 * time.Millisecond
	readBackTimeout = 2 * time.Second
)

// readBack reads the item an Update under a fence has just written (the
// transaction that wrote it cannot return it). The update is applied: an
// error of the read must not pass for the update's, which a caller may
// retry (a throttled read, a canceled context) and so apply the update
// twice. So it reads a few times, even once ctx is done (for at most
// readBackTimeout), and then fails with an error of kind
// backend.KindUnknown that says the update was applied.
func readBack(ctx context.Context, b backend.Backend, k backend.Key) (backend.Item, error) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), readBackTimeout)
	defer cancel()
	var err error
	for i := range readBackTries {
		if i > 0 {
			if serr := wait.Sleep(rctx, readBackBackoff<<(i-1)); serr != nil {
				break
			}
		}
		var item backend.Item
		item, err = b.Get(rctx, backend.GetInput{Key: backend.Key{PK: k.PK, SK: k.SK}, ConsistentRead: true})
		if err == nil {
			return item, nil
		}
		if errors.Is(err, backend.ErrNotFound) {
			break // deleted since by another client: reading again will not find it
		}
	}
	return nil, &routeError{
		msg:    fmt.Sprintf("route: the update was applied during the tenant's move, but its item could not be read: %v", err),
		kind:   backend.KindUnknown,
		parent: errApplied,
	}
}

// errApplied marks the error of a write that was applied (an Update whose
// read-back failed): givenUp must not call it given up.
var errApplied = errors.New("route: the write was applied")

// Delete deletes the item from its tenant's table (fenced during a move).
func (r *Router) Delete(ctx context.Context, in backend.DeleteInput) error {
	tenant, err := tenantOfPK(in.Key.PK)
	if err != nil {
		return err
	}
	if err := checkWriteKey(in.Key); err != nil {
		return err
	}
	return r.write(ctx, tenant, in.Key,
		func(ctx context.Context, b backend.Backend) error { return b.Delete(ctx, in) },
		func(ctx context.Context, b backend.Backend, fence backend.TxAction) error {
			return single(ctx, b, backend.TxAction{Kind: backend.TxDelete, Key: in.Key, Expr: in.Expr}, fence)
		})
}

// BatchWrite writes to the table of the writes' tenant; keys of two
// tenants return an error wrapping ErrCrossTenant and nothing is written,
// as for a write request with both a put and a delete, or neither
// (backend.ErrInvalidArgument). During a move it is sent as one
// transaction with the fence check; as a transaction carries at most
// maxFencedTxBytes, writes beyond that are returned unprocessed (a batch
// of 25 items of 400 KB is 10 MB).
func (r *Router) BatchWrite(ctx context.Context, in backend.BatchWriteInput) (backend.BatchWriteOutput, error) {
	if len(in.Writes) == 0 {
		return r.tables.Pool().BatchWrite(ctx, in)
	}
	var o oneTenant
	var first backend.Key
	for i, w := range in.Writes {
		var k backend.Key
		switch {
		case (w.Put == nil) == (w.Delete == nil):
			return backend.BatchWriteOutput{}, fmt.Errorf("route: batch write: %w: write %d has both a put and a delete, or neither", backend.ErrInvalidArgument, i)
		case w.Delete != nil:
			k = *w.Delete
		default:
			k, _ = backend.KeyOf(w.Put)
		}
		if i == 0 {
			first = k
		}
		o.add(k.PK)
		if o.err == nil {
			o.err = checkWriteKey(k)
		}
	}
	if o.err != nil {
		return backend.BatchWriteOutput{}, o.err
	}
	var out backend.BatchWriteOutput
	err := r.write(ctx, o.tenant, first,
		func(ctx context.Context, b backend.Backend) error {
			var err error
			out, err = b.BatchWrite(ctx, in)
			return err
		},
		func(ctx context.Context, b backend.Backend, fence backend.TxAction) error {
			send, rest, err := fencedBatch(in.Writes)
			if err != nil {
				return err
			}
			actions := make([]backend.TxAction, 0, len(send)+1)
			for _, w := range send {
				if w.Delete != nil {
					actions = append(actions, backend.TxAction{Kind: backend.TxDelete, Key: *w.Delete})
				} else {
					actions = append(actions, backend.TxAction{Kind: backend.TxPut, Item: w.Put})
				}
			}
			out = backend.BatchWriteOutput{}
			if err := fencedTx(ctx, b, backend.TransactInput{Actions: actions, Token: uuid.NewString()}, fence, false); err != nil {
				return err
			}
			out.Unprocessed = rest
			return nil
		})
	return out, err
}

// maxFencedTxBytes bounds the size of the items a fenced batch write sends
// in one transaction: DynamoDB refuses a transaction of more than 4 MB
// (4 MiB on DynamoDB Local), a batch write of up to 16 MB.
const maxFencedTxBytes = 4_000_000

// fencedBatch splits the writes of a fenced batch write into those that
// one transaction carries (the first always) and the rest, which the
// batch returns unprocessed. When it splits, it first checks the whole
// batch as a table would (its length, each item and key, distinct keys),
// so that a bad write in the rest fails the batch before anything is
// written.
func fencedBatch(ws []backend.WriteRequest) (send, rest []backend.WriteRequest, err error) {
	size := 0
	for i, w := range ws {
		n := 0
		if w.Put != nil {
			n = backend.ItemSize(w.Put)
		} else {
			n = len(w.Delete.PK) + len(w.Delete.SK)
		}
		if size += n; size > maxFencedTxBytes && i > 0 {
			send, rest = ws[:i], ws[i:]
			break
		}
	}
	if rest == nil {
		return ws, nil, nil
	}
	if len(ws) > backend.MaxBatchWrite {
		return nil, nil, fmt.Errorf("route: batch write: %w: %d writes, more than %d", backend.ErrInvalidArgument, len(ws), backend.MaxBatchWrite)
	}
	if err := (backend.BatchWriteInput{Writes: ws}).CheckSendable(); err != nil {
		return nil, nil, fmt.Errorf("route: batch write: %w", err)
	}
	seen := make(map[backend.Key]bool, len(ws))
	for i, w := range ws {
		var k backend.Key
		if w.Put != nil {
			n, err := backend.CheckItem(w.Put)
			if err == nil && n > backend.MaxItemBytes {
				err = fmt.Errorf("%w: %d bytes, more than %d", backend.ErrItemTooLarge, n, backend.MaxItemBytes)
			}
			if err != nil {
				return nil, nil, fmt.Errorf("route: batch write: write %d: %w", i, err)
			}
			k, _ = backend.KeyOf(w.Put)
		} else {
			k = *w.Delete
		}
		if err := k.Check(); err != nil {
			return nil, nil, fmt.Errorf("route: batch write: write %d: %w", i, err)
		}
		if seen[k] {
			return nil, nil, fmt.Errorf("route: batch write: %w: two writes of one item %q/%q", backend.ErrInvalidArgument, k.PK, k.SK)
		}
		seen[k] = true
	}
	return send, rest, nil
}

// TransactWrite applies the transaction in the table of its tenant; actions
// of two tenants return an error wrapping ErrCrossTenant and nothing is
// written. During a move the fence check is added as one more action: a
// transaction of backend.MaxTransactActions actions then waits for the move
// to switch.
func (r *Router) TransactWrite(ctx context.Context, in backend.TransactInput) error {
	if len(in.Actions) == 0 {
		return r.tables.Pool().TransactWrite(ctx, in)
	}
	var o oneTenant
	var first backend.Key
	for i, a := range in.Actions {
		k := a.Key
		if a.Kind == backend.TxPut {
			k, _ = backend.KeyOf(a.Item)
		}
		if i == 0 {
			first = k
		}
		o.add(k.PK)
		if o.err == nil {
			o.err = checkWriteKey(k)
		}
	}
	if o.err != nil {
		return o.err
	}
	return r.write(ctx, o.tenant, first,
		func(ctx context.Context, b backend.Backend) error { return b.TransactWrite(ctx, in) },
		func(ctx context.Context, b backend.Backend, fence backend.TxAction) error {
			if len(in.Actions) >= backend.MaxTransactActions {
				return errFenceHit // no room for the check: wait for the switch
			}
			return fencedTx(ctx, b, in, fence, true)
		})
}

// Outcomes of a fenced write, besides its own result.
var (
	// errFenceHit: the fence check failed; the move is in its pause.
	errFenceHit = errors.New("route: fence hit")
	// errFenceConflict: the transaction collided with another; retry.
	errFenceConflict = errors.New("route: fenced write conflicted")
)

// How often, and after how long, a fenced write that collided with another
// transaction is sent again.
const (
	conflictRetries = 4
	conflictBackoff = 10 * time.Millisecond
)

// write sends one write of tenant to its table: by plain when no move
// fences the tenant, else by fenced with the fence check of the key first.
// A fence hit makes it read the catalog again, and wait for the move to
// switch (polling every PollInterval) at most PauseWait, then fail with
// ErrMoving; a switch sends the write to the new table. Each sending is
// bounded by the catalog's WriteTimeout from the start of the catalog
// lookup that chose its table (see bound).
func (r *Router) write(ctx context.Context, tenant string, first backend.Key,
	plain func(context.Context, backend.Backend) error, fenced func(context.Context, backend.Backend, backend.TxAction) error) error {
	at := time.Now()
	p, b, err := r.placed(ctx, tenant, false)
	if err != nil {
		return err
	}
	var waitUntil time.Time
	conflicts := 0
	for {
		wctx, cancel := r.bound(ctx, at)
		if !p.Move.Fenced() {
			err := plain(wctx, b)
			cancel()
			return givenUp(ctx, wctx, err)
		}
		err := fenced(wctx, b, fenceCheck(tenant, first))
		cancel()
		switch {
		case errors.Is(err, errFenceConflict):
			conflicts++
			if conflicts > conflictRetries {
				return fmt.Errorf("route: the tenant's move fence: %w", backend.ErrConflict)
			}
			if err := wait.Sleep(ctx, conflictBackoff<<(conflicts-1)); err != nil {
				return err
			}
			at = time.Now()
			if p, b, err = r.placed(ctx, tenant, true); err != nil {
				return err
			}
		case errors.Is(err, errFenceHit):
			if waitUntil.IsZero() {
				waitUntil = time.Now().Add(r.opts.PauseWait)
			}
			if p, b, at, err = r.awaitChange(ctx, tenant, p, waitUntil); err != nil {
				return err
			}
		default:
			return givenUp(ctx, wctx, err)
		}
	}
}

// bound returns the context to send one write in: ctx, ended also by the
// catalog's WriteTimeout after at, the start of the catalog lookup that
// chose the write's table. A mover waits MaxStale and WriteTimeout after
// each change of placement (before it fences the source, and before it
// purges it) so that no write a router sent on the placement before lands
// after that (CatalogOptions.WriteTimeout).
func (r *Router) bound(ctx context.Context, at time.Time) (context.Context, context.CancelFunc) {
	d := r.cat.WriteTimeout()
	if d <= 0 {
		return ctx, noCancel
	}
	return context.WithDeadline(ctx, at.Add(d))
}

func noCancel() {}

// givenUp returns err, the outcome of a write sent in wctx (from bound),
// saying so when the bound ended it rather than the caller's ctx: the
// error wraps context.DeadlineExceeded, and the write may or may not
// have been applied.
func givenUp(ctx, wctx context.Context, err error) error {
	if err == nil || ctx.Err() != nil || !errors.Is(wctx.Err(), context.DeadlineExceeded) || errors.Is(err, errApplied) {
		return err // (wctx.Err() is context.Canceled once it was canceled after the write)
	}
	const msg = "route: the write was given up at the catalog's WriteTimeout, and may or may not have been applied"
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", msg, err)
	}
	return fmt.Errorf("%s: %w (%w)", msg, context.DeadlineExceeded, err)
}

// awaitChange reads the tenant's placement until it differs from p (in
// version) or until the deadline, and returns it with the start of the
// lookup that read it; at the deadline the error wraps ErrMoving.
func (r *Router) awaitChange(ctx context.Context, tenant string, p Placement, deadline time.Time) (Placement, backend.Backend, time.Time, error) {
	for {
		at := time.Now()
		np, nb, err := r.placed(ctx, tenant, true)
		if err != nil {
			return Placement{}, nil, at, err
		}
		if np.Version != p.Version || !np.Move.Fenced() {
			return np, nb, at, nil
		}
		left := time.Until(deadline)
		if left <= 0 {
			return Placement{}, nil, at, fmt.Errorf("%w: tenant %q, still paused after %v", ErrMoving, tenant, r.opts.PauseWait)
		}
		if err := wait.Sleep(ctx, min(left, r.opts.PollInterval)); err != nil {
			return Placement{}, nil, at, err
		}
	}
}

// single sends one write action with the fence check as a transaction and
// maps its outcome to the single write's: the action's condition failure is
// a *backend.ConditionFailedError with the item.
func single(ctx context.Context, b backend.Backend, a, fence backend.TxAction) error {
	err := b.TransactWrite(ctx, backend.TransactInput{Actions: []backend.TxAction{a, fence}, Token: uuid.NewString()})
	var tc *backend.TxCanceledError
	if !errors.As(err, &tc) || len(tc.Reasons) != 2 {
		return err
	}
	own, f := tc.Reasons[0], tc.Reasons[1]
	switch {
	case f.Kind == backend.KindConditionFailed:
		return errFenceHit
	case own.Kind == backend.KindConditionFailed:
		return &backend.ConditionFailedError{Item: own.Item}
	case own.Kind == backend.KindConflict || f.Kind == backend.KindConflict:
		if own.Kind == backend.KindNone || own.Kind == backend.KindConflict {
			return errFenceConflict
		}
	}
	if kerr := own.Kind.Err(); kerr != nil && own.Kind != backend.KindTxCanceled {
		return fmt.Errorf("route: %w: %s %s", kerr, own.Code, own.Message)
	}
	if kerr := f.Kind.Err(); kerr != nil && f.Kind != backend.KindTxCanceled {
		return fmt.Errorf("route: the tenant's move fence: %w: %s %s", kerr, f.Code, f.Message)
	}
	return err
}

// fencedTx sends in with the fence check as its last action. A failed
// fence check is a fence hit; a conflict of the check, or of any action
// when the caller did not send a transaction (asTx false), is a fenced
// conflict; otherwise the caller gets the transaction's error with the
// fence's reason left out.
func fencedTx(ctx context.Context, b backend.Backend, in backend.TransactInput, fence backend.TxAction, asTx bool) error {
	actions := make([]backend.TxAction, 0, len(in.Actions)+1)
	actions = append(append(actions, in.Actions...), fence)
	err := b.TransactWrite(ctx, backend.TransactInput{Actions: actions, Token: in.Token})
	var tc *backend.TxCanceledError
	if !errors.As(err, &tc) || len(tc.Reasons) != len(actions) {
		return err
	}
	own, f := tc.Reasons[:len(in.Actions)], tc.Reasons[len(in.Actions)]
	if f.Kind == backend.KindConditionFailed {
		return errFenceHit
	}
	ownFailed := false
	onlyConflicts := true
	for _, rs := range own {
		if rs.Kind != backend.KindNone {
			ownFailed = true
			if rs.Kind != backend.KindConflict {
				onlyConflicts = false
			}
		}
	}
	switch {
	case !ownFailed && f.Kind == backend.KindConflict:
		return errFenceConflict
	case !asTx && onlyConflicts && (ownFailed || f.Kind == backend.KindConflict):
		return errFenceConflict
	case !ownFailed:
		if kerr := f.Kind.Err(); kerr != nil && f.Kind != backend.KindTxCanceled {
			return fmt.Errorf("route: the tenant's move fence: %w: %s %s", kerr, f.Code, f.Message)
		}
		return err
	case !asTx:
		for _, rs := range own {
			if kerr := rs.Kind.Err(); kerr != nil && rs.Kind != backend.KindTxCanceled {
				return fmt.Errorf("route: batch write during a move: %w: %s %s", kerr, rs.Code, rs.Message)
			}
		}
		return err
	}
	return &backend.TxCanceledError{Reasons: append([]backend.TxReason(nil), own...)}
}
