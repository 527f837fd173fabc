package proptest

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/repo"
)

// The entity types the sequences store. Their prefixes "item" and "items"
// share a beginning, so a query or cursor of one must never reach the
// other; ticket has two secondary indexes in slots 1 and 3.

// item keeps its ID only in the sort key and has a string set.
type item struct {
	ID    string   `dynamodbav:"-"`
	Name  string   `dynamodbav:"name"`
	Count int64    `dynamodbav:"count,omitempty"`
	Tags  []string `dynamodbav:"tags,stringset,omitempty"`
}

func (item) EntityPrefix() string     { return "item" }
func (i item) EntityID() string       { return i.ID }
func (i *item) SetEntityID(id string) { i.ID = id }

// other stores its ID in an attribute as well, under the prefix "items".
type other struct {
	ID    string `dynamodbav:"id"`
	Name  string `dynamodbav:"name"`
	Count int64  `dynamodbav:"count,omitempty"`
}

func (other) EntityPrefix() string     { return "items" }
func (o other) EntityID() string       { return o.ID }
func (o *other) SetEntityID(id string) { o.ID = id }

// ticket is in index by-owner (owner, created) and by-status (status,
// rank) when it has both attributes of the index.
type ticket struct {
	ID      string `dynamodbav:"-"`
	Owner   string `dynamodbav:"owner,omitempty"`
	Created string `dynamodbav:"created,omitempty"`
	Status  string `dynamodbav:"status,omitempty"`
	Rank    string `dynamodbav:"rank,omitempty"`
	Note    string `dynamodbav:"note,omitempty"`
	Count   int64  `dynamodbav:"count,omitempty"`
}

func (ticket) EntityPrefix() string     { return "ticket" }
func (t ticket) EntityID() string       { return t.ID }
func (t *ticket) SetEntityID(id string) { t.ID = id }
func (ticket) Indexes() []entity.Index  { return ticketIndexes }

var ticketIndexes = []entity.Index{
	{Name: "by-owner", Slot: 1, PartitionAttr: "owner", SortAttr: "created"},
	{Name: "by-status", Slot: 3, PartitionAttr: "status", SortAttr: "rank"},
}

// typ names one of the entity types.
type typ int

const (
	tItem typ = iota
	tOther
	tTicket
	numTypes
)

func (t typ) prefix() string { return [...]string{"item", "items", "ticket"}[t] }

// attrNames are the attributes of each type that Update may name.
func (t typ) attrNames() []string {
	switch t {
	case tItem:
		return []string{"name", "count", "tags"}
	case tOther:
		return []string{"name", "count"}
	}
	return []string{"owner", "created", "status", "rank", "note", "count"}
}

// ent is an entity of any of the types, as the comparisons see it: Tags
// sorted (a set has no order) and nil when empty.
type ent struct {
	ID      string
	Name    string
	Count   int64
	Tags    []string
	Owner   string
	Created string
	Status  string
	Rank    string
	Note    string
}

func (e ent) String(t typ) string {
	var b strings.Builder
	b.WriteString("{" + shortQ(e.ID))
	field := func(name, v string) {
		if v != "" {
			fmt.Fprintf(&b, " %s=%s", name, shortQ(v))
		}
	}
	switch t {
	case tItem, tOther:
		fmt.Fprintf(&b, " name=%s", shortQ(e.Name))
	case tTicket:
		field("owner", e.Owner)
		field("created", e.Created)
		field("status", e.Status)
		field("rank", e.Rank)
		field("note", e.Note)
	}
	if e.Count != 0 {
		fmt.Fprintf(&b, " count=%d", e.Count)
	}
	if e.Tags != nil {
		fmt.Fprintf(&b, " tags=%s", shortList(e.Tags))
	}
	return b.String() + "}"
}

