package repo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/internal/codec"
	"github.com/tenantrepo/tenantrepo/internal/isnil"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// Repository stores entities of type T for the tenant in each call's
// context. It is safe for concurrent use. Make one with New.
type Repository[T entity.Entity] struct {
	b          backend.Backend
	prefix     string
	typeName   string
	attrs      map[string]struct{} // the type's attribute names; nil if unknown
	setter     bool                // *T implements entity.IDSetter
	versionKey string              // entity.Versioned's attribute, or ""
	expiryKey  string              // entity.Expiring's attribute, or ""
	indexes    []indexSpec         // entity.Indexed's indexes
	// indexCheck, when set, checks the index slots against the table at
	// the first index query (see indexcheck.go).
	indexCheck *indexCheck
	enc        *attributevalue.Encoder
	dec        *attributevalue.Decoder
	codec      *codec.Codec[T] // T's own encoding, when it has one (see codec.For)
	shape      *shape          // what attributevalue decodes T from (see compileShape)
	lender     backend.Lender  // b, when it lends items and codec copies them
	cursors    cursorCodec
	clock      func() time.Time
	retryDelay func(attempt int) time.Duration
	// batchConcurrency is Options.BatchConcurrency: requests in flight.
	batchConcurrency int
	// observer is Options.Observer; nil when none is installed, and then
	// every call takes its path of old, without a word for an observer.
	observer Observer
}

// New returns the repository of T in store b. T must be a struct type whose
// EntityPrefix, called on the zero T, gives a valid prefix (see package
// entity). New returns an error wrapping ErrDuplicatePrefix when another type
// has the prefix in b, ErrMissingIndex when T has an index in a slot that b
// is known to lack (see entity.Indexed and backend.IndexReporter; New makes
// no request, so a backend that has not looked at its table yet is checked
// at the first index query instead), and ErrInvalidArgument for any other
// unusable type or option: a field attributevalue would drop without a word
// (a func, a channel), a field it could store but not decode without
// panicking (an unexported field it lists, an embedded pointer to an
// unexported struct, a non-empty interface), a version or expiry
// attribute the type does not have, or an index attribute (see
// entity.Index) that is not a field stored as a string.
func New[T entity.Entity](b backend.Backend, optFns ...func(*Options)) (*Repository[T], error) {
	var zero T
	t := reflect.TypeFor[T]()
	op := opText("new repository of " + t.String())
	if isnil.Is(b) {
		return nil, fail(op, ErrInvalidArgument, fmt.Errorf("nil backend"))
	}
	if t.Kind() != reflect.Struct {
		return nil, fail(op, ErrInvalidArgument, fmt.Errorf("%s is a %s; entity types must be structs", t, t.Kind()))
	}
	if err := checkEncodable(t); err != nil {
		return nil, fail(op, ErrInvalidArgument, err)
	}
	sh, err := compileShape(t)
	if err != nil {
		return nil, fail(op, ErrInvalidArgument, err)
	}
	prefix := zero.EntityPrefix()
	if err := entity.ValidatePrefix(prefix); err != nil {
		return nil, fail(op, ErrInvalidArgument, err)
	}
	opts := Options{CursorKey: defaultCursorKey, Clock: time.Now, RetryDelay: defaultRetryDelay, BatchConcurrency: 1}
	for _, fn := range optFns {
		if fn == nil {
			return nil, fail(op, ErrInvalidArgument, errNilOption)
		}
		fn(&opts)
	}
	if len(opts.CursorKey) == 0 || opts.Clock == nil || opts.RetryDelay == nil {
		return nil, fail(op, ErrInvalidArgument, fmt.Errorf("empty cursor key, clock or retry delay"))
	}
	if opts.BatchConcurrency < 0 {
		return nil, fail(op, ErrInvalidArgument, fmt.Errorf("batch concurrency %d is below 0", opts.BatchConcurrency))
	}
	r := &Repository[T]{
		b:          b,
		prefix:     prefix,
		typeName:   t.String(),
		attrs:      attributeNames(t),
		shape:      sh,
		enc:        attributevalue.NewEncoder(),
		dec:        attributevalue.NewDecoder(),
		cursors:    newCursorCodec(opts.CursorKey, prefix),
		clock:      opts.Clock,
		retryDelay: opts.RetryDelay,

		batchConcurrency: max(opts.BatchConcurrency, 1),
		observer:         opts.Observer,
	}
	if !codec.Off() {
		r.codec = codec.For[T]()
	}
	if l, ok := b.(backend.Lender); ok && r.codec != nil {
		r.lender = l // decoding copies what the store must keep to itself
	}
	_, r.setter = any(&zero).(entity.IDSetter)
	if v, ok := any(zero).(entity.Versioned); ok {
		r.versionKey = v.VersionAttribute()
		if err := r.checkOwnAttribute("version", r.versionKey); err != nil {
			return nil, fail(op, ErrInvalidArgument, err)
		}
	}
	if e, ok := any(zero).(entity.Expiring); ok {
		r.expiryKey = e.ExpiryAttribute()
		if err := r.checkOwnAttribute("expiry", r.expiryKey); err != nil {
			return nil, fail(op, ErrInvalidArgument, err)
		}
	}
	if ix, ok := any(zero).(entity.Indexed); ok {
		var err error
		if r.indexes, err = r.indexSpecs(ix.Indexes()); err != nil {
			return nil, fail(op, ErrInvalidArgument, err)
		}
		if err := r.checkIndexSlots(b); err != nil {
			return nil, fail(op, ErrMissingIndex, err)
		}
	}
	if r.versionKey != "" && r.versionKey == r.expiryKey {
		return nil, fail(op, ErrInvalidArgument, fmt.Errorf("one attribute %q for version and expiry", r.versionKey))
	}
	if err := b.RegisterPrefix(prefix, t.PkgPath()+"."+t.Name()); err != nil {
		return nil, failBackend(op, err)
	}
	return r, nil
}

