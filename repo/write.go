package repo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
)

// A plan is one write, checked, encoded and with its expressions built, ready
// for a backend call or as an action of a transaction. Single writes and
// transactions share plans, so both keep the same rules.
type plan struct {
	op       opName
	act      backend.TxAction
	classify func(old backend.Item) error // the kind of a failed condition
}

// writeOpts applies the caller's option functions.
func writeOpts(optFns []func(*WriteOptions)) WriteOptions {
	o, err := apply(optFns)
	if err != nil {
		o.invalid = err
	}
	return o
}

// and joins conditions that are set; ok is false when none is.
func and(cs ...*expression.ConditionBuilder) (c expression.ConditionBuilder, ok bool) {
	var set []expression.ConditionBuilder
	for _, c := range cs {
		if c != nil {
			set = append(set, *c)
		}
	}
	switch len(set) {
	case 0:
		return c, false
	case 1:
		return set[0], true
	}
	return expression.And(set[0], set[1], set[2:]...), true
}

func ptr[V any](v V) *V { return &v }

// expressions builds the repository's own condition and update (if any)
// with the names of x, and the caller's condition and update (if any)
// apart (see exprNames), into one set of expressions.
func expressions(x *exprNames, cond, callerCond *expression.ConditionBuilder, update, callerUpdate *expression.UpdateBuilder) (backend.Expressions, error) {
	var e backend.Expressions
	if cond != nil || update != nil {
		b := expression.NewBuilder()
		if cond != nil {
			b = b.WithCondition(*cond)
		}
		if update != nil {
			b = b.WithUpdate(*update)
		}
		var err error
		if e, err = x.Build(b); err != nil {
			return backend.Expressions{}, err
		}
	}
	if callerCond != nil {
		c, err := callerExpr("c", expression.NewBuilder().WithCondition(*callerCond))
		if err != nil {
			return backend.Expressions{}, err
		}
		if e, err = merge(e, c); err != nil {
			return backend.Expressions{}, err
		}
	}
	if callerUpdate != nil {
		u, err := callerExpr("u", expression.NewBuilder().WithUpdate(*callerUpdate))
		if err != nil {
			return backend.Expressions{}, err
		}
		if e, err = merge(e, u); err != nil {
			return backend.Expressions{}, err
		}
	}
	// The values, as the backends would refuse them.
	if err := e.CheckSendable(); err != nil {
		return backend.Expressions{}, err
	}
	return e, nil
}

// classifier returns how a failed condition of a write of kind k reads,
// given the stored item: the entity is there or not, its version moved, or
// the caller's own condition failed.
func (r *Repository[T]) classifier(k backend.TxKind, create bool, expect *int64, now time.Time) func(old backend.Item) error {
	return func(old backend.Item) error {
		live := old != nil && !r.expired(old, now)
		stale := func() bool {
			v, err := r.versionOf(old)
			return err != nil || v != *expect
		}
		switch {
		case create:
			if live {
				return ErrAlreadyExists
			}
		case k == backend.TxPut:
			// A put creates or replaces, so only its version can be off.
			if expect != nil && ((*expect == 0 && live) || (*expect != 0 && (!live || stale()))) {
				return ErrConflict
			}
		case !live:
			return ErrNotFound
		case expect != nil && stale():
			return ErrConflict
		}
		return ErrConditionFailed
	}
}

