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
// one byte per base-100 digit, one more, and one more again when negative
// (see numberSize), booleans and nulls one byte, sets the sum of their
// elements, and lists and maps three bytes plus one
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

// numberSize counts a number as DynamoDB does (recorded against DynamoDB
// Local 3.3.0): its value is stored as base-100 digits, pairs of decimal
// digits aligned on the decimal point ("123.4" is 01 23 . 40), and its size
// is one byte per base-100 digit from the first non-zero one to the last
// non-zero one, plus one byte, plus one more for a negative number. Zero is
// one byte. So 0 is 1 byte, 1 and 100 are 2, -1 and 1.5 are 3, 123.4 and
// 1.001 are 4.
func numberSize(s string) int {
	var buf [maxNumberDigits + 2]byte
	neg, mant, exp, ok := scanNumber(s, buf[:0])
	if !ok || len(mant) == 0 {
		return 1
	}
	// Decimal digit positions (powers of ten) exp ... exp+len(mant)-1
	// fall into base-100 digits floor(position/2).
	pairs := floorHalf(exp+len(mant)-1) - floorHalf(exp) + 1
	n := pairs + 1
	if neg {
		n++
	}
	return n
}

// floorHalf returns floor(p/2).
func floorHalf(p int) int {
	if p < 0 {
		return -((-p + 1) / 2)
	}
	return p / 2
}
