package backend_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"

	"github.com/tenantrepo/tenantrepo/backend"
)

func TestIndexSourceValue(t *testing.T) {
	item := backend.Item{
		"s":     &types.AttributeValueMemberS{Value: "u1"},
		"empty": &types.AttributeValueMemberS{Value: ""},
		"null":  &types.AttributeValueMemberNULL{Value: true},
		"n":     &types.AttributeValueMemberN{Value: "1"},
	}
	v, ok, err := backend.IndexSourceValue(item, "s")
	assert.Equal(t, "u1", v)
	assert.True(t, ok)
	assert.NoError(t, err)
	for _, a := range []string{"empty", "null", "missing"} {
		_, ok, err := backend.IndexSourceValue(item, a)
		assert.False(t, ok, a)
		assert.NoError(t, err, a)
	}
	_, ok, err = backend.IndexSourceValue(item, "n")
	assert.False(t, ok)
	assert.Error(t, err, "a number cannot be an index key")
}