// planCreate plans the creation of v of tenant t and returns v as it
// will be stored (its ID assigned, its version 1).
func (r *Repository[T]) planCreate(t entity.Tenant, v T, o WriteOptions) (plan, error) {
	id := v.EntityID()
	op := r.op("create", id)
	if o.invalid != nil {
		return plan{op: op}, fail(op, ErrInvalidArgument, o.invalid)
	}
	if id == "" {
		if !r.setter {
			return plan{op: op}, fail(op, ErrInvalidID, fmt.Errorf("empty ID, and *%s has no SetEntityID to assign one", r.typeName))
		}
		id = uuid.NewString()
		any(&v).(entity.IDSetter).SetEntityID(id)
		if got := v.EntityID(); got != id {
			return plan{op: op}, fail(op, ErrInvalidArgument, fmt.Errorf("%s: EntityID returns %q after SetEntityID(%q)", r.typeName, got, id))
		}
		op = r.op("create", id)
	}
	key, err := r.keyIn(op, t, id)
	if err != nil {
		return plan{op: op}, err
	}
	item, err := r.encode(op, v, t, key.SK)
	if err != nil {
		return plan{op: op}, err
	}
	if r.versionKey != "" {
		item[r.versionKey] = number(1)
	}
	now := r.clock()
	var x exprNames
	e, err := expressions(&x, ptr(r.absent(&x, now)), o.Condition, nil, nil)
	if err != nil {
		return plan{op: op}, fail(op, ErrInvalidArgument, err)
	}
	return plan{
		op:       op,
		act:      backend.TxAction{Kind: backend.TxPut, Item: item, Key: key, Expr: e},
		classify: r.classifier(backend.TxPut, true, nil, now),
	}, nil
}

// planPut plans writing v whole of tenant t.
func (r *Repository[T]) planPut(t entity.Tenant, v T, o WriteOptions) (plan, error) {
	op := r.op("put", v.EntityID())
	if o.invalid != nil {
		return plan{op: op}, fail(op, ErrInvalidArgument, o.invalid)
	}
	key, err := r.keyIn(op, t, v.EntityID())
	if err != nil {
		return plan{op: op}, err
	}
	item, err := r.encode(op, v, t, key.SK)
	if err != nil {
		return plan{op: op}, err
	}
	now := r.clock()
	var x exprNames
	var version *expression.ConditionBuilder
	var expect *int64
	if r.versionKey != "" {
		cur, err := r.versionOf(item)
		if err != nil {
			return plan{op: op}, fail(op, ErrInvalidArgument, err)
		}
		expect = &cur
		item[r.versionKey] = number(cur + 1)
		if cur == 0 {
			version = ptr(r.absent(&x, now))
		} else {
			version = ptr(r.exists(&x, now).And(x.Name(r.versionKey).Equal(expression.Value(number(cur)))))
		}
	}
	var e backend.Expressions
	if version != nil || o.Condition != nil {
		if e, err = expressions(&x, version, o.Condition, nil, nil); err != nil {
			return plan{op: op}, fail(op, ErrInvalidArgument, err)
		}
	}
	return plan{
		op:       op,
		act:      backend.TxAction{Kind: backend.TxPut, Item: item, Key: key, Expr: e},
		classify: r.classifier(backend.TxPut, false, expect, now),
	}, nil
}

