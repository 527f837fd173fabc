package repo_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// TestDecodeItem: DecodeItem decodes the context's tenant's entities of the
// type as reads do, and reports ok false, with no error, for any item
// outside them, whatever its partition key starts with.
func TestDecodeItem(t *testing.T) {
	r := repo.MustNew[tagged](memory.New())
	acme := tenantctx.MustWithTenant(context.Background(), "acme")
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	item := func(pk, sk string) backend.Item {
		return backend.Item{"PK": s(pk), "SK": s(sk), "name": s("n")}
	}

	v, ok, err := r.DecodeItem(acme, item("tenant#acme", "tagged#7"))
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, tagged{ID: "7", Name: "n"}, v)

	for _, it := range []backend.Item{
		item("tenant#acme-corp", "tagged#7"),
		item("tenant#acm", "tagged#7"),
		item("tenant#Acme", "tagged#7"),
		item("tenant#acme#x", "tagged#7"),
		item("tenant#acme", "taggedx#7"),
		item("tenant#acme", "tagged#7#8"),
		item("tenant#acme", "other#7"),
		{"PK": &types.AttributeValueMemberN{Value: "1"}, "SK": s("tagged#7")},
		{"SK": s("tagged#7")},
		nil,
	} {
		v, ok, err := r.DecodeItem(acme, it)
		assert.NoError(t, err)
		assert.False(t, ok)
		assert.Zero(t, v)
	}

	bad := item("tenant#acme", "tagged#7")
	bad["tags"] = s("not a map")
	_, ok, err = r.DecodeItem(acme, bad)
	assert.True(t, ok)
	assert.ErrorIs(t, err, repo.ErrDecode)

	_, _, err = r.DecodeItem(context.Background(), item("tenant#acme", "tagged#7"))
	assert.ErrorIs(t, err, repo.ErrNoTenant)
}
