package repo

import (
	"fmt"
	"maps"
	"math/big"
	"reflect"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/expreval"
	"github.com/tenantrepo/tenantrepo/entity"
)

// checkCallerUpdate checks a caller's update expression, built on its own
// (callerExpr), before it is sent:
//
//   - it names neither the keys, nor the version, nor an indexed attribute
//     (checkCallerNames);
//   - an attribute it may create (the target of a SET or an ADD) does not
//     differ only in case from one of the type's attributes or of the
//     library's: attributevalue would have read it into that field;
//   - every value it writes as given (SET to a value, or to
//     if_not_exists or list_append of one; the value of an ADD or a
//     DELETE), and the Number that arithmetic makes, decodes into the Go
//     type of the field it lands in, as the entity type is read, with its
//     numbers as spelled and as normalized; a number that lands in an
//     integer field, or is added to one, is an integer spelled as
//     DynamoDB returns it (checkWrittenValues).
//
// What depends on the stored item (a SET that copies another attribute,
// a sum that does not fit the field) cannot be known here: see
// ErrApplied. An update the package cannot parse is left to the backend,
// which refuses it.
func (r *Repository[T]) checkCallerUpdate(e backend.Expressions) error {
	names := make([]string, 0, len(e.Names))
	for _, n := range e.Names {
		names = append(names, n)
	}
	if err := r.checkCallerNames(names); err != nil {
		return err
	}
	u, err := expreval.ParseUpdate(e.Update, e.Names, e.Values)
	if err != nil {
		return nil // the backend refuses it, and says why
	}
	for _, a := range u.Actions() {
		if a.Kind == "SET" || a.Kind == "ADD" {
			if err := r.checkCreates(a.Target); err != nil {
				return err
			}
		}
		if err := r.checkWrittenValues(a); err != nil {
			return err
		}
	}
	return nil
}

// foldedKeyAttribute returns the library's key attribute that name equals
// under case folding without being it, or "".
func foldedKeyAttribute(name string) string {
	for _, k := range keyAttributes {
		if k != name && strings.EqualFold(k, name) {
			return k
		}
	}
	return ""
}

// keyAttributes are the attributes the library writes: PK, SK and the keys
// of every index slot.
var keyAttributes = entity.KeyAttributes()

// checkAttrName refuses an attribute name a write would create that
// differs only in case from one of the library's attributes, or from one
// of the type's that the name is not.
func (r *Repository[T]) checkAttrName(name string) error {
	if has(r.attrs, name) {
		return nil // the type's own, such as a field tagged "pk"
	}
	if k := foldedKeyAttribute(name); k != "" {
		return fmt.Errorf("attribute %q differs only in case from the library's attribute %q", name, k)
	}
	if f := r.shape.foldsTo(name); f != "" {
		return fmt.Errorf("attribute %q differs only in case from %s's attribute %q", name, r.typeName, f)
	}
	return nil
}

// checkCreates refuses a path whose top-level attribute, or a key of a
// struct field on its way, differs only in case from a name of the type.
func (r *Repository[T]) checkCreates(target []expreval.PathStep) error {
	if len(target) == 0 {
		return nil
	}
	if err := r.checkAttrName(target[0].Name); err != nil {
		return err
	}
	s := r.shape.field(target[0].Name)
	for i, st := range target[1:] {
		switch {
		case s == nil:
			return nil
		case st.Index >= 0:
			s = s.step(st.Index, "")
		default:
			if f := s.foldsTo(st.Name); f != "" {
				return fmt.Errorf("path %s: %q differs only in case from the field %q of %s", pathString(target[:i+2]), st.Name, f, s.t)
			}
			s = s.step(-1, st.Name)
		}
	}
	return nil
}

// field returns the shape of struct shape s's attribute name, or nil.
func (s *shape) field(name string) *shape {
	if s == nil || s.kind != shapeStruct {
		return nil
	}
	return s.fields[name]
}

// step returns the shape a path step from s leads to, or nil when unknown:
// an index (index >= 0) into a list, else a key of a map or a field of a
// struct.
func (s *shape) step(index int, name string) *shape {
	switch {
	case s == nil:
		return nil
	case index >= 0:
		if s.kind == shapeList {
			return s.elem
		}
	case s.kind == shapeMap:
		return s.elem
	case s.kind == shapeStruct:
		return s.fields[name]
	}
	return nil
}

func pathString(p []expreval.PathStep) string {
	var b strings.Builder
	for i, s := range p {
		switch {
		case s.Index >= 0:
			fmt.Fprintf(&b, "[%d]", s.Index)
		case i > 0:
			b.WriteString("." + s.Name)
		default:
			b.WriteString(s.Name)
		}
	}
	return b.String()
}

