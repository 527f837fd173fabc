// Package codec is the repository's per-type codec: it encodes and decodes
// the entities of one type as attributevalue's Encoder and Decoder with
// their default options do, with the work that depends only on the type
// (which fields, under which names, of which kinds, with which tag
// options) done once, when the repository is made, and field access by
// offset. It is the module's only user of package unsafe.
//
// It handles what most entity types are: structs of plain fields (strings,
// booleans, integers, floats, []byte and []string, under names of their
// own), and nothing it is not sure of. For returns nil for any other type
// (an embedded struct, a pointer, a map, a nested struct, a time.Time, a
// field whose type has methods, which could be attributevalue's
// (Un)Marshaler, a tag option it does not take), and the repository then
// uses attributevalue for that type. Like the repository's attributevalue
// path (repo's shape), Decode reads only the attributes whose names are
// exactly a field's, and skips the others, the library's keys among them.
// Decode reports false for an item it is not sure of (a value of another
// kind than the field's, a number that does not fit), which the repository
// then decodes with attributevalue, so results and errors are that path's
// in every case. The package's tests check all of it against
// attributevalue, on generated struct types and values.
//
// Decoding shares no mutable memory with the item: strings are immutable,
// and []byte and []string fields get new backing arrays, as attributevalue
// gives them. So a type with a codec can decode items a backend lends
// (backend.Lender) without copying them first.
package codec

import (
	"math"
	"reflect"
	"strconv"
	"strings"
	"unsafe"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/backend"
)

// A codec is the type-independent part of Codec: the fields of one struct
// type, by offset, and how to encode and decode each.
type codec struct {
	fields []codecField
	byName map[string]int
	// names finds fields by name faster than byName: an open-addressing
	// table of field index+1 (0: empty) by nameHash.
	names []int32
	// Upper bounds of the S, N and BOOL values an encoded item holds, so
	// that encode allocates each kind of value once per item.
	nS, nN, nBool int
}

type fieldKind uint8

const (
	kindString  fieldKind = iota + 1
	kindBool              // bool
	kindInt               // int, int8, ... int64
	kindUint              // uint, uint8, ... uint64
	kindFloat             // float32, float64
	kindStrings           // []string: a list, or a string set with ",stringset"
	kindBytes             // []byte
)

type codecField struct {
	name   string
	kind   fieldKind
	offset uintptr // in the struct
	size   uintptr // of ints, uints and floats, in bytes
	tag    Tag
}

// Tag is the part of a field's dynamodbav tag that attributevalue reads,
// parsed as attributevalue parses it.
type Tag struct {
	Name                                   string // the attribute's name; "" for the field's
	Ignore                                 bool   // "-": not stored
	omitEmpty, omitEmptyElem               bool
	nullEmpty, nullEmptyElem               bool
	asString, asBinSet, asNumSet, asStrSet bool
}

// ParseTag parses a dynamodbav struct tag as attributevalue does.
func ParseTag(s string) Tag {
	var t Tag
	if s == "" {
		return t
	}
	parts := strings.Split(s, ",")
	if parts[0] == "-" {
		t.Ignore = true
	} else {
		t.Name = parts[0]
	}
	for _, opt := range parts[1:] {
		switch opt {
		case "omitempty":
			t.omitEmpty = true
		case "omitemptyelem":
			t.omitEmptyElem = true
		case "nullempty":
			t.nullEmpty = true
		case "nullemptyelem":
			t.nullEmptyElem = true
		case "string":
			t.asString = true
		case "binaryset":
			t.asBinSet = true
		case "numberset":
			t.asNumSet = true
		case "stringset":
			t.asStrSet = true
		}
	}
	return t
}

var (
	marshalerType   = reflect.TypeFor[attributevalue.Marshaler]()
	unmarshalerType = reflect.TypeFor[attributevalue.Unmarshaler]()
	bytesType       = reflect.TypeFor[[]byte]()
)

// hasMethods reports whether t or *t has exported methods: such a type may
// be an attributevalue (Un)Marshaler or a number type it treats apart.
func hasMethods(t reflect.Type) bool {
	return t.NumMethod() > 0 || reflect.PointerTo(t).NumMethod() > 0
}

