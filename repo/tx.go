package repo

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/google/uuid"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
)

// TxOp is one action of a transaction, made by a repository's Tx methods
// (TxCreate, TxPut, TxUpdate, TxUpdateExpr, TxDelete, TxCheck) and carried
// out by Transact. It names no tenant: every action of a transaction belongs
// to the tenant in Transact's context.
type TxOp struct {
	b     backend.Backend
	desc  opName
	build func(t entity.Tenant) (plan, error)
	// The repository's observer and type, for a transaction whose first
	// action this is.
	obs      Observer
	typeName string
}

// txOp returns the action desc of the repository, built by build.
func (r *Repository[T]) txOp(desc opName, build func(t entity.Tenant) (plan, error)) TxOp {
	return TxOp{b: r.b, desc: desc, build: build, obs: r.observer, typeName: r.typeName}
}

// TxCreate is the transaction form of Create. The entity's ID must be set
// (uuid.NewString() gives a new one), so the caller knows it: Transact
// returns no entities.
func (r *Repository[T]) TxCreate(v T, optFns ...func(*WriteOptions)) TxOp {
	return r.txOp(r.op("create", v.EntityID()), func(t entity.Tenant) (plan, error) {
		if v.EntityID() == "" {
			op := r.op("create", "")
			return plan{op: op}, fail(op, ErrInvalidID, errors.New("a transaction's create needs the ID set"))
		}
		return r.planCreate(t, v, writeOpts(optFns))
	})
}

// TxPut is the transaction form of Put.
func (r *Repository[T]) TxPut(v T, optFns ...func(*WriteOptions)) TxOp {
	return r.txOp(r.op("put", v.EntityID()), func(t entity.Tenant) (plan, error) {
		return r.planPut(t, v, writeOpts(optFns))
	})
}

// TxUpdate is the transaction form of Update.
func (r *Repository[T]) TxUpdate(v T, attrs []string, optFns ...func(*WriteOptions)) TxOp {
	return r.txOp(r.op("update", v.EntityID()), func(t entity.Tenant) (plan, error) {
		return r.planUpdate(t, v, attrs, writeOpts(optFns))
	})
}

// TxUpdateExpr is the transaction form of UpdateExpr, for example an
// increment of a counter:
//
//	users.TxUpdateExpr(userID, expression.Add(expression.Name("order_count"), expression.Value(1)))
//
// Transact refuses it, before anything is sent, for what UpdateExpr
// refuses first (ErrInvalidArgument). Transact reads nothing back: an
// update whose effect depends on the stored item (SET a = b) can leave an
// entity that does not decode, which its later reads report as ErrDecode.
func (r *Repository[T]) TxUpdateExpr(id string, u expression.UpdateBuilder, optFns ...func(*WriteOptions)) TxOp {
	return r.txOp(r.op("update", id), func(t entity.Tenant) (plan, error) {
		return r.planUpdateExpr(t, id, u, writeOpts(optFns))
	})
}

// TxDelete is the transaction form of Delete.
func (r *Repository[T]) TxDelete(id string, optFns ...func(*WriteOptions)) TxOp {
	return r.txOp(r.op("delete", id), func(t entity.Tenant) (plan, error) {
		return r.planDelete(t, id, writeOpts(optFns))
	})
}

// TxCheck is an action that writes nothing: the transaction fails unless
// the entity exists and cond holds for it.
func (r *Repository[T]) TxCheck(id string, cond expression.ConditionBuilder) TxOp {
	return r.txOp(r.op("check", id), func(t entity.Tenant) (plan, error) {
		return r.planCheck(t, id, cond)
	})
}

// TxError is the error of a transaction that changed nothing. It has one
// entry per action, in the order given to Transact, and errors.Is finds
// ErrTxCanceled and the kind of every action that failed (ErrAlreadyExists,
// ErrNotFound, ErrConflict, ErrConditionFailed, ...).
type TxError struct {
	Actions []TxActionResult
}

// TxActionResult says how one action of a canceled transaction fared.
type TxActionResult struct {
	Op string // what the action was, e.g. `create order "7"`
	// Code is the store's cancellation code of the action, for people:
	// DynamoDB's, "None" when the action was fine; "" when the store gave
	// none. Err, not Code, says what went wrong.
	Code string
	Err  error // nil when the action was fine
}

func (e *TxError) Error() string {
	var b strings.Builder
	b.WriteString("repo: transaction canceled")
	sep := ": "
	for i, a := range e.Actions {
		if a.Err != nil {
			fmt.Fprintf(&b, "%saction %d (%s): %s", sep, i+1, a.Op, strings.TrimPrefix(a.Err.Error(), "repo: "))
			sep = "; "
		}
	}
	return b.String()
}

