package isnil

import "reflect"

// Is reports whether v is nil or holds a nil pointer, map, func, slice,
// channel or interface: a typed nil backend (a (*memory.Store)(nil)) is
// not == nil, and panics at its first call, in a goroutine of the
// caller's or of the library's own.
func Is(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Func, reflect.Interface, reflect.Slice, reflect.Chan:
		return rv.IsNil()
	}
	return false
}
