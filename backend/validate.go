package backend

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// ValidateItem checks an item against DynamoDB's rules for stored values, so
// every backend rejects what DynamoDB rejects: string key attributes "PK" and
// "SK" that are non-empty, attribute names that are non-empty, numbers that
// DynamoDB accepts (see ValidateNumber), and sets that are non-empty and hold
// no duplicates. Errors wrap ErrInvalidArgument. Sizes are checked apart, by
// ItemSize.
func ValidateItem(item Item) error {
	_, err := CheckItem(item)
	return err
}

// CheckItem is ValidateItem and ItemSize in one pass over the item: the
// item's size when it is valid, else ValidateItem's error.
func CheckItem(item Item) (size int, err error) {
	for _, k := range [...]string{"PK", "SK"} {
		s, ok := item[k].(*types.AttributeValueMemberS)
		if !ok || s.Value == "" {
			return 0, fmt.Errorf("%w: key attribute %s must be a non-empty string", ErrInvalidArgument, k)
		}
	}
	for name, v := range item {
		if err := validateValue(name, v); err != nil {
			return 0, err
		}
		size += len(name) + ValueSize(v)
	}
	return size, nil
}

func validateValue(path string, v types.AttributeValue) error {
	if path == "" || strings.HasSuffix(path, ".") {
		return fmt.Errorf("%w: empty attribute name", ErrInvalidArgument)
	}
	if !utf8.ValidString(path) {
		return fmt.Errorf("%w: attribute name %q is not valid UTF-8", ErrInvalidArgument, path)
	}
	switch v := v.(type) {
	case nil:
		return fmt.Errorf("%w: attribute %s has no value", ErrInvalidArgument, path)
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
			if err := validateValue(fmt.Sprintf("%s[%d]", path, i), e); err != nil {
				return err
			}
		}
	case *types.AttributeValueMemberM:
		for k, e := range v.Value {
			if k == "" {
				return fmt.Errorf("%w: attribute %s holds an empty map key", ErrInvalidArgument, path)
			}
			if err := validateValue(path+"."+k, e); err != nil {
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
