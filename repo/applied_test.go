package repo_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// tagged has an attribute another client can store with the wrong type.
type tagged struct {
	ID   string         `dynamodbav:"-"`
	Name string         `dynamodbav:"name"`
	Tags map[string]int `dynamodbav:"tags"`
}

func (tagged) EntityPrefix() string     { return "tagged" }
func (v tagged) EntityID() string       { return v.ID }
func (v *tagged) SetEntityID(id string) { v.ID = id }

// TestWriteOnCorruptedItemSaysApplied: an item whose "tags" another client
// stored as a string. Update and UpdateExpr of another attribute are
// stored, and their errors wrap ErrDecode and ErrApplied, as Update's and
// UpdateExpr's docs say; the message names the call once, not twice.
func TestWriteOnCorruptedItemSaysApplied(t *testing.T) {
	b := memory.New()
	r := repo.MustNew[tagged](b)
	ctx := tenantctx.MustWithTenant(context.Background(), "acme")
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	require.NoError(t, b.Put(ctx, backend.PutInput{Item: backend.Item{
		"PK": s("tenant#acme"), "SK": s("tagged#c"), "name": s("old"), "tags": s("abc")}}))
	for name, write := range map[string]func() error{
		"Update": func() error { _, err := r.Update(ctx, tagged{ID: "c", Name: "new"}, []string{"name"}); return err },
		"UpdateExpr": func() error {
			_, err := r.UpdateExpr(ctx, "c", expression.Set(expression.Name("name"), expression.Value("new")))
			return err
		},
	} {
		err := write()
		require.ErrorIs(t, err, repo.ErrDecode, name)
		require.ErrorIs(t, err, repo.ErrApplied, name)
		msg := err.Error()
		assert.True(t, strings.HasPrefix(msg, `repo: update tagged "c": stored item does not decode: `), "%s: %s", name, msg)
		assert.Equal(t, 1, strings.Count(msg, `update tagged "c"`), "%s repeats the call: %s", name, msg)
		assert.Equal(t, 1, strings.Count(msg, "does not decode"), "%s repeats the kind: %s", name, msg)
		assert.Contains(t, msg, "applied", name)
		stored, err := b.Get(ctx, backend.GetInput{Key: backend.Key{PK: "tenant#acme", SK: "tagged#c"}})
		require.NoError(t, err)
		assert.Equal(t, s("new"), stored["name"], "%s was stored", name)
		require.NoError(t, b.Put(ctx, backend.PutInput{Item: backend.Item{
			"PK": s("tenant#acme"), "SK": s("tagged#c"), "name": s("old"), "tags": s("abc")}}))
	}
}