// planUpdate plans setting the named attributes of the stored entity to
// their values in v.
func (r *Repository[T]) planUpdate(t entity.Tenant, v T, attrs []string, o WriteOptions) (plan, error) {
	id := v.EntityID()
	op := r.op("update", id)
	if o.invalid != nil {
		return plan{op: op}, fail(op, ErrInvalidArgument, o.invalid)
	}
	key, err := r.keyIn(op, t, id)
	if err != nil {
		return plan{op: op}, err
	}
	if len(attrs) == 0 {
		return plan{op: op}, fail(op, ErrInvalidArgument, fmt.Errorf("no attributes named"))
	}
	item, err := r.encode(op, v, t, key.SK)
	if err != nil {
		return plan{op: op}, err
	}
	var x exprNames
	var u expression.UpdateBuilder
	seen := make(map[string]bool, len(attrs))
	for _, name := range attrs {
		switch {
		case ownsAttribute(name):
			return plan{op: op}, fail(op, ErrInvalidArgument, fmt.Errorf("attribute %q is a key and cannot be updated", name))
		case r.versionKey != "" && name == r.versionKey:
			return plan{op: op}, fail(op, ErrInvalidArgument, fmt.Errorf("attribute %q is the version, which the library sets", name))
		case seen[name]:
			return plan{op: op}, fail(op, ErrInvalidArgument, fmt.Errorf("attribute %q named twice", name))
		case name == "" || (r.attrs != nil && !has(r.attrs, name)):
			return plan{op: op}, fail(op, ErrInvalidArgument, fmt.Errorf("%s has no attribute %q", r.typeName, name))
		}
		if err := r.checkAttrName(name); err != nil {
			return plan{op: op}, fail(op, ErrInvalidArgument, err)
		}
		seen[name] = true
		if av, ok := item[name]; ok {
			u = u.Set(x.Name(name), expression.Value(av))
		} else {
			u = u.Remove(x.Name(name))
		}
	}
	// An index moves with its attributes: an update naming one of an
	// index's attributes names both, so the index keys can be computed from
	// v alone, and sets them (or removes them, leaving the index).
	for _, ix := range r.indexes {
		if seen[ix.PartitionAttr] != seen[ix.SortAttr] {
			return plan{op: op}, fail(op, ErrInvalidArgument, fmt.Errorf("index %q is on %q and %q: an update names both or neither", ix.Name, ix.PartitionAttr, ix.SortAttr))
		}
		if !seen[ix.PartitionAttr] {
			continue
		}
		for _, k := range []string{ix.keyPK, ix.keySK} {
			if av, ok := item[k]; ok {
				u = u.Set(x.Name(k), expression.Value(av))
			} else {
				u = u.Remove(x.Name(k))
			}
		}
	}
	now := r.clock()
	var expect *int64
	var version *expression.ConditionBuilder
	if r.versionKey != "" {
		cur, err := r.versionOf(item)
		if err != nil {
			return plan{op: op}, fail(op, ErrInvalidArgument, err)
		}
		expect = &cur
		version = ptr(x.Name(r.versionKey).Equal(expression.Value(number(cur))))
		u = u.Set(x.Name(r.versionKey), expression.Value(number(cur+1)))
	}
	cond, _ := and(ptr(r.exists(&x, now)), version)
	e, err := expressions(&x, &cond, o.Condition, &u, nil)
	if err != nil {
		return plan{op: op}, fail(op, ErrInvalidArgument, err)
	}
	return plan{
		op:       op,
		act:      backend.TxAction{Kind: backend.TxUpdate, Key: key, Expr: e},
		classify: r.classifier(backend.TxUpdate, false, expect, now),
	}, nil
}

// planUpdateExpr plans the caller's update of the stored entity id.
func (r *Repository[T]) planUpdateExpr(t entity.Tenant, id string, u expression.UpdateBuilder, o WriteOptions) (plan, error) {
	op := r.op("update", id)
	if o.invalid != nil {
		return plan{op: op}, fail(op, ErrInvalidArgument, o.invalid)
	}
	key, err := r.keyIn(op, t, id)
	if err != nil {
		return plan{op: op}, err
	}
	// The caller's update, built on its own and checked before anything of
	// ours joins it.
	upd, err := callerExpr("u", expression.NewBuilder().WithUpdate(u))
	if err != nil {
		return plan{op: op}, fail(op, ErrInvalidArgument, err)
	}
	if err := r.checkCallerUpdate(upd); err != nil {
		return plan{op: op}, fail(op, ErrInvalidArgument, err)
	}
	now := r.clock()
	var x exprNames
	var version *expression.ConditionBuilder
	if o.Version != nil {
		if r.versionKey == "" {
			return plan{op: op}, fail(op, ErrInvalidArgument, fmt.Errorf("%s is not versioned", r.typeName))
		}
		version = ptr(x.Name(r.versionKey).Equal(expression.Value(number(*o.Version))))
	}
	cond, _ := and(ptr(r.exists(&x, now)), version)
	e, err := expressions(&x, &cond, o.Condition, nil, nil)
	if err == nil {
		e, err = merge(e, upd)
	}
	if err != nil {
		return plan{op: op}, fail(op, ErrInvalidArgument, err)
	}
	if r.versionKey != "" {
		// Every write moves the version on, so copies read before it are
		// stale. The caller's builder is not touched: the expression
		// package's builders share state between copies.
		const name, one = "#tenantrepo_version", ":tenantrepo_one"
		e.Update = addToUpdate(e.Update, name, one)
		if e.Names == nil {
			e.Names = map[string]string{}
		}
		if e.Values == nil {
			e.Values = map[string]types.AttributeValue{} // a REMOVE has none
		}
		e.Names[name] = r.versionKey
		e.Values[one] = number(1)
	}
	return plan{
		op:       op,
		act:      backend.TxAction{Kind: backend.TxUpdate, Key: key, Expr: e},
		classify: r.classifier(backend.TxUpdate, false, o.Version, now),
	}, nil
}