// UnsafePointer is unsafe.Pointer, for the tests that check that a type with
// such a field is refused, so that this package stays the module's only
// importer of unsafe.
type UnsafePointer = unsafe.Pointer

// Codec encodes and decodes the values of struct type T (see the package
// documentation). Make one with For.
type Codec[T any] struct{ c *codec }

// For returns the codec of T, or nil when T is not a type it handles
// exactly as attributevalue does.
func For[T any]() *Codec[T] {
	c := compileCodec(reflect.TypeFor[T]())
	if c == nil {
		return nil
	}
	return &Codec[T]{c}
}

// Encode returns the item of *v, as attributevalue's Encoder encodes it,
// with room for extra more attributes, and at least extra string values
// that the caller may use for them.
func (c *Codec[T]) Encode(v *T, extra int) (backend.Item, []types.AttributeValueMemberS) {
	return c.c.encode(unsafe.Pointer(v), extra)
}

// Decode sets the fields of the zero *v from item, as attributevalue's
// Decoder does from the item's attributes that name a field exactly, and
// reports true; or it reports false, having maybe set some fields, when the
// item holds anything it leaves to attributevalue.
func (c *Codec[T]) Decode(item backend.Item, v *T) bool {
	return c.c.decode(item, unsafe.Pointer(v))
}

// RoundTrip sets the zero *dst to what decoding the item Encode makes of
// *src gives, without making the item, and reports true; or it reports
// false, having maybe set some fields, when decoding that item would fail
// (see roundTrip). It is exact for items that pass backend.CheckItem,
// which the repository makes sure of before it writes.
func (c *Codec[T]) RoundTrip(src, dst *T) bool {
	return c.c.roundTrip(unsafe.Pointer(src), unsafe.Pointer(dst))
}

// compileCodec returns the codec of struct type t, or nil when t is not a
// type it handles exactly as attributevalue does.
func compileCodec(t reflect.Type) *codec {
	if t.Kind() != reflect.Struct {
		return nil
	}
	for _, x := range []reflect.Type{t, reflect.PointerTo(t)} {
		if x.Implements(marshalerType) || x.Implements(unmarshalerType) {
			return nil
		}
	}
	c := &codec{byName: make(map[string]int)}
	for i := range t.NumField() {
		sf := t.Field(i)
		if sf.Anonymous {
			return nil // attributevalue's embedding rules: not ours
		}
		if !sf.IsExported() {
			continue
		}
		tag := ParseTag(sf.Tag.Get("dynamodbav"))
		if tag.Ignore {
			continue
		}
		f := codecField{name: tag.Name, offset: sf.Offset, tag: tag}
		if f.name == "" {
			f.name = sf.Name
		}
		if _, dup := c.byName[f.name]; dup {
			return nil // attributevalue's rules for clashing names: not ours
		}
		ft := sf.Type
		if hasMethods(ft) {
			return nil
		}
		switch ft.Kind() {
		case reflect.String:
			f.kind = kindString
		case reflect.Bool:
			f.kind = kindBool
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			f.kind, f.size = kindInt, ft.Size()
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			f.kind, f.size = kindUint, ft.Size()
		case reflect.Float32, reflect.Float64:
			f.kind, f.size = kindFloat, ft.Size()
		case reflect.Slice:
			switch el := ft.Elem(); {
			case ft == bytesType:
				f.kind = kindBytes
			case el.Kind() == reflect.String && !hasMethods(el):
				f.kind = kindStrings
			default:
				return nil
			}
		default:
			return nil
		}
		switch {
		case tag.omitEmpty && tag.nullEmpty, // an error in attributevalue
			tag.asBinSet, tag.asNumSet, tag.nullEmptyElem,
			tag.asStrSet && f.kind != kindStrings,
			tag.asString && f.kind != kindString && f.kind != kindInt && f.kind != kindUint && f.kind != kindFloat:
			return nil
		}
		switch {
		case f.kind == kindBool:
			c.nBool++
		case f.kind == kindString || tag.asString:
			c.nS++
		case f.kind == kindInt || f.kind == kindUint || f.kind == kindFloat:
			c.nN++
		}
		c.byName[f.name] = len(c.fields)
		c.fields = append(c.fields, f)
	}
	// The attributes the library writes never name a field (decode skips
	// them); a type with a field named like one is left to the
	// repository's checks.
	for _, f := range c.fields {
		if backend.IsKeyAttribute(f.name) {
			return nil
		}
	}
	size := 8
	for size < 4*len(c.fields) {
		size *= 2
	}
	c.names = make([]int32, size)
	for i, f := range c.fields {
		h := nameHash(f.name)
		for c.names[h&uint32(size-1)] != 0 {
			h++
		}
		c.names[h&uint32(size-1)] = int32(i + 1)
	}
	return c
}

