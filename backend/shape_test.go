package backend_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/backend"
)

// TestShapesAndNameLengthsAtEveryDepth: every check a backend makes on
// values (ValidateItem, ValidateValue, and the pre-send walk of
// PutInput.CheckSendable and Expressions.CheckSendable) refuses the values
// CheckShape reports and names over MaxNameBytes at every depth, and
// accepts the empty forms DynamoDB stores and names of exactly
// MaxNameBytes.
func TestShapesAndNameLengthsAtEveryDepth(t *testing.T) {
	long := strings.Repeat("n", backend.MaxNameBytes)
	m := func(k string, v types.AttributeValue) types.AttributeValue {
		return &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{k: v}}
	}
	l := func(v types.AttributeValue) types.AttributeValue {
		return &types.AttributeValueMemberL{Value: []types.AttributeValue{v}}
	}
	s := &types.AttributeValueMemberS{Value: "v"}
	bad := map[string]types.AttributeValue{
		"NULL false":    &types.AttributeValueMemberNULL{},
		"nil binary":    &types.AttributeValueMemberB{},
		"BS nil elem":   &types.AttributeValueMemberBS{Value: [][]byte{{1}, nil}},
		"unknown":       &types.UnknownUnionMember{Tag: "X"},
		"long map key":  m(long+"n", s),
		"nil (in list)": l(nil),
	}
	good := map[string]types.AttributeValue{
		"NULL true":    &types.AttributeValueMemberNULL{Value: true},
		"empty binary": &types.AttributeValueMemberB{Value: []byte{}},
		"BS empty":     &types.AttributeValueMemberBS{Value: [][]byte{{}}},
		"nil list":     &types.AttributeValueMemberL{},
		"nil map":      &types.AttributeValueMemberM{},
		"map key":      m(long, s),
	}
	checks := map[string]func(types.AttributeValue) error{
		"ValidateItem": func(v types.AttributeValue) error {
			return backend.ValidateItem(backend.Item{"PK": s, "SK": s, "a": v})
		},
		"ValidateValue": backend.ValidateValue,
		"PutInput.CheckSendable": func(v types.AttributeValue) error {
			return backend.PutInput{Item: backend.Item{"PK": s, "SK": s, "a": v}}.CheckSendable()
		},
		"Expressions.CheckSendable": func(v types.AttributeValue) error {
			return backend.Expressions{Update: "SET a = :v", Values: map[string]types.AttributeValue{":v": v}}.CheckSendable()
		},
	}
	for cname, check := range checks {
		for name, v := range bad {
			for _, w := range []types.AttributeValue{v, l(v), m("k", v), l(m("k", v))} {
				if err := check(w); !errors.Is(err, backend.ErrInvalidArgument) {
					t.Errorf("%s(%s, wrapped %T): %v, want ErrInvalidArgument", cname, name, w, err)
				}
			}
		}
		for name, v := range good {
			for _, w := range []types.AttributeValue{v, l(v), m("k", v), l(m("k", v))} {
				if err := check(w); err != nil {
					t.Errorf("%s(%s, wrapped %T): %v", cname, name, w, err)
				}
			}
		}
	}
	// Names: a top-level attribute name and an expression attribute name.
	for _, n := range []int{backend.MaxNameBytes, backend.MaxNameBytes + 1} {
		name := strings.Repeat("n", n)
		want := n > backend.MaxNameBytes
		item := backend.Item{"PK": s, "SK": s, name: s}
		for cname, err := range map[string]error{
			"ValidateItem":              backend.ValidateItem(item),
			"PutInput.CheckSendable":    backend.PutInput{Item: item}.CheckSendable(),
			"Expressions.CheckSendable": backend.Expressions{Condition: "attribute_exists(#n)", Names: map[string]string{"#n": name}}.CheckSendable(),
		} {
			if got := errors.Is(err, backend.ErrInvalidArgument); got != want {
				t.Errorf("%s, name of %d bytes: %v", cname, n, err)
			}
		}
	}
}
