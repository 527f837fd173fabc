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

// PageOptions shape one page of List, Query or an index's Query, and the
// pages of their All forms. The zero value asks for the first page of
// DefaultPageSize items of every key, in ascending order.
type PageOptions struct {
	// Where is the key condition the items meet; Where sets it. The zero
	// KeyCondition selects every item. On the table (List, All) it bounds
	// entity IDs; on an index (Index(...).Query, All) it bounds the index
	// sort value. Query and QueryAll take their condition as an argument
	// and refuse a Where option as well (ErrInvalidArgument) unless the
	// argument is the zero KeyCondition.
	Where KeyCondition
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
	// ConsistentRead asks for a strongly consistent read; ConsistentRead
	// sets it. Index queries refuse it (ErrInvalidArgument).
	ConsistentRead bool

	invalid error // a nil option function, reported by the call
}

// Where sets PageOptions.Where: the key condition of a List, All or index
// query, such as
//
//	orders.Index("by-user").Query(ctx, userID, repo.Where(repo.BeginsWith("2026-11")))
//
// which selects the user's orders whose index sort value starts with
// "2026-11", and
//
//	users.List(ctx, repo.Where(repo.BeginsWith("a")))
//
// which selects the users whose IDs start with "a".
func Where(c KeyCondition) func(*PageOptions) { return func(o *PageOptions) { o.Where = c } }

// WithLimit sets PageOptions.Limit.
func WithLimit(n int) func(*PageOptions) { return func(o *PageOptions) { o.Limit = n } }

// WithCursor sets PageOptions.Cursor.
func WithCursor(cursor string) func(*PageOptions) {
	return func(o *PageOptions) { o.Cursor = cursor }
}

// WithDescending sets PageOptions.Descending.
func WithDescending() func(*PageOptions) { return func(o *PageOptions) { o.Descending = true } }

// Page is one page of entities.
type Page[T any] struct {
	// Items are the page's entities in sort-key order, ascending or as
	// asked. Expired entities are left out, and so are items the query
	// read that are not the tenant's entities of the type (see
	// Index.Query), so a page can hold fewer than its limit while more
	// follow.
	Items []T
	// Next is the cursor for the following page; "" when nothing follows.
	// A page that stopped exactly at the end can have a Next whose page is
	// empty (DynamoDB cannot tell either); that page's Next is "".
	Next string
}

// KeyCondition bounds the sort key of a query, comparing strings as
// DynamoDB compares sort keys: by their UTF-8 bytes. What it bounds depends
// on where it is given:
//
//   - on the table (Query, QueryAll, and Where with List or All), the
//     entity ID: BeginsWith("a") selects the entities whose IDs start with
//     "a";
//   - on an index (Where with Index(...).Query or All), the value of the
//     index's sort attribute (entity.Index.SortAttr) within the one index
//     partition the query names; IDs are not compared.
//
// The zero value selects everything. Make one with BeginsWith, Between,
// GreaterThan, GreaterOrEqual, LessThan or LessOrEqual. A bound that no ID
// or sort value could hold (not UTF-8, too long, or, on the table, holding
// the separator "#") makes the query fail with ErrInvalidArgument.
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

// BeginsWith selects the keys (IDs, or index sort values) that start with
// prefix.
func BeginsWith(prefix string) KeyCondition { return KeyCondition{op: condBeginsWith, lo: prefix} }

// Between selects the keys (IDs, or index sort values) from lo to hi, both
// included.
func Between(lo, hi string) KeyCondition { return KeyCondition{op: condBetween, lo: lo, hi: hi} }

// GreaterThan selects the keys (IDs, or index sort values) after key.
func GreaterThan(key string) KeyCondition { return KeyCondition{op: condGT, lo: key} }

// GreaterOrEqual selects key and the keys (IDs, or index sort values)
// after it.
func GreaterOrEqual(key string) KeyCondition { return KeyCondition{op: condGE, lo: key} }

// LessThan selects the keys (IDs, or index sort values) before key.
func LessThan(key string) KeyCondition { return KeyCondition{op: condLT, hi: key} }

// LessOrEqual selects key and the keys (IDs, or index sort values) before
// it.
func LessOrEqual(key string) KeyCondition { return KeyCondition{op: condLE, hi: key} }

// String describes the condition for error messages, such as
// `key begins with "a"`.
func (c KeyCondition) String() string { return c.describe("key") }

