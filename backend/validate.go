package backend

import (
	"bytes"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/entity"
)

// MaxNestingLevels is the most levels of maps and lists a document may
// have, the item itself counting as one: an attribute value of an item may
// hold 31 levels of maps and lists (a scalar may sit below the 31st), an
// expression attribute value 32 (recorded against DynamoDB Local 3.3.0).
const MaxNestingLevels = 32

// MaxNameBytes is the longest attribute name, in UTF-8 bytes, that every
// backend accepts: a top-level attribute name, a map key at any depth (in
// an item or in an expression attribute value), and the attribute name an
// expression attribute name stands for. DynamoDB documents names of up to
// 64 KB; DynamoDB Local 3.3.0 stores names and map keys of up to exactly
// 50,000 bytes and answers a longer one with a 500 InternalFailure; it
// stores a longer one set through an expression attribute name, and then
// answers every read of that item with a 500 InternalFailure; it refuses
// an expression attribute name of 65,536 bytes or more
// (ValidationException). Both backends refuse a longer name before
// anything is sent or stored.
const MaxNameBytes = 50000

// ValidateItem checks an item against DynamoDB's rules for stored values, so
// every backend rejects what DynamoDB rejects: string key attributes "PK" and
// "SK" that are non-empty, attribute names and map keys that are non-empty
// valid UTF-8 (any other string is a name, "a.", "." and "a..b" included:
// a dot separates document path elements only in expression text) of at
// most MaxNameBytes bytes, values that DynamoDB takes as sent (see
// CheckShape: no nil values, no NULL false, no nil binary), numbers that DynamoDB accepts (see ValidateNumber), sets that are
// non-empty and hold no duplicates, and at most MaxNestingLevels levels of
// maps and lists. Errors wrap ErrInvalidArgument. Sizes are checked apart,
// by ItemSize.
func ValidateItem(item Item) error {
	_, err := CheckItem(item)
	return err
}

// CheckItem is ValidateItem and ItemSize in one pass over the item: the
// item's size when it is valid, else ValidateItem's error.
func CheckItem(item Item) (size int, err error) {
	for _, k := range [...]string{entity.PartitionKeyName, entity.SortKeyName} {
		s, ok := item[k].(*types.AttributeValueMemberS)
		if !ok || s.Value == "" {
			return 0, fmt.Errorf("%w: key attribute %s must be a non-empty string", ErrInvalidArgument, k)
		}
	}
	for name, v := range item {
		if err := validateName(name, ""); err != nil {
			return 0, err
		}
		if err := validateValue(name, v, 1); err != nil {
			return 0, err
		}
		size += len(name) + ValueSize(v)
	}
	return size, nil
}

// ValidateValue checks one value, an expression attribute value, as
// ValidateItem checks the values of an item; the value itself counts as the
// first of MaxNestingLevels. Errors wrap ErrInvalidArgument, but for a map
// or list value over MaxItemBytes: a map's keys and values, a list's
// elements (ValueSize), may come to MaxItemBytes at most, or the error
// wraps ErrItemTooLarge (recorded against DynamoDB Local 3.3.0: "Item size
// has exceeded the maximum allowed size"); other values have no such
// bound.
func ValidateValue(v types.AttributeValue) error {
	if err := validateValue("value", v, 0); err != nil {
		return err
	}
	n := 0
	switch v := v.(type) {
	case *types.AttributeValueMemberM:
		for k, e := range v.Value {
			n += len(k) + ValueSize(e)
		}
	case *types.AttributeValueMemberL:
		for _, e := range v.Value {
			n += ValueSize(e)
		}
	}
	if n > MaxItemBytes {
		return fmt.Errorf("%w: item size has exceeded the maximum allowed size: a value of %d bytes", ErrItemTooLarge, n)
	}
	return nil
}

// validateName checks an attribute name or map key; parent is the path of
// the map that holds it, "" for a top-level name.
func validateName(name, parent string) error {
	if name == "" {
		if parent == "" {
			return fmt.Errorf("%w: empty attribute name", ErrInvalidArgument)
		}
		return fmt.Errorf("%w: attribute %s holds an empty map key", ErrInvalidArgument, parent)
	}
	if !utf8.ValidString(name) {
		return fmt.Errorf("%w: attribute name %s is not valid UTF-8", ErrInvalidArgument, quoteBytes(name))
	}
	return checkNameLength(name)
}

// checkNameLength refuses a name longer than MaxNameBytes.
func checkNameLength(name string) error {
	if len(name) > MaxNameBytes {
		return fmt.Errorf("%w: attribute name %s is longer than %d bytes", ErrInvalidArgument, quoteBytes(name), MaxNameBytes)
	}
	return nil
}

