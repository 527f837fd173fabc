package backend

import (
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// DynamoDB's limits that every backend keeps.
const (
	// MaxItemBytes is the largest item, counted by ItemSize: 400 KB.
	MaxItemBytes = 400 * 1024
	// MaxPageBytes is the most item data one query page reads: 1 MB.
	MaxPageBytes = 1024 * 1024
)

// ItemSize returns the size of item as DynamoDB counts it against
// MaxItemBytes: the UTF-8 length of each attribute name plus the size of its
// value. Strings count their UTF-8 bytes, binaries their raw bytes, numbers
// one byte per two significant digits plus one, booleans and nulls one byte,
// sets the sum of their elements, and lists and maps three bytes plus one
// byte and the size of each element (and, in a map, each element's name).
func ItemSize(item Item) int {
	n := 0
	for name, v := range item {
		n += len(name) + ValueSize(v)
	}
	return n
}

// ValueSize returns the size of one attribute value, without its name, as
// ItemSize counts it.
func ValueSize(v types.AttributeValue) int {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return len(v.Value)
	case *types.AttributeValueMemberN:
		return numberSize(v.Value)
	case *types.AttributeValueMemberB:
		return len(v.Value)
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	case *types.AttributeValueMemberSS:
		n := 0
		for _, s := range v.Value {
			n += len(s)
		}
		return n
	case *types.AttributeValueMemberNS:
		n := 0
		for _, s := range v.Value {
			n += numberSize(s)
		}
		return n
	case *types.AttributeValueMemberBS:
		n := 0
		for _, b := range v.Value {
			n += len(b)
		}
		return n
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range v.Value {
			n += 1 + ValueSize(e)
		}
		return n
	case *types.AttributeValueMemberM:
		n := 3
		for k, e := range v.Value {
			n += 1 + len(k) + ValueSize(e)
		}
		return n
	}
	return 0
}

// numberSize counts a number as DynamoDB does: leading and trailing zeros
// trimmed, one byte per two significant digits, plus one byte.
func numberSize(s string) int {
	// Significant digits: the mantissa's digits without leading zeros (of
	// the whole number) and trailing zeros (of the whole number).
	first, last, digits := -1, -1, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == 'e' || c == 'E' {
			break
		}
		if c < '0' || c > '9' {
			continue
		}
		if c != '0' {
			if first < 0 {
				first = digits
			}
			last = digits
		}
		digits++
	}
	if first < 0 {
		return 1 + 1 // zero
	}
	sig := last - first + 1
	return (sig+1)/2 + 1
}
