package repo

import (
	"context"
	"fmt"
	"iter"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
)

// indexSpec is one of the type's secondary indexes, checked.
type indexSpec struct {
	entity.Index
	gsi          string // "GSI1", ...
	keyPK, keySK string // the index's key attributes: "GSI1PK", "GSI1SK"
}

// indexSpecs checks the indexes a type declares: by the rules of
// entity.ValidateIndexes, and against the type (each attribute a field of
// it stored as a string, not its version attribute).
func (r *Repository[T]) indexSpecs(idx []entity.Index) ([]indexSpec, error) {
	if err := entity.ValidateIndexes(idx); err != nil {
		return nil, err
	}
	specs := make([]indexSpec, 0, len(idx))
	for _, ix := range idx {
		for _, a := range []string{ix.PartitionAttr, ix.SortAttr} {
			if err := r.checkOwnAttribute("index "+ix.Name, a); err != nil {
				return nil, err
			}
			if a == r.versionKey {
				return nil, fmt.Errorf("index %q: the version attribute cannot be indexed", ix.Name)
			}
			if err := stringAttribute(reflect.TypeFor[T](), a); err != nil {
				return nil, fmt.Errorf("index %q: %w; index attributes must be strings (GSI keys are strings)", ix.Name, err)
			}
		}
		gsi := entity.IndexName(ix.Slot)
		pk, sk := entity.IndexKeyNames(gsi)
		specs = append(specs, indexSpec{Index: ix, gsi: gsi, keyPK: pk, keySK: sk})
	}
	return specs, nil
}

// stringAttribute returns an error when a field of struct type t that
// attributevalue encodes as attribute name is written as anything but a
// string (S) when set: a number (without the "string" tag option), a
// time.Time with the "unixtime" option, a number type such as json.Number,
// a bool, binary, list, map or set. A field whose encoding the type chooses
// (an attributevalue.Marshaler, an interface) cannot be known, and passes,
// as does every attribute of a type that marshals itself: such values are
// checked when written.
func stringAttribute(t reflect.Type, name string) error {
	if t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType) {
		return nil
	}
	var bad error
	err := structFields(t, t.Name(), func(n string, sf reflect.StructField, fpath string) error {
		if n == name && bad == nil {
			bad = stringField(sf, fpath)
		}
		return nil
	})
	if err != nil {
		return nil // compileShape reports it
	}
	return bad
}

var marshalerType = reflect.TypeFor[attributevalue.Marshaler]()

// stringField returns an error when attributevalue writes field sf, set,
// as anything but a string (see stringAttribute).
func stringField(sf reflect.StructField, fpath string) error {
	_, opts, _ := strings.Cut(sf.Tag.Get("dynamodbav"), ",")
	asString, unixTime := false, false
	for _, o := range strings.Split(opts, ",") {
		asString = asString || o == "string"
		unixTime = unixTime || o == "unixtime"
	}
	ft := sf.Type
	for ft.Kind() == reflect.Pointer {
		ft = ft.Elem()
	}
	what := ""
	switch k := ft.Kind(); {
	case ft.Implements(marshalerType) || reflect.PointerTo(ft).Implements(marshalerType), k == reflect.Interface:
		return nil // it encodes as it chooses
	case k == reflect.Struct && ft.ConvertibleTo(timeType):
		if !unixTime {
			return nil // RFC 3339
		}
		what = "a number (unixtime)"
	case k == reflect.String:
		if asString || !ft.Implements(numbererType) {
			return nil
		}
		what = "a number"
	case k >= reflect.Int && k <= reflect.Float64:
		if asString {
			return nil
		}
		what = "a number"
	case k == reflect.Bool:
		what = "a boolean"
	default:
		what = "a " + k.String() + " (not a string)"
	}
	return fmt.Errorf("field %s of type %s is stored as %s", fpath, sf.Type, what)
}

// numbererType is the interface attributevalue stores a string type as a
// number for (json.Number has it).
var numbererType = reflect.TypeFor[interface {
	Float64() (float64, error)
	Int64() (int64, error)
	String() string
}]()

// ownsAttribute reports whether the library writes the attribute: the keys
// and the index keys of every slot.
func ownsAttribute(name string) bool { return entity.IsKeyAttribute(name) }

