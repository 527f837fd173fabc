package repo

import (
	"context"
	"fmt"
	"reflect"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/google/uuid"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// Options configure a Repository. New fills in the defaults before applying
// the caller's functions.
type Options struct {
	// CursorKey signs the cursors the repository hands out, with
	// HMAC-SHA256. Give every instance of a service the same secret key so
	// a cursor from one works on another, and cursors cannot be forged.
	// Default: a key built into the library, which still rejects cursors of
	// other tenants, other types and changed cursors, but not a forger who
	// reads this source. Tenant isolation does not depend on it.
	CursorKey []byte
}

// Repository stores entities of type T for the tenant in each call's
// context. It is safe for concurrent use. Make one with New.
type Repository[T entity.Entity] struct {
	b        backend.Backend
	prefix   string
	typeName string
	attrs    map[string]struct{} // the type's attribute names; nil if unknown
	setter   bool                // *T implements entity.IDSetter
	enc      *attributevalue.Encoder
	dec      *attributevalue.Decoder
	cursors  cursorCodec
}

// New returns the repository of T in store b. T must be a struct type whose
// EntityPrefix, called on the zero T, gives a valid prefix (see package
// entity). New returns an error wrapping ErrDuplicatePrefix when another type
// has the prefix in b, and ErrInvalidArgument for any other unusable type or
// option.
func New[T entity.Entity](b backend.Backend, optFns ...func(*Options)) (*Repository[T], error) {
	var zero T
	t := reflect.TypeFor[T]()
	op := "new repository of " + t.String()
	if b == nil {
		return nil, fail(op, ErrInvalidArgument, fmt.Errorf("nil backend"))
	}
	if t.Kind() != reflect.Struct {
		return nil, fail(op, ErrInvalidArgument, fmt.Errorf("%s is a %s; entity types must be structs", t, t.Kind()))
	}
	if err := checkEncodable(t); err != nil {
		return nil, fail(op, ErrInvalidArgument, err)
	}
	prefix := zero.EntityPrefix()
	if err := entity.ValidatePrefix(prefix); err != nil {
		return nil, fail(op, ErrInvalidArgument, err)
	}
	opts := Options{CursorKey: defaultCursorKey}
	for _, fn := range optFns {
		fn(&opts)
	}
	if len(opts.CursorKey) == 0 {
		return nil, fail(op, ErrInvalidArgument, fmt.Errorf("empty cursor key"))
	}
	typeName := t.PkgPath() + "." + t.Name()
	if err := b.RegisterPrefix(prefix, typeName); err != nil {
		return nil, failBackend(op, err, nil)
	}
	_, setter := any(&zero).(entity.IDSetter)
	return &Repository[T]{
		b:        b,
		prefix:   prefix,
		typeName: t.String(),
		attrs:    attributeNames(t),
		setter:   setter,
		enc:      attributevalue.NewEncoder(),
		dec:      attributevalue.NewDecoder(),
		cursors:  cursorCodec{key: opts.CursorKey, prefix: prefix},
	}, nil
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

// partition returns the partition key of the context's tenant.
func (r *Repository[T]) partition(ctx context.Context, op string) (tenant, pk string, err error) {
	if ctx == nil {
		return "", "", fail(op, ErrInvalidArgument, fmt.Errorf("nil context"))
	}
	if err := ctx.Err(); err != nil {
		return "", "", fail(op, nil, err)
	}
	tenant, err = tenantctx.FromContext(ctx)
	if err != nil {
		return "", "", fail(op, nil, err)
	}
	return tenant, entity.PartitionKey(tenant), nil
}

// key returns the keys of the entity id for the context's tenant, after
// checking both.
func (r *Repository[T]) key(ctx context.Context, op, id string) (backend.Key, error) {
	_, pk, err := r.partition(ctx, op)
	if err != nil {
		return backend.Key{}, err
	}
	if err := entity.ValidateID(r.prefix, id); err != nil {
		return backend.Key{}, fail(op, nil, err)
	}
	return backend.Key{PK: pk, SK: entity.SortKey(r.prefix, id)}, nil
}

func (r *Repository[T]) op(verb, id string) string {
	if id == "" {
		return verb + " " + r.prefix
	}
	return fmt.Sprintf("%s %s %q", verb, r.prefix, id)
}

// Create stores v as a new entity of the context's tenant and returns it.
// When v's ID is empty and the type implements entity.IDSetter, Create gives
// it a new random UUID first. Errors: ErrAlreadyExists when the tenant has an
// entity with the ID (nothing is overwritten), ErrInvalidID, ErrNoTenant,
// ErrItemTooLarge, ErrInvalidArgument.
func (r *Repository[T]) Create(ctx context.Context, v T) (T, error) {
	id := v.EntityID()
	op := r.op("create", id)
	if id == "" {
		if !r.setter {
			var zero T
			return zero, fail(op, ErrInvalidID, fmt.Errorf("empty ID, and *%s has no SetEntityID to assign one", r.typeName))
		}
		id = uuid.NewString()
		any(&v).(entity.IDSetter).SetEntityID(id)
		if got := v.EntityID(); got != id {
			var zero T
			return zero, fail(op, ErrInvalidArgument, fmt.Errorf("%s: EntityID returns %q after SetEntityID(%q)", r.typeName, got, id))
		}
	}
	if err := r.write(ctx, op, v, backend.IfNotExists, ErrAlreadyExists); err != nil {
		var zero T
		return zero, err
	}
	return v, nil
}

// Put stores v for the context's tenant, creating it or replacing the whole
// entity with its ID. Errors: ErrInvalidID (an empty ID too), ErrNoTenant,
// ErrItemTooLarge, ErrInvalidArgument.
func (r *Repository[T]) Put(ctx context.Context, v T) error {
	return r.write(ctx, r.op("put", v.EntityID()), v, backend.Always, nil)
}

func (r *Repository[T]) write(ctx context.Context, op string, v T, cond backend.Condition, onCondition error) error {
	key, err := r.key(ctx, op, v.EntityID())
	if err != nil {
		return err
	}
	item, err := r.encode(op, v, key.PK, key.SK)
	if err != nil {
		return err
	}
	if err := r.b.Put(ctx, backend.PutInput{Item: item, Condition: cond}); err != nil {
		return failBackend(op, err, onCondition)
	}
	return nil
}

// Get returns the context's tenant's entity with the ID. Errors: ErrNotFound,
// ErrInvalidID, ErrNoTenant, ErrDecode.
func (r *Repository[T]) Get(ctx context.Context, id string) (T, error) {
	var zero T
	op := r.op("get", id)
	key, err := r.key(ctx, op, id)
	if err != nil {
		return zero, err
	}
	item, err := r.b.Get(ctx, backend.GetInput{Key: key})
	if err != nil {
		return zero, failBackend(op, err, nil)
	}
	return r.decode(op, item)
}

// Update changes the named attributes of an existing entity to their values
// in v and leaves every other stored attribute as it is. Names are the
// attribute names of the type (the dynamodbav tag names); an attribute whose
// value in v encodes to nothing (omitempty) is removed. Update returns the
// whole entity as stored afterwards, and never creates one. Errors:
// ErrNotFound, ErrInvalidID, ErrNoTenant, ErrItemTooLarge, and
// ErrInvalidArgument for no names, a repeated or unknown name, or a key
// attribute.
func (r *Repository[T]) Update(ctx context.Context, v T, attrs ...string) (T, error) {
	var zero T
	id := v.EntityID()
	op := r.op("update", id)
	key, err := r.key(ctx, op, id)
	if err != nil {
		return zero, err
	}
	if len(attrs) == 0 {
		return zero, fail(op, ErrInvalidArgument, fmt.Errorf("no attributes named"))
	}
	item, err := r.encode(op, v, key.PK, key.SK)
	if err != nil {
		return zero, err
	}
	in := backend.UpdateInput{Key: key, Set: make(backend.Item, len(attrs)), Condition: backend.IfExists}
	seen := make(map[string]bool, len(attrs))
	for _, name := range attrs {
		switch {
		case name == entity.PartitionKeyName || name == entity.SortKeyName:
			return zero, fail(op, ErrInvalidArgument, fmt.Errorf("attribute %q is a key and cannot be updated", name))
		case seen[name]:
			return zero, fail(op, ErrInvalidArgument, fmt.Errorf("attribute %q named twice", name))
		case r.attrs != nil && !has(r.attrs, name):
			return zero, fail(op, ErrInvalidArgument, fmt.Errorf("%s has no attribute %q", r.typeName, name))
		}
		seen[name] = true
		if av, ok := item[name]; ok {
			in.Set[name] = av
		} else {
			in.Remove = append(in.Remove, name)
		}
	}
	out, err := r.b.Update(ctx, in)
	if err != nil {
		return zero, failBackend(op, err, ErrNotFound)
	}
	return r.decode(op, out)
}

func has(set map[string]struct{}, k string) bool {
	_, ok := set[k]
	return ok
}

// Delete removes the context's tenant's entity with the ID. Deleting an
// entity that does not exist is not an error: like DynamoDB's DeleteItem,
// Delete is idempotent, so a retried delete succeeds. Use Get first when the
// difference matters. Errors: ErrInvalidID, ErrNoTenant.
func (r *Repository[T]) Delete(ctx context.Context, id string) error {
	op := r.op("delete", id)
	key, err := r.key(ctx, op, id)
	if err != nil {
		return err
	}
	if err := r.b.Delete(ctx, backend.DeleteInput{Key: key}); err != nil {
		return failBackend(op, err, nil)
	}
	return nil
}
