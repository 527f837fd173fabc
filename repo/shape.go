package repo

import (
	"fmt"
	"maps"
	"reflect"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/internal/codec"
)

// A shape is what the repository knows, from an entity type alone, of how
// attributevalue's Decoder fills a Go type: for a struct its attributes,
// by their exact names; for a slice, array or map its element; for an
// array of bytes its length. Its uses:
//
//   - attributevalue matches attribute names to struct fields without
//     regard to case, and picks among several matches by map order; the
//     repository hands it only attributes whose names are exactly a
//     field's (cleanItem), so reads are deterministic and the library's
//     own attributes (PK, SK, GSI1PK, ...) never reach a field tagged "pk";
//   - attributevalue panics on a binary whose length is not that of the
//     byte array it decodes into; cleanItem reports it instead;
//   - writes find, from a path, the Go type a value lands in and the
//     names a path may not create (see checkCallerUpdate).
type shape struct {
	kind   shapeKind
	t      reflect.Type      // the Go type, pointers removed
	fields map[string]*shape // shapeStruct: by attribute name
	elem   *shape            // shapeList, shapeMap
	n      int               // shapeBytes: the array's length
}

type shapeKind uint8

const (
	shapeLeaf   shapeKind = iota // nothing inside to clean: scalars, interface{}, time.Time, Unmarshalers
	shapeStruct                  // a struct attributevalue decodes field by field
	shapeList                    // a slice or array of elem (not of bytes)
	shapeMap                     // a map of elem
	shapeBytes                   // an array of bytes, of length n
)

// compileShape returns the shape of t, or an error for a type that
// attributevalue's Decoder would panic on whatever the stored item holds:
// a non-empty interface (it sets maps and strings into it), an unexported
// field it lists (it sets it), or an embedded pointer to an unexported
// struct (it allocates one to set its fields).
func compileShape(t reflect.Type) (*shape, error) {
	memo := map[reflect.Type]*shape{}
	var compile func(t reflect.Type, path string) (*shape, error)
	compile = func(t reflect.Type, path string) (*shape, error) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if s, ok := memo[t]; ok {
			return s, nil
		}
		s := &shape{t: t}
		memo[t] = s
		if t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType) {
			return s, nil // it decodes itself
		}
		switch t.Kind() {
		case reflect.Interface:
			if t.NumMethod() > 0 {
				return nil, fmt.Errorf("field %s has the interface type %s, which attributevalue cannot decode into (only interface{} and any)", path, t)
			}
		case reflect.Struct:
			if t == timeType {
				return s, nil
			}
			s.kind, s.fields = shapeStruct, map[string]*shape{}
			if err := structFields(t, path, func(name string, sf reflect.StructField, fpath string) error {
				fs, err := compile(sf.Type, fpath)
				if err != nil {
					return err
				}
				s.fields[name] = fs
				return nil
			}); err != nil {
				return nil, err
			}
		case reflect.Array, reflect.Slice:
			el := t.Elem()
			if el.Kind() == reflect.Uint8 && !el.Implements(unmarshalerType) && !reflect.PointerTo(el).Implements(unmarshalerType) {
				if t.Kind() == reflect.Array {
					s.kind, s.n = shapeBytes, t.Len()
				}
				return s, nil // a slice of bytes takes any binary
			}
			e, err := compile(el, path+"[]")
			if err != nil {
				return nil, err
			}
			s.kind, s.elem = shapeList, e
		case reflect.Map:
			e, err := compile(t.Elem(), path+"[]")
			if err != nil {
				return nil, err
			}
			s.kind, s.elem = shapeMap, e
		}
		return s, nil
	}
	return compile(t, t.Name())
}

var (
	timeType        = reflect.TypeFor[time.Time]()
	unmarshalerType = reflect.TypeFor[attributevalue.Unmarshaler]()
)

// structFields calls fn with the attribute name and field of every field of
// struct t that attributevalue's Decoder fills, as its enumFields lists
// them: the fields of embedded structs without a name tag are flattened,
// unexported fields and "-" are skipped. It returns an error for a field
// the Decoder would panic on: one it lists that is unexported, or an
// embedded pointer to an unexported struct.
func structFields(t reflect.Type, path string, fn func(name string, sf reflect.StructField, fpath string) error) error {
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() && !sf.Anonymous {
			continue
		}
		tag := codec.ParseTag(sf.Tag.Get("dynamodbav"))
		if tag.Ignore {
			continue
		}
		ft := sf.Type
		if ft.Name() == "" && ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		fpath := path + "." + sf.Name
		if sf.Anonymous && tag.Name == "" && ft.Kind() == reflect.Struct {
			if !sf.IsExported() && sf.Type.Kind() == reflect.Pointer {
				return fmt.Errorf("field %s embeds a pointer to the unexported struct %s, which attributevalue cannot allocate when it decodes: embed the struct itself, export its type, or tag the field `dynamodbav:\"-\"`", fpath, ft)
			}
			if err := structFields(ft, fpath, fn); err != nil {
				return err
			}
			continue
		}
		if !sf.IsExported() && (sf.Type.Kind() != reflect.Struct || sf.Type.Implements(unmarshalerType) || reflect.PointerTo(sf.Type).Implements(unmarshalerType)) {
			// (An unexported embedded struct value is fine: attributevalue
			// sets its exported fields, which reflect allows.)
			return fmt.Errorf("field %s is unexported, and attributevalue would store it but cannot set it when it decodes: export it or tag it `dynamodbav:\"-\"`", fpath)
		}
		name := tag.Name
		if name == "" {
			name = sf.Name
		}
		if err := fn(name, sf, fpath); err != nil {
			return err
		}
	}
	return nil
}

