package repo

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
)

// encode turns v into the item of tenant t stored at sort key sk: its attributes as
// attributevalue encodes them, plus the key attributes the library owns. It
// checks the item against DynamoDB's rules and size limit.
func (r *Repository[T]) encode(op opName, v T, t entity.Tenant, sk string) (backend.Item, error) {
	var out backend.Item
	var keys []types.AttributeValueMemberS // values for the key attributes
	if r.codec != nil {
		out, keys = r.codec.Encode(&v, 2+2*len(r.indexes))
	} else {
		item, err := r.encodeItem(v)
		if err != nil {
			return nil, fail(op, ErrInvalidArgument, err)
		}
		m, ok := item.(*types.AttributeValueMemberM)
		if !ok {
			return nil, fail(op, ErrInvalidArgument, fmt.Errorf("%s encodes as %T, not a map", r.typeName, item))
		}
		out = m.Value
		keys = make([]types.AttributeValueMemberS, 2+2*len(r.indexes))
	}
	if r.codec == nil {
		// A codec's fields are never the library's attributes (see
		// codec.For): only attributevalue's items need looking at.
		for k := range out {
			if ownsAttribute(k) {
				return nil, fail(op, ErrInvalidArgument, fmt.Errorf("%s has an attribute %q, which the library owns", r.typeName, k))
			}
		}
	}
	keys[0].Value, keys[1].Value = t.PartitionKey(), sk
	out[entity.PartitionKeyName] = &keys[0]
	out[entity.SortKeyName] = &keys[1]
	if err := r.indexKeys(out, t, keys[2:]); err != nil {
		return nil, fail(op, ErrInvalidArgument, err)
	}
	n, err := backend.CheckItem(out) // ValidateItem and ItemSize in one pass
	if err != nil {
		return nil, fail(op, ErrInvalidArgument, err)
	}
	if n > backend.MaxItemBytes {
		return nil, fail(op, ErrItemTooLarge, fmt.Errorf("%d bytes, more than %d", n, backend.MaxItemBytes))
	}
	return out, nil
}

// decode turns a stored item into a T. The ID comes from the sort key when
// the type can take it (IDSetter), so types need not store it twice.
func (r *Repository[T]) decode(op opName, item backend.Item) (T, error) {
	var v T
	sk, _ := item[entity.SortKeyName].(*types.AttributeValueMemberS)
	if sk == nil {
		return v, fail(op, ErrDecode, fmt.Errorf("item has no string %s", entity.SortKeyName))
	}
	prefix, id, ok := entity.ParseSortKey(sk.Value)
	if !ok || prefix != r.prefix {
		return v, fail(op, ErrDecode, fmt.Errorf("sort key %q is not a %s key", sk.Value, r.prefix))
	}
	if r.codec == nil || !r.codec.Decode(item, &v) {
		// attributevalue decodes what the codec does not.
		var zero T
		v = zero
		if err := r.decodeItem(item, &v); err != nil {
			return zero, fail(op, ErrDecode, fmt.Errorf("%s %q: %w", r.prefix, id, err))
		}
	}
	if r.setter {
		any(&v).(entity.IDSetter).SetEntityID(id)
	}
	return v, nil
}

// decodeItem decodes a stored item into *v with attributevalue, giving it
// the item without the attributes that name no field exactly (see shape).
// A panic of attributevalue's, or of an Unmarshaler of the type's, becomes
// an error: whatever is stored, reading it never panics.
func (r *Repository[T]) decodeItem(item backend.Item, v *T) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("decoding panicked: %v", p)
		}
	}()
	clean, err := r.shape.cleanItem(item)
	if err != nil {
		return err
	}
	return r.dec.Decode(&types.AttributeValueMemberM{Value: clean}, v)
}

// encodeItem encodes v with attributevalue; a panic (of a Marshaler of the
// type's) becomes an error.
func (r *Repository[T]) encodeItem(v T) (av types.AttributeValue, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("encoding panicked: %v", p)
		}
	}()
	return r.enc.Encode(v)
}

// checkEncodable reports a field attributevalue would drop without a word
// (funcs, channels, complex numbers, unsafe pointers), anywhere in t, so a
// type that would lose data on every write is refused when its repository
// is made.
func checkEncodable(t reflect.Type) error {
	marshaler := reflect.TypeFor[attributevalue.Marshaler]()
	seen := map[reflect.Type]bool{}
	var check func(t reflect.Type, path string) error
	check = func(t reflect.Type, path string) error {
		if seen[t] || t.Implements(marshaler) || reflect.PointerTo(t).Implements(marshaler) {
			return nil
		}
		seen[t] = true
		switch t.Kind() {
		case reflect.Func, reflect.Chan, reflect.Complex64, reflect.Complex128, reflect.UnsafePointer:
			return fmt.Errorf("field %s has type %s, which attributevalue cannot store", path, t)
		case reflect.Pointer, reflect.Slice, reflect.Array:
			return check(t.Elem(), path)
		case reflect.Map:
			return check(t.Elem(), path)
		case reflect.Struct:
			for i := range t.NumField() {
				f := t.Field(i)
				name, _, _ := strings.Cut(f.Tag.Get("dynamodbav"), ",")
				if name == "-" || (!f.IsExported() && !f.Anonymous) {
					continue
				}
				if err := check(f.Type, path+"."+f.Name); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return check(t, t.Name())
}

// attributeNames returns the top-level attribute names attributevalue gives
// the fields of struct type t: the dynamodbav tag's name or the field name,
// skipping "-" and unexported fields, and flattening embedded structs without
// a name. It returns nil when t encodes itself (attributevalue.Marshaler),
// since its names cannot be known.
func attributeNames(t reflect.Type) map[string]struct{} {
	marshaler := reflect.TypeFor[attributevalue.Marshaler]()
	if t.Implements(marshaler) || reflect.PointerTo(t).Implements(marshaler) {
		return nil
	}
	names := make(map[string]struct{})
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			tag := f.Tag.Get("dynamodbav")
			name, _, _ := strings.Cut(tag, ",")
			if name == "-" {
				continue
			}
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
				walk(ft)
				continue
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			names[name] = struct{}{}
		}
	}
	walk(t)
	return names
}