// nameHash is a cheap hash of an attribute name, from its length and three
// of its bytes: enough to tell a type's field names apart, mostly.
func nameHash(s string) uint32 {
	if s == "" {
		return 0
	}
	return uint32(len(s))*0x9E3779B1 ^ uint32(s[0])*0x85EBCA77 ^ uint32(s[len(s)/2])*0xC2B2AE3D ^ uint32(s[len(s)-1])*0x27D4EB2F
}

// field returns the index of the field named name, or -1.
func (c *codec) field(name string) int {
	mask := uint32(len(c.names) - 1)
	for h := nameHash(name); ; h++ {
		i := c.names[h&mask]
		if i == 0 {
			return -1
		}
		if c.fields[i-1].name == name {
			return int(i - 1)
		}
	}
}

// encode is Encode, for the struct at p.
func (c *codec) encode(p unsafe.Pointer, extra int) (backend.Item, []types.AttributeValueMemberS) {
	item := make(backend.Item, len(c.fields)+extra)
	ss := make([]types.AttributeValueMemberS, c.nS+extra)
	var ns []types.AttributeValueMemberN
	if c.nN > 0 {
		ns = make([]types.AttributeValueMemberN, c.nN)
	}
	var bs []types.AttributeValueMemberBOOL
	if c.nBool > 0 {
		bs = make([]types.AttributeValueMemberBOOL, c.nBool)
	}
	str := func(s string) types.AttributeValue {
		v := &ss[0]
		ss = ss[1:]
		v.Value = s
		return v
	}
	num := func(s string, asString bool) types.AttributeValue {
		if asString {
			return str(s)
		}
		v := &ns[0]
		ns = ns[1:]
		v.Value = s
		return v
	}
	for i := range c.fields {
		f := &c.fields[i]
		fp := unsafe.Add(p, f.offset)
		var zero bool
		switch f.kind {
		case kindString:
			zero = *(*string)(fp) == ""
		case kindBool:
			zero = !*(*bool)(fp)
		case kindInt:
			zero = loadInt(fp, f.size) == 0
		case kindUint:
			zero = loadUint(fp, f.size) == 0
		case kindFloat:
			zero = loadFloat(fp, f.size) == 0
		case kindStrings:
			zero = *(*[]string)(fp) == nil
		case kindBytes:
			zero = *(*[]byte)(fp) == nil
		}
		if zero {
			switch {
			case f.tag.omitEmpty:
				continue
			case f.tag.nullEmpty || f.kind == kindStrings || f.kind == kindBytes:
				item[f.name] = &types.AttributeValueMemberNULL{Value: true}
				continue
			}
		}
		var av types.AttributeValue
		switch f.kind {
		case kindString:
			av = str(*(*string)(fp))
		case kindBool:
			v := &bs[0]
			bs = bs[1:]
			v.Value = *(*bool)(fp)
			av = v
		case kindInt:
			av = num(strconv.FormatInt(loadInt(fp, f.size), 10), f.tag.asString)
		case kindUint:
			av = num(strconv.FormatUint(loadUint(fp, f.size), 10), f.tag.asString)
		case kindFloat:
			av = num(strconv.FormatFloat(loadFloat(fp, f.size), 'f', -1, int(f.size*8)), f.tag.asString)
		case kindBytes:
			av = &types.AttributeValueMemberB{Value: append([]byte{}, *(*[]byte)(fp)...)}
		case kindStrings:
			av = encodeStrings(*(*[]string)(fp), f.tag)
		}
		item[f.name] = av
	}
	return item, ss
}

