package conformance

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/repo"
)

// caseUpdateExprRefusesEmptyForms: a caller's expression.Value may be a
// types.AttributeValue, which the SDK's expression builder passes on as it
// is. An update or a condition holding, at any depth, a value DynamoDB
// does not take (NULL false, a nil binary, a binary set with a nil
// element, a nil list element or map value; backend.CheckShape) or a name
// over backend.MaxNameBytes is refused with ErrInvalidArgument and changes
// nothing (the memory backend stored them; DynamoDB refused some and
// answered others with a 500 InternalFailure).
func caseUpdateExprRefusesEmptyForms(t *testing.T, h *harness) {
	ctx := h.ctx(t, "acme")
	_, err := h.users.Create(ctx, user{ID: "x", Name: "n"})
	require.NoError(t, err)
	values := map[string]types.AttributeValue{
		"NULL false":          &types.AttributeValueMemberNULL{Value: false},
		"nil binary":          &types.AttributeValueMemberB{},
		"nil binary in list":  &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberB{}}},
		"NULL false in map":   &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"k": &types.AttributeValueMemberNULL{}}},
		"nil in list":         &types.AttributeValueMemberL{Value: []types.AttributeValue{nil}},
		"nil binary set elem": &types.AttributeValueMemberBS{Value: [][]byte{nil}},
		"long map key":        &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{strings.Repeat("k", backend.MaxNameBytes+1): &types.AttributeValueMemberS{Value: "v"}}},
	}
	h.unchanged(t, func() {
		for name, v := range values {
			_, err := h.users.UpdateExpr(ctx, "x", expression.Set(expression.Name("extra"), expression.Value(v)))
			assert.ErrorIs(t, err, repo.ErrInvalidArgument, "SET to %s", name)
			_, err = h.users.UpdateExpr(ctx, "x", expression.Set(expression.Name("user_name"), expression.Value("m")),
				repo.WithCondition(expression.Name("user_name").NotEqual(expression.Value(v))))
			assert.ErrorIs(t, err, repo.ErrInvalidArgument, "condition on %s", name)
		}
		long := strings.Repeat("n", backend.MaxNameBytes+1)
		_, err := h.users.UpdateExpr(ctx, "x", expression.Set(expression.Name(long), expression.Value("v")))
		assert.ErrorIs(t, err, repo.ErrInvalidArgument, "SET of a name of %d bytes", len(long))
	})
	got, err := h.users.Get(ctx, "x")
	require.NoError(t, err)
	assert.Equal(t, "n", got.Name)
}