// indexKeys adds to item its keys in each of the type's indexes it belongs
// to: both source attributes present as non-empty strings. A source
// attribute of another type is an error (DynamoDB requires string index
// keys).
//
// The index key values are made in vals, which has room for two per index.
func (r *Repository[T]) indexKeys(item backend.Item, t entity.Tenant, vals []types.AttributeValueMemberS) error {
	for _, ix := range r.indexes {
		pv, okp, err := backend.IndexSourceValue(item, ix.PartitionAttr)
		if err != nil {
			return fmt.Errorf("index %q: %w", ix.Name, err)
		}
		sv, oks, err := backend.IndexSourceValue(item, ix.SortAttr)
		if err != nil {
			return fmt.Errorf("index %q: %w", ix.Name, err)
		}
		if !okp || !oks {
			continue // not in this index
		}
		ipk := t.IndexPartitionKey(r.prefix, ix.Name, pv)
		if len(ipk) > entity.MaxPartitionKeyBytes || len(sv) > entity.MaxSortKeyBytes {
			return fmt.Errorf("index %q: value too long for an index key", ix.Name)
		}
		vals[0].Value, vals[1].Value = ipk, sv
		item[ix.keyPK], item[ix.keySK] = &vals[0], &vals[1]
		vals = vals[2:]
	}
	return nil
}

// index returns the type's index of that name.
func (r *Repository[T]) index(name string) (indexSpec, bool) {
	i := slices.IndexFunc(r.indexes, func(s indexSpec) bool { return s.Name == name })
	if i < 0 {
		return indexSpec{}, false
	}
	return r.indexes[i], true
}

// indexRange maps a key condition on index sort values to what a backend
// runs, and the value a > or < condition excludes.
func indexRange(c KeyCondition) (backend.SortRange, string, error) {
	for _, s := range []string{c.lo, c.hi} {
		if !utf8.ValidString(s) || len(s) > entity.MaxSortKeyBytes {
			return backend.SortRange{}, "", fmt.Errorf("bound %q is not a possible index value", s)
		}
	}
	between := func(lo, hi string) backend.SortRange {
		return backend.SortRange{Op: backend.Between, Lo: lo, Hi: hi}
	}
	minIndexValue, maxIndexValue := entity.IndexSortKeyBounds()
	switch c.op {
	case condAll:
		return backend.SortRange{Op: backend.BeginsWith}, "", nil
	case condBeginsWith:
		return backend.SortRange{Op: backend.BeginsWith, Lo: c.lo}, "", nil
	case condBetween:
		if c.lo == "" || c.hi == "" || c.lo > c.hi {
			return backend.SortRange{}, "", fmt.Errorf("between %q and %q is not a range", c.lo, c.hi)
		}
		return between(c.lo, c.hi), "", nil
	case condGE, condGT:
		if c.lo == "" {
			return backend.SortRange{}, "", fmt.Errorf("%v needs a non-empty bound", c)
		}
		if c.op == condGT {
			return between(c.lo, maxIndexValue), c.lo, nil
		}
		return between(c.lo, maxIndexValue), "", nil
	case condLE, condLT:
		if c.hi == "" {
			return backend.SortRange{}, "", fmt.Errorf("%v needs a non-empty bound", c)
		}
		if c.op == condLT {
			return between(minIndexValue, c.hi), c.hi, nil
		}
		return between(minIndexValue, c.hi), "", nil
	}
	return backend.SortRange{}, "", fmt.Errorf("unknown key condition")
}

// Index is a handle on one of T's secondary indexes (see entity.Indexed),
// made by Repository.Index, through which the index is queried:
//
//	byUser := orders.Index("by-user")
//	page, err := byUser.Query(ctx, userID, repo.Where(repo.BeginsWith("2026-11")), repo.WithLimit(20))
//
// A handle is a small value that makes no request of its own; keep it or
// make it at each call, as is convenient. It is safe for concurrent use.
type Index[T entity.Entity] struct {
	r    *Repository[T]
	name string
	spec indexSpec
	ok   bool // spec is T's index of that name
}

// Index returns the handle on T's index of that name (entity.Index.Name).
// It makes no request and never fails: a name T does not declare is
// reported by the handle's Query and All, with an error wrapping
// ErrUnknownIndex.
func (r *Repository[T]) Index(name string) Index[T] {
	spec, ok := r.index(name)
	return Index[T]{r: r, name: name, spec: spec, ok: ok}
}

// Name returns the name of the index the handle reads.
func (ix Index[T]) Name() string { return ix.name }