// encodeStrings encodes a non-nil []string as attributevalue does: a string
// set with ",stringset" (NULL when empty), else a list; with
// ",omitemptyelem" without its empty strings.
func encodeStrings(s []string, tag Tag) types.AttributeValue {
	if tag.asStrSet {
		if len(s) == 0 {
			return &types.AttributeValueMemberNULL{Value: true}
		}
		set := make([]string, 0, len(s))
		for _, e := range s {
			if e != "" || !tag.omitEmptyElem {
				set = append(set, e)
			}
		}
		return &types.AttributeValueMemberSS{Value: set}
	}
	list := make([]types.AttributeValue, 0, len(s))
	elems := make([]types.AttributeValueMemberS, len(s))
	for i, e := range s {
		if e != "" || !tag.omitEmptyElem {
			elems[i].Value = e
			list = append(list, &elems[i])
		}
	}
	return &types.AttributeValueMemberL{Value: list}
}

func loadInt(p unsafe.Pointer, size uintptr) int64 {
	switch size {
	case 1:
		return int64(*(*int8)(p))
	case 2:
		return int64(*(*int16)(p))
	case 4:
		return int64(*(*int32)(p))
	}
	return *(*int64)(p)
}

func loadUint(p unsafe.Pointer, size uintptr) uint64 {
	switch size {
	case 1:
		return uint64(*(*uint8)(p))
	case 2:
		return uint64(*(*uint16)(p))
	case 4:
		return uint64(*(*uint32)(p))
	}
	return *(*uint64)(p)
}

func loadFloat(p unsafe.Pointer, size uintptr) float64 {
	if size == 4 {
		return float64(*(*float32)(p))
	}
	return *(*float64)(p)
}

// decode sets the fields of the zero struct at p from item, as
// attributevalue's Decoder does, and reports true; or it reports false,
// having maybe set some fields, when the item holds anything it leaves to
// attributevalue.
func (c *codec) decode(item backend.Item, p unsafe.Pointer) bool {
	for name, av := range item {
		i := c.field(name)
		if i < 0 {
			continue // not exactly a field's name (as repo's shape.cleanItem)
		}
		if !c.fields[i].decode(av, unsafe.Add(p, c.fields[i].offset)) {
			return false
		}
	}
	return true
}

// decode sets the zero field at fp from av, or reports false.
func (f *codecField) decode(av types.AttributeValue, fp unsafe.Pointer) bool {
	var num string // the number to decode, for numeric kinds
	switch v := av.(type) {
	case nil, *types.AttributeValueMemberNULL:
		return true // the zero value, which the field holds
	case *types.AttributeValueMemberS:
		switch {
		case f.kind == kindString:
			*(*string)(fp) = v.Value
			return true
		case f.tag.asString:
			num = v.Value
		default:
			return false
		}
	case *types.AttributeValueMemberN:
		if f.kind == kindString {
			*(*string)(fp) = v.Value
			return true
		}
		num = v.Value
	case *types.AttributeValueMemberBOOL:
		if f.kind != kindBool {
			return false
		}
		*(*bool)(fp) = v.Value
		return true
	case *types.AttributeValueMemberSS:
		return f.decodeStrings(v.Value, fp)
	case *types.AttributeValueMemberNS:
		return f.decodeStrings(v.Value, fp)
	case *types.AttributeValueMemberL:
		if f.kind != kindStrings {
			return false
		}
		s := make([]string, len(v.Value))
		for i, e := range v.Value {
			switch e := e.(type) {
			case nil, *types.AttributeValueMemberNULL:
			case *types.AttributeValueMemberS:
				s[i] = e.Value
			case *types.AttributeValueMemberN:
				s[i] = e.Value
			default:
				return false
			}
		}
		*(*[]string)(fp) = s
		return true
	case *types.AttributeValueMemberB:
		if f.kind != kindBytes {
			return false
		}
		*(*[]byte)(fp) = append(make([]byte, 0, len(v.Value)), v.Value...)
		return true
	default:
		return false
	}
	switch f.kind {
	case kindInt:
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil || (f.size < 8 && (n < -1<<(f.size*8-1) || n >= 1<<(f.size*8-1))) {
			return false
		}
		switch f.size {
		case 1:
			*(*int8)(fp) = int8(n)
		case 2:
			*(*int16)(fp) = int16(n)
		case 4:
			*(*int32)(fp) = int32(n)
		default:
			*(*int64)(fp) = n
		}
	case kindUint:
		n, err := strconv.ParseUint(num, 10, 64)
		if err != nil || (f.size < 8 && n >= 1<<(f.size*8)) {
			return false
		}
		switch f.size {
		case 1:
			*(*uint8)(fp) = uint8(n)
		case 2:
			*(*uint16)(fp) = uint16(n)
		case 4:
			*(*uint32)(fp) = uint32(n)
		default:
			*(*uint64)(fp) = n
		}
	case kindFloat:
		x, err := strconv.ParseFloat(num, 64)
		if err != nil {
			return false
		}
		if f.size == 4 {
			if a := math.Abs(x); math.MaxFloat32 < a && a <= math.MaxFloat64 {
				return false // reflect's OverflowFloat
			}
			*(*float32)(fp) = float32(x)
		} else {
			*(*float64)(fp) = x
		}
	default:
		return false
	}
	return true
}