// CheckShape reports a value, not looking inside lists and maps, that
// DynamoDB does not take as the SDK would send it: a nil value (the SDK
// sends nothing for it: an item attribute or a map value DynamoDB Local
// answers with a 500 InternalFailure, a list element it silently drops),
// a member type this package does not know (types.UnknownUnionMember, sent
// as nothing too), NULL with Value false ("Null attribute value types must
// have the value of true"), a binary whose Value is nil rather than empty
// ("Supplied AttributeValue is empty"), and a binary set holding a nil
// element (500 InternalFailure); recorded against DynamoDB Local 3.3.0.
// An empty non-nil binary, alone or in a set, is a value. Errors wrap
// ErrInvalidArgument; path names the value in messages.
func CheckShape(path string, v types.AttributeValue) error {
	switch v := v.(type) {
	case nil:
		return fmt.Errorf("%w: attribute %s has no value", ErrInvalidArgument, path)
	case *types.AttributeValueMemberNULL:
		if !v.Value {
			return fmt.Errorf("%w: attribute %s: a NULL value must be true", ErrInvalidArgument, path)
		}
	case *types.AttributeValueMemberB:
		if v.Value == nil {
			return fmt.Errorf("%w: attribute %s: a binary value is nil (an empty binary is []byte{})", ErrInvalidArgument, path)
		}
	case *types.AttributeValueMemberBS:
		for _, e := range v.Value {
			if e == nil {
				return fmt.Errorf("%w: attribute %s: a binary set holds a nil element (an empty binary is []byte{})", ErrInvalidArgument, path)
			}
		}
	case *types.AttributeValueMemberS, *types.AttributeValueMemberN, *types.AttributeValueMemberBOOL,
		*types.AttributeValueMemberSS, *types.AttributeValueMemberNS,
		*types.AttributeValueMemberL, *types.AttributeValueMemberM:
	default:
		return fmt.Errorf("%w: attribute %s has a value of unknown type %T", ErrInvalidArgument, path, v)
	}
	return nil
}

// validateValue checks v, found at path (for messages) under level levels
// of maps and lists, the item counting as one.
func validateValue(path string, v types.AttributeValue, level int) error {
	switch v.(type) {
	case *types.AttributeValueMemberL, *types.AttributeValueMemberM:
		if level++; level > MaxNestingLevels {
			return fmt.Errorf("%w: attribute %s: nesting levels have exceeded supported limits (%d)", ErrInvalidArgument, path, MaxNestingLevels)
		}
	}
	if err := CheckShape(path, v); err != nil {
		return err
	}
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		// DynamoDB strings are UTF-8: the SDK would send U+FFFD in place
		// of invalid bytes, and DynamoDB would store something else.
		if !utf8.ValidString(v.Value) {
			return fmt.Errorf("%w: attribute %s is not valid UTF-8", ErrInvalidArgument, path)
		}
	case *types.AttributeValueMemberN:
		if err := ValidateNumber(v.Value); err != nil {
			return fmt.Errorf("%w: attribute %s: %v", ErrInvalidArgument, path, err)
		}
	case *types.AttributeValueMemberSS:
		for _, e := range v.Value {
			if !utf8.ValidString(e) {
				return fmt.Errorf("%w: attribute %s holds a string that is not valid UTF-8", ErrInvalidArgument, path)
			}
		}
		if len(v.Value) <= smallSet {
			return checkSmallSet(path, v.Value, func(a, b string) bool { return a == b })
		}
		return checkSet(path, len(v.Value), func(i int) string { return v.Value[i] })
	case *types.AttributeValueMemberBS:
		if len(v.Value) <= smallSet {
			return checkSmallSet(path, v.Value, bytes.Equal)
		}
		return checkSet(path, len(v.Value), func(i int) string { return string(v.Value[i]) })
	case *types.AttributeValueMemberNS:
		for _, n := range v.Value {
			if err := ValidateNumber(n); err != nil {
				return fmt.Errorf("%w: attribute %s: %v", ErrInvalidArgument, path, err)
			}
		}
		return checkSet(path, len(v.Value), func(i int) string { return CanonicalNumber(v.Value[i]) })
	case *types.AttributeValueMemberL:
		for i, e := range v.Value {
			if err := validateValue(path+"["+strconv.Itoa(i)+"]", e, level); err != nil {
				return err
			}
		}
	case *types.AttributeValueMemberM:
		for k, e := range v.Value {
			if err := validateName(k, path); err != nil {
				return err
			}
			if err := validateValue(path+"."+k, e, level); err != nil {
				return err
			}
		}
	}
	return nil
}

// smallSet is the size up to which sets are checked for duplicates by
// comparing every pair, which allocates nothing, rather than with a map.
const smallSet = 8

func checkSmallSet[E any](path string, set []E, equal func(a, b E) bool) error {
	if len(set) == 0 {
		return fmt.Errorf("%w: attribute %s is an empty set", ErrInvalidArgument, path)
	}
	for i := 1; i < len(set); i++ {
		for j := range i {
			if equal(set[i], set[j]) {
				return fmt.Errorf("%w: attribute %s: set holds a duplicate", ErrInvalidArgument, path)
			}
		}
	}
	return nil
}

func checkSet(path string, n int, elem func(int) string) error {
	if n == 0 {
		return fmt.Errorf("%w: attribute %s is an empty set", ErrInvalidArgument, path)
	}
	seen := make(map[string]struct{}, n)
	for i := range n {
		e := elem(i)
		if _, dup := seen[e]; dup {
			return fmt.Errorf("%w: attribute %s: set holds a duplicate", ErrInvalidArgument, path)
		}
		seen[e] = struct{}{}
	}
	return nil
}
