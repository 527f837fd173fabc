package route_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	dynamodbbackend "github.com/tenantrepo/tenantrepo/backend/dynamodb"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
	"github.com/tenantrepo/tenantrepo/route"
)

func TestMemoryTables(t *testing.T) {
	ctx := t.Context()
	pool := memory.New(memory.WithIndexSlots(1, 3), memory.WithChangeFeed(memory.FeedOptions{}))
	tables := route.NewMemoryTables(pool, "s-{tenant}")
	b, err := tables.Open(ctx, "")
	require.NoError(t, err)
	assert.Same(t, pool, b)
	_, err = tables.Open(ctx, "s-acme")
	require.ErrorIs(t, err, route.ErrNoTable)
	assert.Equal(t, backend.KindNotFound, backend.KindOf(err))

	c, err := tables.Create(ctx, "s-acme")
	require.NoError(t, err)
	again, err := tables.Create(ctx, "s-acme")
	require.NoError(t, err)
	assert.Same(t, c, again, "Create is idempotent")
	o, err := tables.Open(ctx, "s-acme")
	require.NoError(t, err)
	assert.Same(t, c, o)
	silo := c.(*memory.Store)
	assert.Equal(t, pool.IndexSlots(), silo.IndexSlots(), "the pool's index slots")
	_, err = silo.ChangeHead(ctx)
	require.NoError(t, err, "the pool's change feed setting")

	_, err = tables.Create(ctx, "no spaces")
	require.ErrorIs(t, err, backend.ErrInvalidArgument)
}

// TestDynamoDBTables: a silo table is made with the pool's key schema,
// index slots, time to live and stream, and the tags of TablesOptions.
func TestDynamoDBTables(t *testing.T) {
	ctx := t.Context()
	client := dynamotest.Client(t)
	pool := dynamotest.NewFeedTable(t, dynamodbbackend.WithIndexSlots(1, 3), func(o *dynamodbbackend.Options) { o.TTLAttribute = "expires_at" })
	rec := &recordCreate{Client: client}
	tables, err := route.NewDynamoDBTables(rec, pool, pool.Table()+"-{tenant}", func(o *route.TablesOptions) {
		o.Tags = map[string]string{"app": "tenantrepo", "tier": "silo"}
	})
	require.NoError(t, err)
	name, err := tables.Name("acme")
	require.NoError(t, err)
	assert.Equal(t, pool.Table()+"-acme", name)

	_, err = tables.Open(ctx, name)
	require.ErrorIs(t, err, route.ErrNoTable)
	b, err := tables.Create(ctx, name)
	dynamotest.DeleteTableOnCleanup(t, client, name)
	require.NoError(t, err)
	_, err = tables.Create(ctx, name)
	require.NoError(t, err, "Create is idempotent")
	o, err := tables.Open(ctx, name)
	require.NoError(t, err)
	assert.Same(t, b, o)
	p, err := tables.Open(ctx, pool.Table())
	require.NoError(t, err)
	assert.Same(t, pool, p, "the pool by its own name")

	desc, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	require.NoError(t, err)
	tbl := desc.Table
	var keys []string
	for _, k := range tbl.KeySchema {
		keys = append(keys, aws.ToString(k.AttributeName)+":"+string(k.KeyType))
	}
	assert.Equal(t, []string{"PK:HASH", "SK:RANGE"}, keys)
	var indexes []string
	for _, ix := range tbl.GlobalSecondaryIndexes {
		indexes = append(indexes, aws.ToString(ix.IndexName))
	}
	assert.ElementsMatch(t, []string{"GSI1", "GSI3"}, indexes)
	require.NotNil(t, tbl.StreamSpecification)
	assert.True(t, aws.ToBool(tbl.StreamSpecification.StreamEnabled))
	assert.Equal(t, types.StreamViewTypeNewAndOldImages, tbl.StreamSpecification.StreamViewType)
	ttl, err := client.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(name)})
	require.NoError(t, err)
	assert.Equal(t, "expires_at", aws.ToString(ttl.TimeToLiveDescription.AttributeName))

	// The tags go with CreateTable. DynamoDB Local (3.x) takes them but
	// answers ListTagsOfResource with "Tagging is not currently supported
	// in DynamoDB Local", so the request is what is checked there.
	want := []string{"app=tenantrepo", "tier=silo"}
	require.Len(t, rec.creates, 1)
	var sent []string
	for _, tg := range rec.creates[0].Tags {
		sent = append(sent, aws.ToString(tg.Key)+"="+aws.ToString(tg.Value))
	}
	assert.Equal(t, want, sent)
	tags, err := client.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: tbl.TableArn})
	var unknown interface{ ErrorCode() string }
	if errors.As(err, &unknown) && unknown.ErrorCode() == "UnknownOperationException" {
		t.Logf("DynamoDB Local does not list tags: %v", err)
	} else {
		require.NoError(t, err)
		var stored []string
		for _, tg := range tags.Tags {
			stored = append(stored, aws.ToString(tg.Key)+"="+aws.ToString(tg.Value))
		}
		assert.ElementsMatch(t, want, stored)
	}

	_, err = tables.Create(ctx, "x")
	require.ErrorIs(t, err, backend.ErrInvalidArgument, "a name DynamoDB refuses")
}

// recordCreate is a DynamoDB client that records its CreateTable requests.
type recordCreate struct {
	*dynamodb.Client
	mu      sync.Mutex
	creates []*dynamodb.CreateTableInput
}

func (r *recordCreate) CreateTable(ctx context.Context, in *dynamodb.CreateTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error) {
	r.mu.Lock()
	r.creates = append(r.creates, in)
	r.mu.Unlock()
	return r.Client.CreateTable(ctx, in, optFns...)
}