// roundTrip sets the zero struct at dst to what decoding the item encode
// makes of the struct at src gives, without the item: the fields copied
// (slices to new arrays), as they come back from their attribute values;
// the fields no attribute holds left zero. It is exact for items that pass
// backend.CheckItem, which the repository makes sure of before it writes:
// the numbers encode writes parse back to the same values (float32s are
// made as attributevalue makes them), sets have no empty strings left to
// drop (an empty set is refused), and so on. It reports false for a
// float32 whose digits parse, as a float64, above the float32 range (the
// largest float32s), which attributevalue's Decoder refuses to decode: the
// caller must then decode the item, and fail as that does.
func (c *codec) roundTrip(src, dst unsafe.Pointer) bool {
	for i := range c.fields {
		f := &c.fields[i]
		sp, dp := unsafe.Add(src, f.offset), unsafe.Add(dst, f.offset)
		switch f.kind {
		case kindString:
			*(*string)(dp) = *(*string)(sp)
		case kindBool:
			*(*bool)(dp) = *(*bool)(sp)
		case kindInt, kindUint:
			copy(unsafe.Slice((*byte)(dp), f.size), unsafe.Slice((*byte)(sp), f.size))
		case kindFloat:
			if loadFloat(sp, f.size) == 0 && (f.tag.omitEmpty || f.tag.nullEmpty) {
				continue // -0 too: not stored, so decoded as 0
			}
			if f.size == 4 {
				// attributevalue parses the float32's digits as a float64.
				x, _ := strconv.ParseFloat(strconv.FormatFloat(float64(*(*float32)(sp)), 'f', -1, 32), 64)
				if a := math.Abs(x); math.MaxFloat32 < a && a <= math.MaxFloat64 {
					return false // reflect's OverflowFloat, as in decode
				}
				*(*float32)(dp) = float32(x)
			} else {
				*(*float64)(dp) = *(*float64)(sp)
			}
		case kindBytes:
			if b := *(*[]byte)(sp); b != nil {
				*(*[]byte)(dp) = append(make([]byte, 0, len(b)), b...)
			}
		case kindStrings:
			s := *(*[]string)(sp)
			if s == nil || (f.tag.asStrSet && len(s) == 0) {
				continue // NULL
			}
			n := len(s)
			if f.tag.omitEmptyElem {
				n = 0
				for _, e := range s {
					if e != "" {
						n++
					}
				}
			}
			out := make([]string, 0, n)
			for _, e := range s {
				if e != "" || !f.tag.omitEmptyElem {
					out = append(out, e)
				}
			}
			*(*[]string)(dp) = out
		}
	}
	return true
}

// decodeStrings decodes a string or number set into a []string field.
func (f *codecField) decodeStrings(set []string, fp unsafe.Pointer) bool {
	if f.kind != kindStrings {
		return false
	}
	*(*[]string)(fp) = append(make([]string, 0, len(set)), set...)
	return true
}