func normSet(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// adapter gives the operations of one repository in terms of ent, so one
// runner drives every type.
type adapter interface {
	create(ctx context.Context, e ent, w []func(*repo.WriteOptions)) (ent, error)
	get(ctx context.Context, id string) (ent, error)
	put(ctx context.Context, e ent, w []func(*repo.WriteOptions)) (ent, error)
	update(ctx context.Context, e ent, attrs []string, w []func(*repo.WriteOptions)) (ent, error)
	updateExpr(ctx context.Context, id string, u expression.UpdateBuilder, w []func(*repo.WriteOptions)) (ent, error)
	delete(ctx context.Context, id string, w []func(*repo.WriteOptions)) error
	query(ctx context.Context, c repo.KeyCondition, p []func(*repo.PageOptions)) ([]ent, string, error)
	queryIndex(ctx context.Context, index, part string, c repo.KeyCondition, p []func(*repo.PageOptions)) ([]ent, string, error)
	all(ctx context.Context, c repo.KeyCondition, p []func(*repo.PageOptions)) ([]ent, error)
	allIndex(ctx context.Context, index, part string, c repo.KeyCondition, p []func(*repo.PageOptions)) ([]ent, error)
	batchGet(ctx context.Context, ids []string) ([]ent, []string, error)
	batchPut(ctx context.Context, es []ent) error
	batchDelete(ctx context.Context, ids []string) error
	txCreate(e ent, w []func(*repo.WriteOptions)) repo.TxOp
	txPut(e ent, w []func(*repo.WriteOptions)) repo.TxOp
	txUpdate(e ent, attrs []string, w []func(*repo.WriteOptions)) repo.TxOp
	txUpdateExpr(id string, u expression.UpdateBuilder, w []func(*repo.WriteOptions)) repo.TxOp
	txDelete(id string, w []func(*repo.WriteOptions)) repo.TxOp
	txCheck(id string, c expression.ConditionBuilder) repo.TxOp
}

type typed[T entity.Entity] struct {
	r    *repo.Repository[T]
	to   func(T) ent
	from func(ent) T
}

func (a typed[T]) ents(vs []T) []ent {
	var out []ent
	for _, v := range vs {
		out = append(out, a.to(v))
	}
	return out
}

func (a typed[T]) one(v T, err error) (ent, error) {
	if err != nil {
		return ent{}, err
	}
	return a.to(v), nil
}

func (a typed[T]) create(ctx context.Context, e ent, w []func(*repo.WriteOptions)) (ent, error) {
	return a.one(a.r.Create(ctx, a.from(e), w...))
}

func (a typed[T]) get(ctx context.Context, id string) (ent, error) {
	return a.one(a.r.Get(ctx, id))
}

func (a typed[T]) put(ctx context.Context, e ent, w []func(*repo.WriteOptions)) (ent, error) {
	return a.one(a.r.Put(ctx, a.from(e), w...))
}

func (a typed[T]) update(ctx context.Context, e ent, attrs []string, w []func(*repo.WriteOptions)) (ent, error) {
	return a.one(a.r.Update(ctx, a.from(e), attrs, w...))
}

func (a typed[T]) updateExpr(ctx context.Context, id string, u expression.UpdateBuilder, w []func(*repo.WriteOptions)) (ent, error) {
	return a.one(a.r.UpdateExpr(ctx, id, u, w...))
}

func (a typed[T]) delete(ctx context.Context, id string, w []func(*repo.WriteOptions)) error {
	return a.r.Delete(ctx, id, w...)
}

func (a typed[T]) query(ctx context.Context, c repo.KeyCondition, p []func(*repo.PageOptions)) ([]ent, string, error) {
	page, err := a.r.Query(ctx, c, p...)
	return a.ents(page.Items), page.Next, err
}

func (a typed[T]) queryIndex(ctx context.Context, index, part string, c repo.KeyCondition, p []func(*repo.PageOptions)) ([]ent, string, error) {
	page, err := a.r.Index(index).Query(ctx, part, append([]func(*repo.PageOptions){repo.Where(c)}, p...)...)
	return a.ents(page.Items), page.Next, err
}

func (a typed[T]) all(ctx context.Context, c repo.KeyCondition, p []func(*repo.PageOptions)) ([]ent, error) {
	var out []ent
	for v, err := range a.r.QueryAll(ctx, c, p...) {
		if err != nil {
			return out, err
		}
		out = append(out, a.to(v))
	}
	return out, nil
}

func (a typed[T]) allIndex(ctx context.Context, index, part string, c repo.KeyCondition, p []func(*repo.PageOptions)) ([]ent, error) {
	var out []ent
	for v, err := range a.r.Index(index).All(ctx, part, append([]func(*repo.PageOptions){repo.Where(c)}, p...)...) {
		if err != nil {
			return out, err
		}
		out = append(out, a.to(v))
	}
	return out, nil
}

func (a typed[T]) batchGet(ctx context.Context, ids []string) ([]ent, []string, error) {
	found, missing, err := a.r.BatchGet(ctx, ids)
	return a.ents(found), missing, err
}

func (a typed[T]) batchPut(ctx context.Context, es []ent) error {
	vs := make([]T, len(es))
	for i, e := range es {
		vs[i] = a.from(e)
	}
	return a.r.BatchPut(ctx, vs)
}

func (a typed[T]) batchDelete(ctx context.Context, ids []string) error {
	return a.r.BatchDelete(ctx, ids)
}

func (a typed[T]) txCreate(e ent, w []func(*repo.WriteOptions)) repo.TxOp {
	return a.r.TxCreate(a.from(e), w...)
}

func (a typed[T]) txPut(e ent, w []func(*repo.WriteOptions)) repo.TxOp {
	return a.r.TxPut(a.from(e), w...)
}

func (a typed[T]) txUpdate(e ent, attrs []string, w []func(*repo.WriteOptions)) repo.TxOp {
	return a.r.TxUpdate(a.from(e), attrs, w...)
}

func (a typed[T]) txUpdateExpr(id string, u expression.UpdateBuilder, w []func(*repo.WriteOptions)) repo.TxOp {
	return a.r.TxUpdateExpr(id, u, w...)
}

func (a typed[T]) txDelete(id string, w []func(*repo.WriteOptions)) repo.TxOp {
	return a.r.TxDelete(id, w...)
}

func (a typed[T]) txCheck(id string, c expression.ConditionBuilder) repo.TxOp {
	return a.r.TxCheck(id, c)
}

// cursorKey signs the cursors of every repository of the tests, so that
// the tests can sign cursors of their own as a forger who knows the key
// would (see signCursor).
var cursorKey = []byte("proptest cursor key")

// world is the repositories of every type on one backend.
type world struct {
	b     backend.Backend
	repos [numTypes]adapter
}

func newWorld(b backend.Backend) (*world, error) {
	key := func(o *repo.Options) { o.CursorKey = cursorKey }
	items, err := repo.New[item](b, key)
	if err != nil {
		return nil, err
	}
	others, err := repo.New[other](b, key)
	if err != nil {
		return nil, err
	}
	tickets, err := repo.New[ticket](b, key)
	if err != nil {
		return nil, err
	}
	w := &world{b: b}
	w.repos[tItem] = typed[item]{
		r:    items,
		to:   func(v item) ent { return ent{ID: v.ID, Name: v.Name, Count: v.Count, Tags: normSet(v.Tags)} },
		from: func(e ent) item { return item{ID: e.ID, Name: e.Name, Count: e.Count, Tags: slices.Clone(e.Tags)} },
	}
	w.repos[tOther] = typed[other]{
		r:    others,
		to:   func(v other) ent { return ent{ID: v.ID, Name: v.Name, Count: v.Count} },
		from: func(e ent) other { return other{ID: e.ID, Name: e.Name, Count: e.Count} },
	}
	w.repos[tTicket] = typed[ticket]{
		r: tickets,
		to: func(v ticket) ent {
			return ent{ID: v.ID, Owner: v.Owner, Created: v.Created, Status: v.Status, Rank: v.Rank, Note: v.Note, Count: v.Count}
		},
		from: func(e ent) ticket {
			return ticket{ID: e.ID, Owner: e.Owner, Created: e.Created, Status: e.Status, Rank: e.Rank, Note: e.Note, Count: e.Count}
		},
	}
	return w, nil
}
