package shop_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/examples/shop"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }

// Items another program writes with plain PutItem, in the shared layout and
// with nothing else, read back through the repositories.
func TestInteropReadsForeignItems(t *testing.T) {
	b := dynamotest.NewTable(t)
	client := dynamotest.Client(t)
	ctx := context.Background()
	raw := []map[string]types.AttributeValue{
		{"PK": s("tenant#acme"), "SK": s("user#42"), "user_id": s("42"), "user_name": s("Alice"), "user_email": s("alice@example.com")},
		{"PK": s("tenant#acme"), "SK": s("order#7"), "user_id": s("42"), "order_amount": n("150")},
		{"PK": s("tenant#acme"), "SK": s("order#8"), "user_id": s("42"), "order_amount": n("200")},
		{"PK": s("tenant#globex"), "SK": s("order#9"), "user_id": s("1"), "order_amount": n("999")},
	}
	for _, item := range raw {
		_, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(b.Table()), Item: item})
		require.NoError(t, err)
	}
	users := repo.MustNew[shop.User](b)
	orders := repo.MustNew[shop.Order](b)
	acme := tenantctx.MustWithTenant(ctx, "acme")

	u, err := users.Get(acme, "42")
	require.NoError(t, err)
	assert.Equal(t, shop.User{ID: "42", Name: "Alice", Email: "alice@example.com"}, u)

	page, err := orders.List(acme)
	require.NoError(t, err)
	assert.Equal(t, []shop.Order{{ID: "7", UserID: "42", Amount: 150}, {ID: "8", UserID: "42", Amount: 200}}, page.Items)
	assert.Empty(t, page.Next)
}

// What the repositories write has exactly the shared layout: the key
// attributes and the entity's own, nothing of ours.
func TestInteropWritesSharedLayout(t *testing.T) {
	b := dynamotest.NewTable(t)
	client := dynamotest.Client(t)
	acme := tenantctx.MustWithTenant(context.Background(), "acme")
	_, err := repo.MustNew[shop.User](b).Create(acme, shop.User{ID: "42", Name: "Alice", Email: "alice@example.com"})
	require.NoError(t, err)
	_, err = repo.MustNew[shop.Order](b).Create(acme, shop.Order{ID: "7", UserID: "42", Amount: 150})
	require.NoError(t, err)

	get := func(sk string) map[string]types.AttributeValue {
		out, err := client.GetItem(context.Background(), &dynamodb.GetItemInput{
			TableName: aws.String(b.Table()),
			Key:       map[string]types.AttributeValue{"PK": s("tenant#acme"), "SK": s(sk)},
		})
		require.NoError(t, err)
		return out.Item
	}
	assert.Equal(t, map[string]types.AttributeValue{
		"PK": s("tenant#acme"), "SK": s("user#42"),
		"user_id": s("42"), "user_name": s("Alice"), "user_email": s("alice@example.com"),
	}, get("user#42"))
	assert.Equal(t, map[string]types.AttributeValue{
		"PK": s("tenant#acme"), "SK": s("order#7"),
		"user_id": s("42"), "order_amount": n("150"),
	}, get("order#7"))
}

// An order with a creation time is also in the by-user index: the item
// gains exactly created_at and the index keys, and the index partition key
// starts with the tenant's partition key.
func TestInteropIndexedOrderLayout(t *testing.T) {
	b := dynamotest.NewTable(t)
	client := dynamotest.Client(t)
	acme := tenantctx.MustWithTenant(context.Background(), "acme")
	orders := repo.MustNew[shop.Order](b)
	_, err := orders.Create(acme, shop.Order{ID: "7", UserID: "42", Amount: 150, CreatedAt: "2026-11-26T10:00:00.000000000Z"})
	require.NoError(t, err)
	out, err := client.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(b.Table()),
		Key:       map[string]types.AttributeValue{"PK": s("tenant#acme"), "SK": s("order#7")},
	})
	require.NoError(t, err)
	assert.Equal(t, map[string]types.AttributeValue{
		"PK": s("tenant#acme"), "SK": s("order#7"),
		"user_id": s("42"), "order_amount": n("150"), "created_at": s("2026-11-26T10:00:00.000000000Z"),
		"GSI1PK": s("tenant#acme#order#by-user#42"), "GSI1SK": s("2026-11-26T10:00:00.000000000Z"),
	}, out.Item)
	page, err := orders.Index(shop.ByUser).Query(acme, "42")
	require.NoError(t, err)
	assert.Equal(t, []shop.Order{{ID: "7", UserID: "42", Amount: 150, CreatedAt: "2026-11-26T10:00:00.000000000Z"}}, page.Items)
}
