package backend

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// ValidateItem checks an item against DynamoDB's rules for stored values, so
// every backend rejects what DynamoDB rejects: string key attributes "PK" and
// "SK" that are non-empty, attribute names that are non-empty, numbers that
// DynamoDB accepts (see ValidateNumber), and sets that are non-empty and hold
// no duplicates. Errors wrap ErrInvalidArgument. Sizes are checked apart, by
// ItemSize.
func ValidateItem(item Item) error {
	for _, k := range []string{"PK", "SK"} {
		s, ok := item[k].(*types.AttributeValueMemberS)
		if !ok || s.Value == "" {
			return fmt.Errorf("%w: key attribute %s must be a non-empty string", ErrInvalidArgument, k)
		}
	}
	for name, v := range item {
		if err := validateValue(name, v); err != nil {
			return err
		}
	}
	return nil
}

func validateValue(path string, v types.AttributeValue) error {
	if path == "" || strings.HasSuffix(path, ".") {
		return fmt.Errorf("%w: empty attribute name", ErrInvalidArgument)
	}
	switch v := v.(type) {
	case nil:
		return fmt.Errorf("%w: attribute %s has no value", ErrInvalidArgument, path)
	case *types.AttributeValueMemberN:
		if err := ValidateNumber(v.Value); err != nil {
			return fmt.Errorf("%w: attribute %s: %v", ErrInvalidArgument, path, err)
		}
	case *types.AttributeValueMemberSS:
		return checkSet(path, len(v.Value), func(i int) string { return v.Value[i] })
	case *types.AttributeValueMemberBS:
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