// clean returns av as attributevalue's Decoder should see it when it
// decodes into s: the maps that become structs without the attributes
// that name no field exactly. It copies only what it changes. It returns
// an error for a binary that does not fit a byte array.
func (s *shape) clean(av types.AttributeValue) (types.AttributeValue, error) {
	switch s.kind {
	case shapeBytes:
		if b, ok := av.(*types.AttributeValueMemberB); ok && len(b.Value) != s.n {
			return nil, fmt.Errorf("a binary of %d bytes does not fit %s", len(b.Value), s.t)
		}
	case shapeStruct:
		m, ok := av.(*types.AttributeValueMemberM)
		if !ok {
			return av, nil
		}
		out, changed, err := s.cleanMap(m.Value)
		if err != nil || !changed {
			return av, err
		}
		return &types.AttributeValueMemberM{Value: out}, nil
	case shapeMap:
		m, ok := av.(*types.AttributeValueMemberM)
		if !ok {
			return av, nil
		}
		var out map[string]types.AttributeValue
		for k, e := range m.Value {
			c, err := s.elem.clean(e)
			if err != nil {
				return nil, fmt.Errorf("key %q: %w", k, err)
			}
			if c != e && out == nil {
				out = make(map[string]types.AttributeValue, len(m.Value))
				for k2, e2 := range m.Value {
					out[k2] = e2
				}
			}
			if out != nil {
				out[k] = c
			}
		}
		if out != nil {
			return &types.AttributeValueMemberM{Value: out}, nil
		}
	case shapeList:
		switch v := av.(type) {
		case *types.AttributeValueMemberL:
			var out []types.AttributeValue
			for i, e := range v.Value {
				c, err := s.elem.clean(e)
				if err != nil {
					return nil, fmt.Errorf("element %d: %w", i, err)
				}
				if c != e && out == nil {
					out = append([]types.AttributeValue(nil), v.Value...)
				}
				if out != nil {
					out[i] = c
				}
			}
			if out != nil {
				return &types.AttributeValueMemberL{Value: out}, nil
			}
		case *types.AttributeValueMemberBS:
			if s.elem.kind == shapeBytes {
				for _, b := range v.Value {
					if len(b) != s.elem.n {
						return nil, fmt.Errorf("a binary of %d bytes does not fit %s", len(b), s.elem.t)
					}
				}
			}
		}
	}
	return av, nil
}

// cleanMap returns the attributes of m that name a field of struct shape
// s exactly, cleaned, and whether that is not m itself.
func (s *shape) cleanMap(m map[string]types.AttributeValue) (map[string]types.AttributeValue, bool, error) {
	changed := false
	for k := range m {
		if _, ok := s.fields[k]; !ok {
			changed = true
			break
		}
	}
	out := m
	if changed {
		out = make(map[string]types.AttributeValue, len(s.fields))
	}
	for k, e := range m {
		fs, ok := s.fields[k]
		if !ok {
			continue
		}
		c, err := fs.clean(e)
		if err != nil {
			return nil, false, fmt.Errorf("attribute %q: %w", k, err)
		}
		if c != e && !changed {
			changed = true
			out = make(map[string]types.AttributeValue, len(m))
			for k2, e2 := range m {
				out[k2] = e2
			}
		}
		if changed {
			out[k] = c
		}
	}
	return out, changed, nil
}

// cleanItem returns the stored item as attributevalue's Decoder should
// see it when it decodes an entity of shape s: without the library's key
// attributes, and for a struct without any attribute that does not name a
// field exactly. The item is not changed.
func (s *shape) cleanItem(item backend.Item) (backend.Item, error) {
	if s.kind != shapeStruct {
		// The type decodes itself: it gets all but the library's keys.
		out := make(backend.Item, len(item))
		for k, v := range item {
			if !entity.IsKeyAttribute(k) {
				out[k] = v
			}
		}
		return out, nil
	}
	out, changed, err := s.cleanMap(item)
	if err != nil {
		return nil, err
	}
	for k := range out {
		if entity.IsKeyAttribute(k) {
			if !changed {
				out, changed = maps.Clone(out), true
			}
			delete(out, k) // never a field's, even one tagged "PK"
		}
	}
	return out, nil
}

// foldsTo returns a field name of struct shape s that equals name under
// Unicode case folding but is not name, or "".
func (s *shape) foldsTo(name string) string {
	if s == nil || s.kind != shapeStruct {
		return ""
	}
	for f := range s.fields {
		if f != name && strings.EqualFold(f, name) {
			return f
		}
	}
	return ""
}
