package repo

import (
	"context"
	"fmt"
	"iter"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
)

// Page sizes of List and Query.
const (
	// DefaultPageSize is the page size when PageOptions.Limit is 0.
	DefaultPageSize = 100
	// MaxPageSize is the largest PageOptions.Limit.
	MaxPageSize = 1000
)

// PageOptions shape one page of List or Query. The zero value asks for the
// first page of DefaultPageSize items in ascending order.
type PageOptions struct {
	// Limit is the most items the page holds: 1 to MaxPageSize, or 0 for
	// DefaultPageSize. A page can hold fewer, when DynamoDB's 1 MB page
	// limit is reached first.
	Limit int
	// Cursor continues after the page whose Next it is; "" starts at the
	// beginning. A cursor works only for the tenant and entity type that
	// made it.
	Cursor string
	// Descending returns the items in descending sort-key order.
	Descending bool
	// ConsistentRead asks for a strongly consistent read.
	ConsistentRead bool
}

// WithLimit sets PageOptions.Limit.
func WithLimit(n int) func(*PageOptions) { return func(o *PageOptions) { o.Limit = n } }

// WithCursor sets PageOptions.Cursor.
func WithCursor(cursor string) func(*PageOptions) {
	return func(o *PageOptions) { o.Cursor = cursor }
}

// WithDescending sets PageOptions.Descending.
func WithDescending() func(*PageOptions) { return func(o *PageOptions) { o.Descending = true } }

// WithConsistentRead sets PageOptions.ConsistentRead.
func WithConsistentRead() func(*PageOptions) {
	return func(o *PageOptions) { o.ConsistentRead = true }
}

// Page is one page of entities.
type Page[T any] struct {
	// Items are the page's entities in sort-key order, ascending or as
	// asked. Expired entities are left out, so a page can hold fewer than
	// its limit while more follow.
	Items []T
	// Next is the cursor for the following page; "" when nothing follows.
	// A page that stopped exactly at the end can have a Next whose page is
	// empty (DynamoDB cannot tell either); that page's Next is "".
	Next string
}

// KeyCondition selects entities of a type by ID, comparing IDs as DynamoDB
// compares sort keys: by their UTF-8 bytes. The zero value selects every
// entity of the type. Make one with BeginsWith, Between, GreaterThan,
// GreaterOrEqual, LessThan or LessOrEqual.
type KeyCondition struct {
	op     condOp
	lo, hi string
}

type condOp uint8

const (
	condAll condOp = iota
	condBeginsWith
	condBetween
	condGT
	condGE
	condLT
	condLE
)

// BeginsWith selects IDs that start with prefix.
func BeginsWith(prefix string) KeyCondition { return KeyCondition{op: condBeginsWith, lo: prefix} }

// Between selects IDs from lo to hi, both included.
func Between(lo, hi string) KeyCondition { return KeyCondition{op: condBetween, lo: lo, hi: hi} }

// GreaterThan selects IDs after id.
func GreaterThan(id string) KeyCondition { return KeyCondition{op: condGT, lo: id} }

// GreaterOrEqual selects id and the IDs after it.
func GreaterOrEqual(id string) KeyCondition { return KeyCondition{op: condGE, lo: id} }

// LessThan selects IDs before id.
func LessThan(id string) KeyCondition { return KeyCondition{op: condLT, hi: id} }

// LessOrEqual selects id and the IDs before it.
func LessOrEqual(id string) KeyCondition { return KeyCondition{op: condLE, hi: id} }

// String describes the condition for error messages.
func (c KeyCondition) String() string {
	switch c.op {
	case condBeginsWith:
		return fmt.Sprintf("ID begins with %q", c.lo)
	case condBetween:
		return fmt.Sprintf("ID between %q and %q", c.lo, c.hi)
	case condGT:
		return fmt.Sprintf("ID > %q", c.lo)
	case condGE:
		return fmt.Sprintf("ID >= %q", c.lo)
	case condLT:
		return fmt.Sprintf("ID < %q", c.hi)
	case condLE:
		return fmt.Sprintf("ID <= %q", c.hi)
	}
	return "all IDs"
}

// rangePlan is a key condition turned into what a backend runs: a sort-key range
// within the type, and a key the range holds but the condition excludes (the
// bound of > and <), which the walk meets first or last.
type rangePlan struct {
	rng     backend.SortRange
	exclude string // "" when nothing is excluded
}