// zeroNumber stands for the Number arithmetic or an ADD of a number makes,
// whose value depends on the stored item.
var zeroNumber = &types.AttributeValueMemberN{Value: "0"}

// checkWrittenValues refuses an action that writes, as given, a value that
// does not decode into the field its target lands in, as any backend may
// store it. Targets outside the type's fields are not read back, and are
// not checked.
//
// DynamoDB returns top-level numbers normalized ("13.0" as 13) but keeps
// the spelling of numbers inside maps and lists, and DynamoDB Local keeps
// the spelling of every number an update writes. So a value must decode
// both as spelled and with its numbers normalized; and a number that lands
// in an integer field, at any depth, or that is added to one, must be an
// integer spelled as DynamoDB returns it ("7", "-12"; not "7.0", "1E2",
// "+7", "007" or "-0"), so that what is stored is the same on every
// backend and decodes on all of them. (A DELETE stores nothing: its value
// is only decoded, normalized, to check that its type fits.)
func (r *Repository[T]) checkWrittenValues(a expreval.Action) error {
	if a.Value == nil || len(a.Target) == 0 || r.shape.field(a.Target[0].Name) == nil {
		return nil
	}
	var vals, addends []types.AttributeValue
	switch a.Kind {
	case "SET":
		vals, addends = storedValues(a.Value, nil, nil)
	case "ADD", "DELETE":
		switch v := a.Value.Value.(type) {
		case *types.AttributeValueMemberN:
			vals, addends = []types.AttributeValue{zeroNumber}, []types.AttributeValue{v}
		case nil:
		default:
			vals = []types.AttributeValue{v}
		}
	}
	// A number added to an integer field must be an integer, spelled
	// plainly (DynamoDB Local keeps the spelling a sum takes from it:
	// 7 + 0.0 is stored as 7.0), no larger than the width of the field's
	// range, or the sum never fits; whether it stays in range depends on
	// the item.
	if s := r.targetShape(a.Target); s != nil && isInteger(s.t) {
		width := new(big.Rat).SetInt(new(big.Int).Lsh(big.NewInt(1), uint(s.t.Bits())))
		for _, v := range addends {
			n, ok := v.(*types.AttributeValueMemberN)
			if !ok {
				continue
			}
			if !plainInteger(n.Value) {
				return fmt.Errorf("%s %s: adding %s to a %s: a number added to an integer field must be an integer spelled as DynamoDB returns it (such as 7 or -12)", a.Kind, pathString(a.Target), n.Value, s.t)
			}
			if x, ok := new(big.Rat).SetString(n.Value); ok && x.Abs(x).Cmp(width) >= 0 {
				return fmt.Errorf("%s %s: adding %s to a %s never gives a %s", a.Kind, pathString(a.Target), n.Value, s.t, s.t)
			}
		}
	}
	for _, v := range vals {
		// The value where the target puts it, in an item of its own.
		for i := len(a.Target) - 1; i > 0; i-- {
			if st := a.Target[i]; st.Index >= 0 {
				v = &types.AttributeValueMemberL{Value: []types.AttributeValue{v}}
			} else {
				v = &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{st.Name: v}}
			}
		}
		// The forms it may be stored in: as written (inside maps and lists
		// on DynamoDB, everywhere on DynamoDB Local) and normalized
		// (top-level numbers on DynamoDB and the memory backend).
		forms := []types.AttributeValue{v}
		if a.Kind == "DELETE" {
			forms[0] = storedNumbers(v) // only compared, never stored
		} else {
			if err := checkIntegerSpelling(v, r.shape.field(a.Target[0].Name), a.Target[0].Name); err != nil {
				return fmt.Errorf("%s %s: %w", a.Kind, pathString(a.Target), err)
			}
			if n := storedNumbers(v); n != v {
				forms = append(forms, n)
			}
		}
		for _, f := range forms {
			var t T
			if err := r.decodeItem(backend.Item{a.Target[0].Name: f}, &t); err != nil {
				return fmt.Errorf("%s %s: the value does not decode into %s: %w", a.Kind, pathString(a.Target), r.typeName, err)
			}
		}
	}
	return nil
}