// planDelete plans deleting the stored entity id. Without a condition or a
// version it is unconditional, and so idempotent.
func (r *Repository[T]) planDelete(t entity.Tenant, id string, o WriteOptions) (plan, error) {
	op := r.op("delete", id)
	if o.invalid != nil {
		return plan{op: op}, fail(op, ErrInvalidArgument, o.invalid)
	}
	key, err := r.keyIn(op, t, id)
	if err != nil {
		return plan{op: op}, err
	}
	now := r.clock()
	var x exprNames
	var version *expression.ConditionBuilder
	if o.Version != nil {
		if r.versionKey == "" {
			return plan{op: op}, fail(op, ErrInvalidArgument, fmt.Errorf("%s is not versioned", r.typeName))
		}
		version = ptr(x.Name(r.versionKey).Equal(expression.Value(number(*o.Version))))
	}
	var e backend.Expressions
	if version != nil || o.Condition != nil {
		cond, _ := and(ptr(r.exists(&x, now)), version)
		if e, err = expressions(&x, &cond, o.Condition, nil, nil); err != nil {
			return plan{op: op}, fail(op, ErrInvalidArgument, err)
		}
	}
	return plan{
		op:       op,
		act:      backend.TxAction{Kind: backend.TxDelete, Key: key, Expr: e},
		classify: r.classifier(backend.TxDelete, false, o.Version, now),
	}, nil
}

// planCheck plans a transaction's check that entity id exists and cond holds.
func (r *Repository[T]) planCheck(t entity.Tenant, id string, cond expression.ConditionBuilder) (plan, error) {
	op := r.op("check", id)
	key, err := r.keyIn(op, t, id)
	if err != nil {
		return plan{op: op}, err
	}
	now := r.clock()
	var x exprNames
	e, err := expressions(&x, ptr(r.exists(&x, now)), &cond, nil, nil)
	if err != nil {
		return plan{op: op}, fail(op, ErrInvalidArgument, err)
	}
	return plan{
		op:       op,
		act:      backend.TxAction{Kind: backend.TxCheck, Key: key, Expr: e},
		classify: r.classifier(backend.TxCheck, false, nil, now),
	}, nil
}

// run carries out a plan with a single backend call and returns the stored
// item: the one written, or the updated one.
func (r *Repository[T]) run(ctx context.Context, p plan) (backend.Item, error) {
	var err error
	var out backend.Item
	switch p.act.Kind {
	case backend.TxPut:
		err = r.b.Put(ctx, backend.PutInput{Item: p.act.Item, Expr: p.act.Expr})
		out = p.act.Item
	case backend.TxUpdate:
		out, err = r.b.Update(ctx, backend.UpdateInput{Key: p.act.Key, Expr: p.act.Expr})
	case backend.TxDelete:
		err = r.b.Delete(ctx, backend.DeleteInput{Key: p.act.Key, Expr: p.act.Expr})
	}
	var cf *backend.ConditionFailedError
	if errors.As(err, &cf) {
		return nil, fail(p.op, p.classify(cf.Item), nil)
	}
	if err != nil {
		return nil, failBackend(p.op, err)
	}
	return out, nil
}

// Create stores v as a new entity of the context's tenant and returns it as
// stored. When v's ID is empty and the type implements entity.IDSetter,
// Create gives it a new random UUID first; a versioned entity gets version
// 1. An expired entity with the ID counts as absent. Errors:
// ErrAlreadyExists when the tenant has a live entity with the ID (nothing is
// overwritten), ErrConditionFailed when WithCondition's condition fails,
// ErrInvalidID, ErrNoTenant, ErrItemTooLarge, ErrInvalidArgument.
func (r *Repository[T]) Create(ctx context.Context, v T, optFns ...func(*WriteOptions)) (T, error) {
	return r.write(ctx, OpCreate, "create", v.EntityID(), func(t entity.Tenant) (plan, error) {
		return r.planCreate(t, v, writeOpts(optFns))
	}, nil)
}

