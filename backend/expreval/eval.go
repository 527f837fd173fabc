package expreval

import (
	"bytes"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/backend"
)

// typeName returns DynamoDB's name of the type of v ("S", "N", ...), or ""
// for nil or an unknown member.
func typeName(v types.AttributeValue) string {
	switch v.(type) {
	case *types.AttributeValueMemberS:
		return "S"
	case *types.AttributeValueMemberN:
		return "N"
	case *types.AttributeValueMemberB:
		return "B"
	case *types.AttributeValueMemberBOOL:
		return "BOOL"
	case *types.AttributeValueMemberNULL:
		return "NULL"
	case *types.AttributeValueMemberSS:
		return "SS"
	case *types.AttributeValueMemberNS:
		return "NS"
	case *types.AttributeValueMemberBS:
		return "BS"
	case *types.AttributeValueMemberL:
		return "L"
	case *types.AttributeValueMemberM:
		return "M"
	}
	return ""
}

// equal reports whether a and b are the same value, as DynamoDB's = sees
// it: of one type, numbers equal by value, sets with the same members in
// any order, lists and maps equal element by element.
func equal(a, b types.AttributeValue) bool {
	switch a := a.(type) {
	case *types.AttributeValueMemberS:
		b, ok := b.(*types.AttributeValueMemberS)
		return ok && a.Value == b.Value
	case *types.AttributeValueMemberN:
		b, ok := b.(*types.AttributeValueMemberN)
		return ok && backend.CompareNumbers(a.Value, b.Value) == 0
	case *types.AttributeValueMemberB:
		b, ok := b.(*types.AttributeValueMemberB)
		return ok && bytes.Equal(a.Value, b.Value)
	case *types.AttributeValueMemberBOOL:
		b, ok := b.(*types.AttributeValueMemberBOOL)
		return ok && a.Value == b.Value
	case *types.AttributeValueMemberNULL:
		_, ok := b.(*types.AttributeValueMemberNULL)
		return ok
	case *types.AttributeValueMemberSS:
		b, ok := b.(*types.AttributeValueMemberSS)
		return ok && sameMembers(a.Value, b.Value, func(s string) string { return s })
	case *types.AttributeValueMemberNS:
		b, ok := b.(*types.AttributeValueMemberNS)
		return ok && sameMembers(a.Value, b.Value, backend.CanonicalNumber)
	case *types.AttributeValueMemberBS:
		b, ok := b.(*types.AttributeValueMemberBS)
		return ok && sameMembers(a.Value, b.Value, func(b []byte) string { return string(b) })
	case *types.AttributeValueMemberL:
		b, ok := b.(*types.AttributeValueMemberL)
		if !ok || len(a.Value) != len(b.Value) {
			return false
		}
		for i := range a.Value {
			if !equal(a.Value[i], b.Value[i]) {
				return false
			}
		}
		return true
	case *types.AttributeValueMemberM:
		b, ok := b.(*types.AttributeValueMemberM)
		if !ok || len(a.Value) != len(b.Value) {
			return false
		}
		for k, av := range a.Value {
			bv, ok := b.Value[k]
			if !ok || !equal(av, bv) {
				return false
			}
		}
		return true
	}
	return false
}

// sameMembers reports whether two sets, whose members key maps to
// comparable strings, hold the same members.
func sameMembers[E any](a, b []E, key func(E) string) bool {
	if len(a) != len(b) {
		return false
	}
	set := make(map[string]struct{}, len(a))
	for _, e := range a {
		set[key(e)] = struct{}{}
	}
	for _, e := range b {
		if _, ok := set[key(e)]; !ok {
			return false
		}
	}
	return true
}

// compare orders two values of one of the types N, S or B, as DynamoDB
// does: numbers by value, strings and binaries by their bytes. It returns
// 0 for values it cannot order, which callers rule out with orderedPair.
func compare(a, b types.AttributeValue) int {
	switch a := a.(type) {
	case *types.AttributeValueMemberN:
		if b, ok := b.(*types.AttributeValueMemberN); ok {
			return backend.CompareNumbers(a.Value, b.Value)
		}
	case *types.AttributeValueMemberS:
		if b, ok := b.(*types.AttributeValueMemberS); ok {
			return strings.Compare(a.Value, b.Value)
		}
	case *types.AttributeValueMemberB:
		if b, ok := b.(*types.AttributeValueMemberB); ok {
			return bytes.Compare(a.Value, b.Value)
		}
	}
	return 0
}

// orderedPair reports whether a and b are both present and of one of the
// types N, S and B, which <, <=, >, >= and BETWEEN compare.
func orderedPair(a, b types.AttributeValue) bool {
	if a == nil || b == nil {
		return false
	}
	t := typeName(a)
	return (t == "N" || t == "S" || t == "B") && t == typeName(b)
}

// resolve returns the value at p in item, or nil when there is none.
func resolve(item backend.Item, p path) types.AttributeValue {
	v, ok := item[p[0].name]
	if !ok {
		return nil
	}
	for _, s := range p[1:] {
		if s.isIndex() {
			l, ok := v.(*types.AttributeValueMemberL)
			if !ok || s.index >= len(l.Value) {
				return nil
			}
			v = l.Value[s.index]
		} else {
			m, ok := v.(*types.AttributeValueMemberM)
			if !ok {
				return nil
			}
			if v, ok = m.Value[s.name]; !ok {
				return nil
			}
		}
	}
	return v
}