// Unwrap returns ErrTxCanceled and the error of every action that failed.
func (e *TxError) Unwrap() []error {
	errs := []error{ErrTxCanceled}
	for _, a := range e.Actions {
		if a.Err != nil {
			errs = append(errs, a.Err)
		}
	}
	return errs
}

// Transact carries out the actions, all or none, for the tenant in ctx, in
// one DynamoDB transaction: at most 100 actions (backend.MaxTransactActions),
// on distinct entities, of repositories on one backend. Those rules are
// checked before anything is sent. Each transaction has its own client
// request token, so the SDK's retries of it are idempotent. Errors: a
// *TxError (ErrTxCanceled) when a condition failed or DynamoDB canceled the
// transaction, ErrInvalidArgument, the errors of building each action
// (ErrInvalidID, ErrItemTooLarge, ...), ErrNoTenant.
//
// The observer of the first action's repository, if any, sees the
// transaction, with the entity type of that action.
func Transact(ctx context.Context, ops ...TxOp) error {
	ct := tenantOf(ctx)
	if len(ops) == 0 || ops[0].obs == nil {
		return transact(ctx, ct, ops)
	}
	first := ops[0]
	o := startCall(first.obs, ctx, ct, first.typeName, first.desc.prefix, OpTransact, "")
	err := transact(o.ctx, ct, ops)
	n := 0
	if err == nil {
		n = len(ops)
	}
	o.end(n, err)
	return err
}

// transact is Transact, for the tenant ct, with its request made in ctx.
func transact(ctx context.Context, ct callTenant, ops []TxOp) error {
	op := opText(fmt.Sprintf("transaction of %d actions", len(ops)))
	t, err := ct.of(op)
	if err != nil {
		return err
	}
	switch {
	case len(ops) == 0:
		return fail(op, ErrInvalidArgument, errors.New("no actions"))
	case len(ops) > backend.MaxTransactActions:
		return fail(op, ErrInvalidArgument, fmt.Errorf("more than %d actions", backend.MaxTransactActions))
	}
	b := ops[0].b
	plans := make([]plan, len(ops))
	actions := make([]backend.TxAction, len(ops))
	seen := make(map[backend.Key]int, len(ops))
	for i, o := range ops {
		if o.build == nil {
			return fail(op, ErrInvalidArgument, fmt.Errorf("action %d is a zero TxOp", i+1))
		}
		if !sameBackend(o.b, b) {
			return fail(op, ErrInvalidArgument, fmt.Errorf("action %d (%s) is on another backend", i+1, o.desc))
		}
		p, err := o.build(t)
		if err != nil {
			return err
		}
		if j, dup := seen[p.act.Key]; dup {
			return fail(op, ErrInvalidArgument, fmt.Errorf("actions %d and %d (%s) are on one item", j+1, i+1, p.op))
		}
		seen[p.act.Key] = i
		plans[i], actions[i] = p, p.act
	}
	err = b.TransactWrite(ctx, backend.TransactInput{Actions: actions, Token: uuid.NewString()})
	var tce *backend.TxCanceledError
	if !errors.As(err, &tce) {
		if err != nil {
			return failBackend(op, err)
		}
		return nil
	}
	te := &TxError{Actions: make([]TxActionResult, len(plans))}
	for i, p := range plans {
		res := TxActionResult{Op: p.op.String()}
		if i < len(tce.Reasons) {
			reason := tce.Reasons[i]
			res.Code = reason.Code
			switch reason.Kind {
			case backend.KindNone:
			case backend.KindConditionFailed:
				// The action's plan tells what the failed condition
				// means from the item as it was.
				res.Err = fail(p.op, p.classify(reason.Item), nil)
			default:
				res.Err = fail(p.op, repoKind(reason.Kind), reasonError(reason))
			}
		}
		te.Actions[i] = res
	}
	return te
}

// reasonError is the cause of a canceled transaction's action: the store's
// code and message.
func reasonError(r backend.TxReason) error {
	switch {
	case r.Code == "":
		return errors.New(r.Message)
	case r.Message == "":
		return errors.New(r.Code)
	}
	return errors.New(r.Code + ": " + r.Message)
}

// sameBackend reports whether two backends are one value. Backends of types
// that cannot be compared are never the same.
func sameBackend(a, b backend.Backend) (same bool) {
	defer func() {
		if recover() != nil {
			same = false
		}
	}()
	return a == b
}