// checkIntegerSpelling refuses a number in av, the value at path that
// decodes into shape s, that lands in an integer field and is not an
// integer spelled as DynamoDB returns it (plainInteger).
func checkIntegerSpelling(av types.AttributeValue, s *shape, path string) error {
	if s == nil {
		return nil
	}
	switch v := av.(type) {
	case *types.AttributeValueMemberN:
		if isInteger(s.t) && !plainInteger(v.Value) {
			return fmt.Errorf("the number %s at %s lands in a field of type %s, which takes only integers spelled as DynamoDB returns them (such as 7 or -12)", v.Value, path, s.t)
		}
	case *types.AttributeValueMemberNS:
		if s.kind == shapeList && s.elem != nil && isInteger(s.elem.t) {
			for _, n := range v.Value {
				if !plainInteger(n) {
					return fmt.Errorf("the number %s in the set at %s lands in a field of type %s, which takes only integers spelled as DynamoDB returns them (such as 7 or -12)", n, path, s.elem.t)
				}
			}
		}
	case *types.AttributeValueMemberL:
		if s.kind == shapeList {
			for i, e := range v.Value {
				if err := checkIntegerSpelling(e, s.elem, fmt.Sprintf("%s[%d]", path, i)); err != nil {
					return err
				}
			}
		}
	case *types.AttributeValueMemberM:
		for _, k := range slices.Sorted(maps.Keys(v.Value)) {
			if err := checkIntegerSpelling(v.Value[k], s.step(-1, k), path+"."+k); err != nil {
				return err
			}
		}
	}
	return nil
}

// plainInteger reports whether n is an integer spelled as DynamoDB returns
// it once stored at the top level: an optional "-" and ASCII digits,
// without leading zeros, and not "-0".
func plainInteger(n string) bool {
	if n == "" || strings.ContainsAny(n, ".eE") || backend.ValidateNumber(n) != nil {
		return false
	}
	return backend.NormalizeNumber(n) == n
}

// storedValues adds to vals the values a SET operand may store as they
// are given: a value; the fallback of if_not_exists; each value
// list_append appends (a list, as the result is); for arithmetic a Number,
// whose operands that are values, or the fallbacks of if_not_exists, it
// adds to addends.
func storedValues(o *expreval.Operand, vals, addends []types.AttributeValue) ([]types.AttributeValue, []types.AttributeValue) {
	switch o.Kind {
	case "value":
		vals = append(vals, o.Value)
	case "if_not_exists":
		if len(o.Args) == 2 {
			vals, addends = storedValues(o.Args[1], vals, addends)
		}
	case "list_append":
		for _, a := range o.Args {
			vals, addends = storedValues(a, vals, addends)
		}
	case "+", "-":
		vals = append(vals, zeroNumber)
		for _, a := range o.Args {
			addends = append(addends, operandValues(a)...)
		}
	}
	return vals, addends
}

// operandValues returns the values an operand of + or - may take as given:
// a value, or the fallback of if_not_exists.
func operandValues(o *expreval.Operand) []types.AttributeValue {
	switch o.Kind {
	case "value":
		return []types.AttributeValue{o.Value}
	case "if_not_exists":
		if len(o.Args) == 2 {
			return operandValues(o.Args[1])
		}
	}
	return nil
}

// targetShape returns the shape of the field a path lands in, or nil when
// it is not known.
func (r *Repository[T]) targetShape(target []expreval.PathStep) *shape {
	if len(target) == 0 {
		return nil
	}
	s := r.shape.field(target[0].Name)
	for _, st := range target[1:] {
		s = s.step(st.Index, st.Name)
	}
	return s
}

// isInteger reports whether t is an integer kind attributevalue decodes
// Numbers into as such (not an Unmarshaler).
func isInteger(t reflect.Type) bool {
	if t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType) {
		return false
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return true
	}
	return false
}

// storedNumbers returns av with its numbers as DynamoDB returns them once
// stored at the top level (backend.NormalizeNumber), at every depth: av
// itself when they already are.
func storedNumbers(av types.AttributeValue) types.AttributeValue {
	switch v := av.(type) {
	case *types.AttributeValueMemberN:
		if n := backend.NormalizeNumber(v.Value); n != v.Value {
			return &types.AttributeValueMemberN{Value: n}
		}
	case *types.AttributeValueMemberNS:
		for i, n := range v.Value {
			if backend.NormalizeNumber(n) != n {
				ns := slices.Clone(v.Value)
				for j := i; j < len(ns); j++ {
					ns[j] = backend.NormalizeNumber(ns[j])
				}
				return &types.AttributeValueMemberNS{Value: ns}
			}
		}
	case *types.AttributeValueMemberL:
		for i, e := range v.Value {
			if n := storedNumbers(e); n != e {
				l := slices.Clone(v.Value)
				l[i] = n
				for j := i + 1; j < len(l); j++ {
					l[j] = storedNumbers(l[j])
				}
				return &types.AttributeValueMemberL{Value: l}
			}
		}
	case *types.AttributeValueMemberM:
		var m map[string]types.AttributeValue
		for k, e := range v.Value {
			if n := storedNumbers(e); n != e {
				if m == nil {
					m = maps.Clone(v.Value)
				}
				m[k] = n
			}
		}
		if m != nil {
			return &types.AttributeValueMemberM{Value: m}
		}
	}
	return av
}