// evalOperand returns the value of an operand of a condition, or nil when
// it has none: a missing attribute, or size() of a value without a size.
func evalOperand(n *node, item backend.Item) types.AttributeValue {
	switch n.kind {
	case nPath:
		return resolve(item, n.path)
	case nValue:
		return n.val
	case nFunc: // size, the only function that is an operand
		if s, ok := sizeOf(evalOperand(n.args[0], item)); ok {
			return &types.AttributeValueMemberN{Value: itoa(s)}
		}
	}
	return nil
}

// sizeOf returns what DynamoDB's size() returns for v: the length of a
// string (in UTF-16 code units, as DynamoDB Local counts), of a binary (in
// bytes), the number of elements of a set, list or map. Other values have
// no size.
func sizeOf(v types.AttributeValue) (int, bool) {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return utf16Len(v.Value), true
	case *types.AttributeValueMemberB:
		return len(v.Value), true
	case *types.AttributeValueMemberSS:
		return len(v.Value), true
	case *types.AttributeValueMemberNS:
		return len(v.Value), true
	case *types.AttributeValueMemberBS:
		return len(v.Value), true
	case *types.AttributeValueMemberL:
		return len(v.Value), true
	case *types.AttributeValueMemberM:
		return len(v.Value), true
	}
	return 0, false
}

// utf16Len returns the length of s in UTF-16 code units.
func utf16Len(s string) int {
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			n++
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		n += utf16.RuneLen(r)
		i += w
	}
	return n
}

func itoa(i int) string {
	if i >= 0 && i < 10 {
		return string(rune('0' + i))
	}
	var b [20]byte
	n := len(b)
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	return string(b[n:])
}

// evalCond evaluates a checked condition on item.
func evalCond(n *node, item backend.Item) bool {
	switch n.kind {
	case nAnd:
		return evalCond(n.args[0], item) && evalCond(n.args[1], item)
	case nOr:
		return evalCond(n.args[0], item) || evalCond(n.args[1], item)
	case nNot:
		return !evalCond(n.args[0], item)
	case nCompare:
		a, b := evalOperand(n.args[0], item), evalOperand(n.args[1], item)
		switch n.op {
		case tEq:
			return a != nil && b != nil && equal(a, b)
		case tNe:
			return !(a != nil && b != nil && equal(a, b))
		}
		if !orderedPair(a, b) {
			return false
		}
		c := compare(a, b)
		switch n.op {
		case tLt:
			return c < 0
		case tLe:
			return c <= 0
		case tGt:
			return c > 0
		default:
			return c >= 0
		}
	case nBetween:
		v := evalOperand(n.args[0], item)
		lo, hi := evalOperand(n.args[1], item), evalOperand(n.args[2], item)
		return orderedPair(v, lo) && orderedPair(v, hi) && compare(lo, v) <= 0 && compare(v, hi) <= 0
	case nIn:
		v := evalOperand(n.args[0], item)
		if v == nil {
			return false
		}
		for _, a := range n.args[1:] {
			if w := evalOperand(a, item); w != nil && equal(v, w) {
				return true
			}
		}
		return false
	}
	switch n.fn {
	case fnExists:
		return resolve(item, n.args[0].path) != nil
	case fnNotExists:
		return resolve(item, n.args[0].path) == nil
	case fnType:
		v := evalOperand(n.args[0], item)
		return v != nil && typeName(v) == n.args[1].val.(*types.AttributeValueMemberS).Value
	case fnBeginsWith:
		a, b := evalOperand(n.args[0], item), evalOperand(n.args[1], item)
		switch a := a.(type) {
		case *types.AttributeValueMemberS:
			b, ok := b.(*types.AttributeValueMemberS)
			return ok && strings.HasPrefix(a.Value, b.Value)
		case *types.AttributeValueMemberB:
			b, ok := b.(*types.AttributeValueMemberB)
			return ok && bytes.HasPrefix(a.Value, b.Value)
		}
		return false
	case fnContains:
		return contains(evalOperand(n.args[0], item), evalOperand(n.args[1], item))
	}
	return false
}

// contains is DynamoDB's contains(a, b): a substring of a string, a
// sequence of bytes of a binary, a member of a set (of b's type), or an
// element of a list.
func contains(a, b types.AttributeValue) bool {
	if a == nil || b == nil {
		return false
	}
	switch a := a.(type) {
	case *types.AttributeValueMemberS:
		b, ok := b.(*types.AttributeValueMemberS)
		return ok && strings.Contains(a.Value, b.Value)
	case *types.AttributeValueMemberB:
		b, ok := b.(*types.AttributeValueMemberB)
		return ok && bytes.Contains(a.Value, b.Value)
	case *types.AttributeValueMemberSS:
		b, ok := b.(*types.AttributeValueMemberS)
		if !ok {
			return false
		}
		for _, s := range a.Value {
			if s == b.Value {
				return true
			}
		}
	case *types.AttributeValueMemberNS:
		b, ok := b.(*types.AttributeValueMemberN)
		if !ok {
			return false
		}
		for _, s := range a.Value {
			if backend.CompareNumbers(s, b.Value) == 0 {
				return true
			}
		}
	case *types.AttributeValueMemberBS:
		b, ok := b.(*types.AttributeValueMemberB)
		if !ok {
			return false
		}
		for _, s := range a.Value {
			if bytes.Equal(s, b.Value) {
				return true
			}
		}
	case *types.AttributeValueMemberL:
		for _, e := range a.Value {
			if equal(e, b) {
				return true
			}
		}
	}
	return false
}