// describe describes the condition on what it bounds: "ID", "key", ...
func (c KeyCondition) describe(what string) string {
	switch c.op {
	case condBeginsWith:
		return fmt.Sprintf("%s begins with %q", what, c.lo)
	case condBetween:
		return fmt.Sprintf("%s between %q and %q", what, c.lo, c.hi)
	case condGT:
		return fmt.Sprintf("%s > %q", what, c.lo)
	case condGE:
		return fmt.Sprintf("%s >= %q", what, c.lo)
	case condLT:
		return fmt.Sprintf("%s < %q", what, c.hi)
	case condLE:
		return fmt.Sprintf("%s <= %q", what, c.hi)
	}
	return "every " + what
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

// List returns one page of the context's tenant's entities of type T whose
// IDs meet the key condition of the Where option (every entity without
// one), in sort-key order, and the cursor of the next page. It is Query
// with the zero KeyCondition, and returns the same errors.
func (r *Repository[T]) List(ctx context.Context, optFns ...func(*PageOptions)) (Page[T], error) {
	return r.queryPage(ctx, OpList, KeyCondition{}, applyPage(optFns))
}

// applyPage applies the caller's functions to zero PageOptions.
func applyPage(optFns []func(*PageOptions)) PageOptions {
	opts, err := apply(optFns)
	if err != nil {
		opts.invalid = err
	}
	return opts
}

// pageLimit checks the page size and returns it, DefaultPageSize for 0.
func pageLimit(op opName, opts PageOptions) (int, error) {
	switch limit := opts.Limit; {
	case opts.invalid != nil:
		return 0, fail(op, ErrInvalidArgument, opts.invalid)
	case limit == 0:
		return DefaultPageSize, nil
	case limit < 0 || limit > MaxPageSize:
		return 0, fail(op, ErrInvalidArgument, fmt.Errorf("page size %d is not between 1 and %d", limit, MaxPageSize))
	default:
		return limit, nil
	}
}

// Query returns one page of the context's tenant's entities of type T whose
// IDs meet cond, in sort-key order, and the cursor of the next page: it is
// List with Where(cond). Errors: ErrInvalidCursor for a cursor not made by
// this repository for this tenant and a range that holds it,
// ErrInvalidArgument for a bad condition or page size, or for a Where
// option as well as a non-zero cond, ErrNoTenant, ErrDecode.
func (r *Repository[T]) Query(ctx context.Context, cond KeyCondition, optFns ...func(*PageOptions)) (Page[T], error) {
	return r.queryPage(ctx, OpQuery, cond, applyPage(optFns))
}

// queryPage reads one page of List or Query (kind says which, for the
// observer), as Query describes.
func (r *Repository[T]) queryPage(ctx context.Context, kind Op, cond KeyCondition, opts PageOptions) (Page[T], error) {
	ct := tenantOf(ctx)
	if r.observer == nil {
		return r.query(ctx, ct, cond, opts)
	}
	o := r.start(ctx, ct, kind, "")
	p, err := r.query(o.ctx, ct, cond, opts)
	o.end(len(p.Items), err)
	return p, err
}

// query is Query, for the tenant ct, with its requests made in ctx.
func (r *Repository[T]) query(ctx context.Context, ct callTenant, cond KeyCondition, opts PageOptions) (Page[T], error) {
	twice := opts.Where != KeyCondition{} && cond != KeyCondition{}
	if cond == (KeyCondition{}) {
		cond = opts.Where
	}
	op := opName{query: true, prefix: r.prefix, cond: cond}
	t, err := ct.of(op)
	if err != nil {
		return Page[T]{}, err
	}
	tenant, pk := t.ID(), t.PartitionKey()
	if twice {
		return Page[T]{}, fail(op, ErrInvalidArgument, fmt.Errorf("two key conditions: %v and Where(%v)", cond, opts.Where))
	}
	limit, err := pageLimit(op, opts)
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
	return r.page(ctx, op, in, scope{pk: pk}, func(item backend.Item) bool {
		return p.exclude != "" && skOf(item) == p.exclude
	}, func(k backend.Key) string {
		if k.SK == p.exclude {
			return "" // the excluded bound ends the walk: nothing follows
		}
		return r.cursors.encode(tenant, "", k.SK)
	})
}

// scope is what a query may return: the items of the context's tenant's
// partition and of the repository's type and, for an index query, those
// that belong in the queried index partition by their own attributes.
// The backends are tenant-agnostic and an index partition key is only an
// attribute value, which any client allowed to write some partition of
// the table can set (IAM's dynamodb:LeadingKeys condition limits the
// table partition key a client writes, not the values of its GSI<n>PK
// attributes): an item of another tenant or type can sit in an index
// partition of this tenant's, and is never returned.
type scope struct {
	pk        string     // the context's tenant's partition key
	ix        *indexSpec // the queried index; nil for the table
	ipk       string     // the index partition key queried
	partition string     // its index partition value
}

// owns reports whether the query may return item: its partition key is
// the tenant's, its sort key is one of the type's (prefix "#" ID), and for
// an index query its index keys are those the repository writes for the
// item's own attributes (see indexKeys), in the queried index partition.
func (r *Repository[T]) owns(s scope, item backend.Item) bool {
	if strOf(item, entity.PartitionKeyName) != s.pk {
		return false
	}
	if prefix, _, ok := entity.ParseSortKey(strOf(item, entity.SortKeyName)); !ok || prefix != r.prefix {
		return false
	}
	if s.ix == nil {
		return true
	}
	isk := strOf(item, s.ix.keySK)
	return isk != "" && strOf(item, s.ix.keyPK) == s.ipk &&
		strOf(item, s.ix.PartitionAttr) == s.partition && strOf(item, s.ix.SortAttr) == isk
}

// ownsKey reports whether a cursor can hold k: it is a key of the tenant's
// partition and the type, and of the queried index partition. A cursor
// holds no partition key (the query's comes from the context), so a key
// of another partition would start the next page elsewhere.
func (r *Repository[T]) ownsKey(s scope, k backend.Key) bool {
	if k.PK != s.pk || !strings.HasPrefix(k.SK, entity.SortKeyPrefix(r.prefix)) {
		return false
	}
	if s.ix == nil {
		return k.IndexPK == "" && k.IndexSK == ""
	}
	return k.IndexPK == s.ipk && k.IndexSK != ""
}

// keyOf returns the position of an item owns accepted, as a LastKey.
func keyOf(s scope, item backend.Item) backend.Key {
	k := backend.Key{PK: s.pk, SK: skOf(item)}
	if s.ix != nil {
		k.IndexPK, k.IndexSK = s.ipk, strOf(item, s.ix.keySK)
	}
	return k
}

// page runs a query until it has a page to return: items decoded, those
// skip says to leave out dropped, and the cursor of the LastKey, if any.
// Items the query may not return (see scope) are dropped unread, whatever
// they hold: they are not the tenant's entities of the type. Expired
// entities are filtered out by the backend; when every item a call read
// was dropped and more may follow, it reads on rather than hand out an
// empty page that is not the last. A LastKey a cursor cannot hold (that of
// an item of another partition or type) gives way to the position of the
// page's last item, so the next page reads the dropped items again and
// drops them again.
func (r *Repository[T]) page(ctx context.Context, op opName, in backend.QueryInput, sc scope, skip func(backend.Item) bool, cursor func(backend.Key) string) (Page[T], error) {
	if r.expiryKey != "" {
		// DynamoDB drops filtered items after Limit has counted them, so a
		// page can come back short, or empty.
		var x exprNames
		var err error
		if in.Expr, err = x.Build(expression.NewBuilder().WithFilter(r.live(&x, r.clock()))); err != nil {
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
		var last backend.Item // the last item kept
		for _, item := range out.Items {
			if !r.owns(sc, item) || skip(item) {
				continue
			}
			v, err := r.decode(op, item)
			if err != nil {
				return Page[T]{}, err
			}
			page.Items = append(page.Items, v)
			last = item
		}
		if out.LastKey == nil {
			return page, nil
		}
		at := *out.LastKey
		if !r.ownsKey(sc, at) {
			if last == nil {
				// Nothing kept: read on from where the store stopped.
				in.StartKey = out.LastKey
				continue
			}
			at = keyOf(sc, last)
		}
		if next := cursor(at); next == "" || len(page.Items) > 0 {
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
func skOf(item backend.Item) string { return strOf(item, entity.SortKeyName) }

// strOf returns the item's string attribute name, or "".
func strOf(item backend.Item, name string) string {
	if s, ok := item[name].(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

// All iterates over every entity List would return, page by page, in
// sort-key order: every entity of type T of the context's tenant, or those
// whose IDs meet the Where option's key condition. It stops at the first
// error, which it yields with a zero T. PageOptions set the page size,
// direction and starting cursor.
func (r *Repository[T]) All(ctx context.Context, optFns ...func(*PageOptions)) iter.Seq2[T, error] {
	return pages(optFns, func(opts PageOptions) (Page[T], error) {
		return r.queryPage(ctx, OpList, KeyCondition{}, opts)
	})
}

// QueryAll iterates over every entity that Query with cond would return,
// page by page. It stops at the first error, which it yields with a zero T.
// An observer sees each page as a Query (All's as a List).
func (r *Repository[T]) QueryAll(ctx context.Context, cond KeyCondition, optFns ...func(*PageOptions)) iter.Seq2[T, error] {
	return pages(optFns, func(opts PageOptions) (Page[T], error) {
		return r.queryPage(ctx, OpQuery, cond, opts)
	})
}

// pages iterates over the items of the pages that query returns, following
// each page's cursor, and stops at the first error.
func pages[T any](optFns []func(*PageOptions), query func(PageOptions) (Page[T], error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		opts := applyPage(optFns)
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