// Put stores v for the context's tenant, creating it or replacing the whole
// entity with its ID, and returns it as stored. For a versioned type, v's
// version must be the stored one (0 for an entity that does not exist yet),
// else ErrConflict; the stored version is one more. Errors: ErrConflict,
// ErrConditionFailed, ErrInvalidID (an empty ID too), ErrNoTenant,
// ErrItemTooLarge, ErrInvalidArgument.
func (r *Repository[T]) Put(ctx context.Context, v T, optFns ...func(*WriteOptions)) (T, error) {
	return r.write(ctx, OpPut, "put", v.EntityID(), func(t entity.Tenant) (plan, error) {
		return r.planPut(t, v, writeOpts(optFns))
	}, &v)
}

// Update changes the named attributes of an existing entity to their values
// in v and leaves every other stored attribute as it is. Names are the
// attribute names of the type (the dynamodbav tag names); an attribute whose
// value in v encodes to nothing (omitempty) is removed. For a versioned type
// v's version must be the stored one. Update returns the whole entity as
// stored afterwards, and never creates one. Errors: ErrNotFound, ErrConflict,
// ErrConditionFailed, ErrInvalidID, ErrNoTenant, ErrItemTooLarge,
// ErrInvalidArgument for no names, a repeated or unknown name, a key or the
// version attribute, or a name that differs only in case from one of the
// library's attributes or of the type's, and ErrDecode with ErrApplied
// when the entity as stored afterwards does not decode (an attribute the
// update did not name was stored with another type, by another client):
// the update is stored; mend the entity with Put or UpdateExpr.
func (r *Repository[T]) Update(ctx context.Context, v T, attrs []string, optFns ...func(*WriteOptions)) (T, error) {
	return r.write(ctx, OpUpdate, "update", v.EntityID(), func(t entity.Tenant) (plan, error) {
		return r.planUpdate(t, v, attrs, writeOpts(optFns))
	}, nil)
}

// UpdateExpr applies an update built with aws-sdk-go-v2's expression package
// to an existing entity and returns the whole entity as stored afterwards:
// set, remove, add (a numeric increment or set union), delete (from a set),
// list_append and if_not_exists, as DynamoDB's UpdateItem does them. It never
// creates an entity, and it may not touch the key or the version, which it
// moves on by one for a versioned type (IfVersion checks the version first).
//
// Before anything is sent, the update is refused with ErrInvalidArgument
// when it names an indexed attribute (use Update); when it may create (SET,
// ADD) an attribute whose name differs only in case from one of the type's
// or of the library's; when a value it writes as given (SET to a value, to
// if_not_exists or list_append of one, the value of an ADD or a DELETE, or
// the Number that + and - make) does not decode into the Go type of the
// field it lands in, its numbers taken both as written and as DynamoDB
// normalizes top-level numbers (DynamoDB keeps the spelling of numbers
// inside maps and lists, DynamoDB Local that of every number an update
// writes; a DELETE, which stores nothing, only as normalized); when a
// number it stores as given in an integer field (int or uint of any
// size), at any depth (a map's value, a list's element, a nested struct's
// field, a number set's member), is not an integer spelled as DynamoDB
// returns it: an optional "-" and ASCII digits without leading zeros ("7"
// and "-12", not "7.0", "1E2", "+7", "007" or "-0"); or when a number it
// adds to an integer field (the value of an ADD, or a value or fallback of
// if_not_exists that + or - takes) is not so spelled, or is at least 2^n
// for an n-bit field. What depends on the stored item cannot be checked
// first: when the stored entity does not decode after the update
// (SET a = b copying an attribute of another type, a sum past the range
// of an integer field), the update is stored and the error wraps ErrDecode
// and ErrApplied; mend the entity with Put or another UpdateExpr.
//
// Errors: ErrNotFound, ErrConflict, ErrConditionFailed, ErrInvalidID,
// ErrNoTenant, ErrItemTooLarge, ErrInvalidArgument (including an update
// DynamoDB rejects, such as adding to a string), ErrUnsupported, and
// ErrDecode with ErrApplied as above.
func (r *Repository[T]) UpdateExpr(ctx context.Context, id string, u expression.UpdateBuilder, optFns ...func(*WriteOptions)) (T, error) {
	return r.write(ctx, OpUpdateExpr, "update", id, func(t entity.Tenant) (plan, error) {
		return r.planUpdateExpr(t, id, u, writeOpts(optFns))
	}, nil)
}