// Query returns one page of the context's tenant's entities of type T in
// the index whose index partition value (the index's PartitionAttr) is
// partition and whose index sort value (its SortAttr) meets the key
// condition of the Where option (every value without one), in index
// sort-key order (UTF-8 bytes; entities with equal values in the order the
// store keeps them), and the cursor of the next page, which works only for
// this tenant, type, index and partition. Index reads are eventually
// consistent, as DynamoDB's global secondary indexes are. An index
// partition key is only an attribute value, which a client writing the
// table directly can give an item of another tenant's partition (IAM's
// dynamodb:LeadingKeys condition does not limit it): Query returns only
// items stored in the context's tenant's partition under a sort key of
// T, whose index keys are those the repository writes for their own
// attributes, and skips any other the index partition holds, without
// reading it (such items count towards the page's Limit). Errors:
// ErrUnknownIndex (a kind of ErrInvalidArgument) for an index T does not
// declare; ErrInvalidArgument for an empty partition, a bad condition or
// page size, or ConsistentRead; ErrMissingIndex for an index in a slot the
// table lacks; ErrInvalidCursor; ErrNoTenant; ErrDecode.
func (ix Index[T]) Query(ctx context.Context, partition string, optFns ...func(*PageOptions)) (Page[T], error) {
	return ix.queryPage(ctx, partition, applyPage(optFns))
}

// queryPage reads one page of Query or All.
func (ix Index[T]) queryPage(ctx context.Context, partition string, opts PageOptions) (Page[T], error) {
	ct := tenantOf(ctx)
	if ix.r == nil || ix.r.observer == nil {
		return ix.query(ctx, ct, partition, opts)
	}
	o := ix.r.start(ctx, ct, OpQuery, ix.name)
	p, err := ix.query(o.ctx, ct, partition, opts)
	o.end(len(p.Items), err)
	return p, err
}

// query is Query, for the tenant ct, with its requests made in ctx.
func (ix Index[T]) query(ctx context.Context, ct callTenant, partition string, opts PageOptions) (Page[T], error) {
	r := ix.r
	cond := opts.Where
	op := opName{query: true, index: ix.name, partition: partition, cond: cond}
	if r == nil {
		return Page[T]{}, fail(op, ErrInvalidArgument, fmt.Errorf("index handle not made by Repository.Index"))
	}
	op.prefix = r.prefix
	t, err := ct.of(op)
	if err != nil {
		return Page[T]{}, err
	}
	tenant, pk := t.ID(), t.PartitionKey()
	if !ix.ok {
		return Page[T]{}, fail(op, ErrUnknownIndex, fmt.Errorf("%s has no index %q", r.typeName, ix.name))
	}
	spec := ix.spec
	if err := r.checkIndexInUse(ctx, op, spec); err != nil {
		return Page[T]{}, err
	}
	limit, err := pageLimit(op, opts)
	if err != nil {
		return Page[T]{}, err
	}
	if opts.ConsistentRead {
		return Page[T]{}, fail(op, ErrInvalidArgument, fmt.Errorf("index reads cannot be strongly consistent"))
	}
	ipk := t.IndexPartitionKey(r.prefix, spec.Name, partition)
	if partition == "" || !utf8.ValidString(partition) || len(ipk) > entity.MaxPartitionKeyBytes {
		return Page[T]{}, fail(op, ErrInvalidArgument, fmt.Errorf("index partition %q is not a possible value", partition))
	}
	rng, exclude, err := indexRange(cond)
	if err != nil {
		return Page[T]{}, fail(op, ErrInvalidArgument, err)
	}
	in := backend.QueryInput{Index: spec.gsi, PK: ipk, Range: rng, Descending: opts.Descending, Limit: limit}
	if opts.Cursor != "" {
		parts, err := r.cursors.decode(tenant, opts.Cursor, 4)
		if err != nil {
			return Page[T]{}, fail(op, ErrInvalidCursor, err)
		}
		if parts[0] != spec.Name || parts[2] != ipk || !rng.Contains(parts[3]) || !strings.HasPrefix(parts[1], entity.SortKeyPrefix(r.prefix)) {
			return Page[T]{}, fail(op, ErrInvalidCursor, fmt.Errorf("cursor is for another index, partition or range"))
		}
		in.StartKey = &backend.Key{PK: pk, SK: parts[1], IndexPK: parts[2], IndexSK: parts[3]}
	}
	sc := scope{pk: pk, ix: &spec, ipk: ipk, partition: partition}
	return r.page(ctx, op, in, sc, func(item backend.Item) bool {
		if exclude == "" {
			return false
		}
		v, _ := item[spec.keySK].(*types.AttributeValueMemberS)
		return v != nil && v.Value == exclude
	}, func(k backend.Key) string {
		return r.cursors.encode(tenant, spec.Name, k.SK, k.IndexPK, k.IndexSK)
	})
}

// All iterates over every entity Query would return, page by page,
// following each page's cursor. It stops at the first error, which it
// yields with a zero T.
func (ix Index[T]) All(ctx context.Context, partition string, optFns ...func(*PageOptions)) iter.Seq2[T, error] {
	return pages(optFns, func(opts PageOptions) (Page[T], error) {
		return ix.queryPage(ctx, partition, opts)
	})
}