// checkOwnAttribute checks an attribute the type names for the library.
func (r *Repository[T]) checkOwnAttribute(what, name string) error {
	switch {
	case name == "" || ownsAttribute(name):
		return fmt.Errorf("%s attribute %q cannot be used", what, name)
	case r.attrs != nil && !has(r.attrs, name):
		return fmt.Errorf("%s attribute %q is not an attribute of %s", what, name, r.typeName)
	}
	return nil
}

// defaultRetryDelay backs off exponentially from 25 ms to 2 s, with full
// jitter, as AWS recommends for unprocessed batch items.
func defaultRetryDelay(attempt int) time.Duration {
	d := 25 * time.Millisecond << min(attempt-1, 7)
	d = min(d, 2*time.Second)
	return d/2 + rand.N(d/2+1)
}

// MustNew is like New but panics on error. It suits package-level
// repositories and tests.
func MustNew[T entity.Entity](b backend.Backend, optFns ...func(*Options)) *Repository[T] {
	r, err := New[T](b, optFns...)
	if err != nil {
		panic(err)
	}
	return r
}

// Prefix returns the sort-key prefix of the repository's entity type.
func (r *Repository[T]) Prefix() string { return r.prefix }

// callTenant is the tenant of a call, read from its context once, before
// anything else (and before an Observer's Start, which sees its ID): the
// tenant with its keys, or what the call fails with when the context gives
// none. Every key of the call comes from it, whatever context the call's
// requests are then made in.
type callTenant struct {
	t           entity.Tenant
	kind, cause error // the kind and cause of the call's error; cause nil when t is good
}

// errNilContext is the cause of the ErrInvalidArgument of a call given a nil
// context.
var errNilContext = errors.New("nil context")

// tenantOf returns the tenant of the context with its keys. Every call
// reads its tenant here, through tenantctx.Tenant, which checks it: no key
// is built from a tenant that breaks the rules, whatever the context's
// Value answers, and every key of the call (partition, index partition,
// cursor) comes from the one entity.Tenant it holds.
func tenantOf(ctx context.Context) callTenant {
	if ctx == nil {
		return callTenant{kind: ErrInvalidArgument, cause: errNilContext}
	}
	if err := ctx.Err(); err != nil {
		return callTenant{cause: err}
	}
	t, err := tenantctx.Tenant(ctx)
	if err != nil {
		return callTenant{cause: err}
	}
	return callTenant{t: t}
}

// of returns the tenant, or the error of call op when the context gave
// none.
func (c callTenant) of(op opName) (entity.Tenant, error) {
	if c.cause != nil {
		return entity.Tenant{}, fail(op, c.kind, c.cause)
	}
	return c.t, nil
}

// id returns the tenant's ID, "" when the context gave none: what an
// Observer is told, never a value the rules refused.
func (c callTenant) id() string { return c.t.ID() }

// keyIn returns the keys of the entity id of tenant t, after checking id.
func (r *Repository[T]) keyIn(op opName, t entity.Tenant, id string) (backend.Key, error) {
	if err := entity.ValidateID(r.prefix, id); err != nil {
		return backend.Key{}, fail(op, nil, err)
	}
	return backend.Key{PK: t.PartitionKey(), SK: entity.SortKey(r.prefix, id)}, nil
}

func (r *Repository[T]) op(verb, id string) opName {
	return opName{verb: verb, prefix: r.prefix, id: id}
}

func has(set map[string]struct{}, k string) bool {
	_, ok := set[k]
	return ok
}

// Get returns the context's tenant's entity with the ID. An expired entity
// is not found. Errors: ErrNotFound, ErrInvalidID, ErrNoTenant, ErrDecode.
func (r *Repository[T]) Get(ctx context.Context, id string, optFns ...func(*ReadOptions)) (T, error) {
	ct := tenantOf(ctx)
	if r.observer == nil {
		return r.get(ctx, ct, id, optFns)
	}
	o := r.start(ctx, ct, OpGet, "")
	v, err := r.get(o.ctx, ct, id, optFns)
	o.end(one(err), err)
	return v, err
}

// get is Get, for the tenant ct, with its requests made in ctx.
func (r *Repository[T]) get(ctx context.Context, ct callTenant, id string, optFns []func(*ReadOptions)) (T, error) {
	var zero T
	op := r.op("get", id)
	opts, err := readOpts(op, optFns)
	if err != nil {
		return zero, err
	}
	t, err := ct.of(op)
	if err != nil {
		return zero, err
	}
	key, err := r.keyIn(op, t, id)
	if err != nil {
		return zero, err
	}
	in := backend.GetInput{Key: key, ConsistentRead: opts.ConsistentRead}
	var item backend.Item
	if r.lender != nil {
		item, err = r.lender.GetShared(ctx, in)
	} else {
		item, err = r.b.Get(ctx, in)
	}
	if err != nil {
		return zero, failBackend(op, err)
	}
	if r.expiryKey != "" && r.expired(item, r.clock()) {
		return zero, fail(op, ErrNotFound, nil)
	}
	return r.decode(op, item)
}

// Backend returns the backend the repository stores its entities in, for
// the operations of package ops that act on a tenant's items of every
// type. It is the backend New was given.
func (r *Repository[T]) Backend() backend.Backend { return r.b }