// write plans a write for the context's tenant, runs it and decodes the
// stored entity; the observer, if any, sees it as a call of kind. put,
// when set, is the entity a Put writes whole, from which the stored entity
// can be had without decoding the item made of it.
func (r *Repository[T]) write(ctx context.Context, kind Op, verb, id string, planFn func(t entity.Tenant) (plan, error), put *T) (T, error) {
	ct := tenantOf(ctx)
	if r.observer == nil {
		return r.writeAs(ctx, ct, verb, id, planFn, put)
	}
	o := r.start(ctx, ct, kind, "")
	v, err := r.writeAs(o.ctx, ct, verb, id, planFn, put)
	o.end(one(err), err)
	return v, err
}

// writeAs is write, for the tenant ct, with its request made in ctx.
func (r *Repository[T]) writeAs(ctx context.Context, ct callTenant, verb, id string, planFn func(t entity.Tenant) (plan, error), put *T) (T, error) {
	var zero T
	t, err := ct.of(r.op(verb, id))
	if err != nil {
		return zero, err
	}
	p, err := planFn(t)
	if err != nil {
		return zero, err
	}
	item, err := r.run(ctx, p)
	if err != nil {
		return zero, err
	}
	if put != nil && r.codec != nil && r.versionKey == "" {
		// The item holds put's fields as encoded, and its keys (no
		// version): decoding it would give what RoundTrip gives, when it
		// reports true; else decoding fails, as below.
		var v T
		if r.codec.RoundTrip(put, &v) {
			if r.setter {
				any(&v).(entity.IDSetter).SetEntityID((*put).EntityID())
			}
			return v, nil
		}
	}
	v, err := r.decode(p.op, item)
	if err != nil {
		// The write is done: say so, and how to mend the entity. The
		// cause is decode's, without its call and kind, which the
		// write's error gives once.
		var oe *opError
		if errors.As(err, &oe) && oe.err != nil {
			err = oe.err
		}
		return zero, fail(p.op, ErrDecode, &appliedError{err})
	}
	return v, nil
}

// appliedError is the cause of the ErrDecode of a write that was stored.
type appliedError struct{ err error }

func (e *appliedError) Error() string {
	return "the write was applied and is stored (" +
		e.err.Error() + "); until it is mended (Put the whole entity, or UpdateExpr its attributes to values of their fields' types) its reads fail with ErrDecode"
}

func (e *appliedError) Unwrap() []error { return []error{ErrApplied, e.err} }

// Delete removes the context's tenant's entity with the ID. Deleting an
// entity that does not exist is not an error: like DynamoDB's DeleteItem,
// Delete is idempotent, so a retried delete succeeds. With WithCondition or
// IfVersion, the entity must exist and the condition or version hold:
// ErrNotFound, ErrConditionFailed or ErrConflict otherwise. Other errors:
// ErrInvalidID, ErrNoTenant, ErrInvalidArgument.
func (r *Repository[T]) Delete(ctx context.Context, id string, optFns ...func(*WriteOptions)) error {
	ct := tenantOf(ctx)
	if r.observer == nil {
		return r.delete(ctx, ct, id, optFns)
	}
	o := r.start(ctx, ct, OpDelete, "")
	err := r.delete(o.ctx, ct, id, optFns)
	o.end(one(err), err)
	return err
}

// delete is Delete, for the tenant ct, with its request made in ctx.
func (r *Repository[T]) delete(ctx context.Context, ct callTenant, id string, optFns []func(*WriteOptions)) error {
	op := r.op("delete", id)
	t, err := ct.of(op)
	if err != nil {
		return err
	}
	p, err := r.planDelete(t, id, writeOpts(optFns))
	if err != nil {
		return err
	}
	_, err = r.run(ctx, p)
	return err
}