// rangeOf checks the condition's bounds and maps it into the type's sort keys.
// Every range stays inside the type's keys: from prefix+"#" up to
// prefix+"$", the first string after all of them ('$' follows '#'), so a
// query of "user" never reaches "users" or anything else.
func (r *Repository[T]) rangeOf(c KeyCondition) (rangePlan, error) {
	first := entity.SortKeyPrefix(r.prefix)
	last := entity.SortKeyEnd(r.prefix)
	bound := func(s string) error {
		if !utf8.ValidString(s) || strings.Contains(s, entity.Separator) {
			return fmt.Errorf("bound %q must be valid UTF-8 without %q", s, entity.Separator)
		}
		if len(first)+len(s) > entity.MaxSortKeyBytes {
			return fmt.Errorf("bound of %d bytes is longer than any ID", len(s))
		}
		return nil
	}
	for _, s := range []string{c.lo, c.hi} {
		if err := bound(s); err != nil {
			return rangePlan{}, err
		}
	}
	between := func(lo, hi string) backend.SortRange {
		return backend.SortRange{Op: backend.Between, Lo: lo, Hi: hi}
	}
	switch c.op {
	case condAll:
		return rangePlan{rng: backend.SortRange{Op: backend.BeginsWith, Lo: first}}, nil
	case condBeginsWith:
		return rangePlan{rng: backend.SortRange{Op: backend.BeginsWith, Lo: first + c.lo}}, nil
	case condBetween:
		if c.lo == "" || c.hi == "" {
			return rangePlan{}, fmt.Errorf("between needs two non-empty bounds")
		}
		if c.lo > c.hi {
			return rangePlan{}, fmt.Errorf("between %q and %q: the low bound is above the high one", c.lo, c.hi)
		}
		return rangePlan{rng: between(first+c.lo, first+c.hi)}, nil
	case condGE, condGT:
		if c.lo == "" {
			return rangePlan{}, fmt.Errorf("%v needs a non-empty bound", c)
		}
		p := rangePlan{rng: between(first+c.lo, last)}
		if c.op == condGT {
			p.exclude = first + c.lo
		}
		return p, nil
	case condLE, condLT:
		if c.hi == "" {
			return rangePlan{}, fmt.Errorf("%v needs a non-empty bound", c)
		}
		p := rangePlan{rng: between(first, first+c.hi)}
		if c.op == condLT {
			p.exclude = first + c.hi
		}
		return p, nil
	}
	return rangePlan{}, fmt.Errorf("unknown key condition")
}

// List returns one page of the context's tenant's entities of type T, in
// sort-key order. It is Query with the zero KeyCondition.
func (r *Repository[T]) List(ctx context.Context, optFns ...func(*PageOptions)) (Page[T], error) {
	return r.Query(ctx, KeyCondition{}, optFns...)
}

// pageOptions applies the caller's functions and checks the page size.
func pageOptions(op opName, optFns []func(*PageOptions)) (PageOptions, int, error) {
	var opts PageOptions
	for _, fn := range optFns {
		fn(&opts)
	}
	limit := opts.Limit
	switch {
	case limit == 0:
		limit = DefaultPageSize
	case limit < 0 || limit > MaxPageSize:
		return opts, 0, fail(op, ErrInvalidArgument, fmt.Errorf("page size %d is not between 1 and %d", limit, MaxPageSize))
	}
	return opts, limit, nil
}

// Query returns one page of the context's tenant's entities of type T whose
// IDs meet cond, in sort-key order, and the cursor of the next page. Errors:
// ErrInvalidCursor for a cursor not made by this repository for this tenant
// and a range that holds it, ErrInvalidArgument for a bad condition or page
// size, ErrNoTenant, ErrDecode.
func (r *Repository[T]) Query(ctx context.Context, cond KeyCondition, optFns ...func(*PageOptions)) (Page[T], error) {
	op := opName{query: true, prefix: r.prefix, cond: cond}
	t, err := tenantOf(ctx, op)
	if err != nil {
		return Page[T]{}, err
	}
	tenant, pk := t.ID(), t.PartitionKey()
	opts, limit, err := pageOptions(op, optFns)
	if err != nil {
		return Page[T]{}, err
	}
	p, err := r.rangeOf(cond)
	if err != nil {
		return Page[T]{}, fail(op, ErrInvalidArgument, err)
	}
	in := backend.QueryInput{PK: pk, Range: p.rng, Descending: opts.Descending, Limit: limit, ConsistentRead: opts.ConsistentRead}
	switch {
	case opts.Cursor != "":
		parts, err := r.cursors.decode(tenant, opts.Cursor, 2)
		if err != nil {
			return Page[T]{}, fail(op, ErrInvalidCursor, err)
		}
		if parts[0] != "" || !p.rng.Contains(parts[1]) || !strings.HasPrefix(parts[1], entity.SortKeyPrefix(r.prefix)) {
			return Page[T]{}, fail(op, ErrInvalidCursor, fmt.Errorf("cursor is outside the query's range"))
		}
		in.StartKey = &backend.Key{PK: pk, SK: parts[1]}
	case p.exclude != "" && startsAtBound(cond.op, opts.Descending):
		// The excluded bound is where the walk begins: start after it.
		in.StartKey = &backend.Key{PK: pk, SK: p.exclude}
	}
	return r.page(ctx, op, in, func(item backend.Item) bool {
		return p.exclude != "" && skOf(item) == p.exclude
	}, func(k backend.Key) string {
		if k.SK == p.exclude {
			return "" // the excluded bound ends the walk: nothing follows
		}
		return r.cursors.encode(tenant, "", k.SK)
	})
}

// page runs a query until it has a page to return: items decoded, those
// skip says to leave out dropped, and the cursor of the LastKey, if any.
// Expired entities are filtered out by the backend; when every item a call
// read was dropped and more may follow, it reads on rather than hand out an
// empty page that is not the last.
func (r *Repository[T]) page(ctx context.Context, op opName, in backend.QueryInput, skip func(backend.Item) bool, cursor func(backend.Key) string) (Page[T], error) {
	if r.expiryKey != "" {
		// DynamoDB drops filtered items after Limit has counted them, so a
		// page can come back short, or empty.
		var x exprNames
		var err error
		if in.Expr, err = x.build(expression.NewBuilder().WithFilter(r.live(&x, r.clock()))); err != nil {
			return Page[T]{}, fail(op, ErrInvalidArgument, err)
		}
	}
	var page Page[T]
	for {
		var out backend.QueryOutput
		var err error
		if r.lender != nil {
			out, err = r.lender.QueryShared(ctx, in)
		} else {
			out, err = r.b.Query(ctx, in)
		}
		if err != nil {
			return Page[T]{}, failBackend(op, err)
		}
		if page.Items == nil && len(out.Items) > 0 {
			page.Items = make([]T, 0, len(out.Items))
		}
		for _, item := range out.Items {
			if skip(item) {
				continue
			}
			v, err := r.decode(op, item)
			if err != nil {
				return Page[T]{}, err
			}
			page.Items = append(page.Items, v)
		}
		if out.LastKey == nil {
			return page, nil
		}
		if next := cursor(*out.LastKey); next == "" || len(page.Items) > 0 {
			page.Next = next
			return page, nil
		}
		in.StartKey = out.LastKey
	}
}

// startsAtBound reports whether a walk of a > or < condition begins at its
// excluded bound: ascending for >, descending for <.
func startsAtBound(op condOp, descending bool) bool {
	return (op == condGT) != descending
}

// skOf returns the item's sort key, or "".
func skOf(item backend.Item) string {
	if s, ok := item[entity.SortKeyName].(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

// All iterates over every entity of type T of the context's tenant, page by
// page, in sort-key order. It stops at the first error, which it yields with
// a zero T. PageOptions set the page size, direction and starting cursor.
func (r *Repository[T]) All(ctx context.Context, optFns ...func(*PageOptions)) iter.Seq2[T, error] {
	return r.QueryAll(ctx, KeyCondition{}, optFns...)
}

// QueryAll iterates over every entity that Query with cond would return,
// page by page. It stops at the first error, which it yields with a zero T.
func (r *Repository[T]) QueryAll(ctx context.Context, cond KeyCondition, optFns ...func(*PageOptions)) iter.Seq2[T, error] {
	return pages(optFns, func(opts PageOptions) (Page[T], error) {
		return r.Query(ctx, cond, func(o *PageOptions) { *o = opts })
	})
}

// pages iterates over the items of the pages that query returns, following
// each page's cursor, and stops at the first error.
func pages[T any](optFns []func(*PageOptions), query func(PageOptions) (Page[T], error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var opts PageOptions
		for _, fn := range optFns {
			fn(&opts)
		}
		for {
			page, err := query(opts)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, v := range page.Items {
				if !yield(v, nil) {
					return
				}
			}
			if page.Next == "" {
				return
			}
			opts.Cursor = page.Next
		}
	}
}
