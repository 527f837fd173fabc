package dynamodb_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	dynamodbbackend "github.com/tenantrepo/tenantrepo/backend/dynamodb"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
)

func TestNewInvalid(t *testing.T) {
	_, err := dynamodbbackend.New(nil, "table")
	assert.ErrorIs(t, err, backend.ErrInvalidArgument)
	_, err = dynamodbbackend.New(&ddb.Client{}, "")
	assert.ErrorIs(t, err, backend.ErrInvalidArgument)
}

func describe(t *testing.T, client *ddb.Client, name string) *types.TableDescription {
	t.Helper()
	out, err := client.DescribeTable(t.Context(), &ddb.DescribeTableInput{TableName: aws.String(name)})
	require.NoError(t, err)
	return out.Table
}

func TestEnsureTable(t *testing.T) {
	t.Parallel()
	client := dynamotest.Client(t)
	name := dynamotest.TableName(t)
	b, err := dynamodbbackend.New(client, name)
	require.NoError(t, err)
	require.NoError(t, b.EnsureTable(t.Context()))
	dynamotest.DeleteTableOnCleanup(t, client, name)

	desc := describe(t, client, name)
	assert.Equal(t, types.TableStatusActive, desc.TableStatus)
	assert.ElementsMatch(t, []types.KeySchemaElement{
		{AttributeName: aws.String("PK"), KeyType: types.KeyTypeHash},
		{AttributeName: aws.String("SK"), KeyType: types.KeyTypeRange},
	}, desc.KeySchema)
	attrs := []types.AttributeDefinition{
		{AttributeName: aws.String("PK"), AttributeType: types.ScalarAttributeTypeS},
		{AttributeName: aws.String("SK"), AttributeType: types.ScalarAttributeTypeS},
	}
	var wantIndexes []string
	for n := 1; n <= dynamodbbackend.DefaultIndexes; n++ {
		for _, k := range []string{"PK", "SK"} {
			attrs = append(attrs, types.AttributeDefinition{AttributeName: aws.String(fmt.Sprintf("GSI%d%s", n, k)), AttributeType: types.ScalarAttributeTypeS})
		}
		wantIndexes = append(wantIndexes, fmt.Sprintf("GSI%d ACTIVE GSI%[1]dPK HASH GSI%[1]dSK RANGE ALL", n))
	}
	assert.ElementsMatch(t, attrs, desc.AttributeDefinitions)
	assert.Equal(t, wantIndexes, describeIndexes(desc), "DefaultIndexes: GSI1 ... GSI5")
	require.NotNil(t, desc.BillingModeSummary)
	assert.Equal(t, types.BillingModePayPerRequest, desc.BillingModeSummary.BillingMode)

	// Again, on the same backend and on another one: nothing to do.
	require.NoError(t, b.EnsureTable(t.Context()))
	b2, err := dynamodbbackend.New(client, name)
	require.NoError(t, err)
	require.NoError(t, b2.EnsureTable(t.Context()))

	put(t, b, item(pk, "a#1"))
	assert.NotNil(t, get(t, b2, key(pk, "a#1")), "both backends use the table")
}

func TestEnsureTableConcurrent(t *testing.T) {
	t.Parallel()
	client := dynamotest.Client(t)
	name := dynamotest.TableName(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, err := dynamodbbackend.New(client, name)
			if err == nil {
				err = b.EnsureTable(t.Context())
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	dynamotest.DeleteTableOnCleanup(t, client, name)
	for _, err := range errs {
		assert.NoError(t, err)
	}
}

func TestEnsureTableProvisioned(t *testing.T) {
	t.Parallel()
	client := dynamotest.Client(t)
	name := dynamotest.TableName(t)
	b, err := dynamodbbackend.New(client, name, func(o *dynamodbbackend.Options) {
		o.ProvisionedThroughput = &types.ProvisionedThroughput{
			ReadCapacityUnits:  aws.Int64(3),
			WriteCapacityUnits: aws.Int64(2),
		}
	})
	require.NoError(t, err)
	require.NoError(t, b.EnsureTable(t.Context()))
	dynamotest.DeleteTableOnCleanup(t, client, name)

	desc := describe(t, client, name)
	if desc.BillingModeSummary != nil {
		assert.Equal(t, types.BillingModeProvisioned, desc.BillingModeSummary.BillingMode)
	}
	require.NotNil(t, desc.ProvisionedThroughput)
	assert.Equal(t, int64(3), aws.ToInt64(desc.ProvisionedThroughput.ReadCapacityUnits))
	assert.Equal(t, int64(2), aws.ToInt64(desc.ProvisionedThroughput.WriteCapacityUnits))
	require.Len(t, desc.GlobalSecondaryIndexes, dynamodbbackend.DefaultIndexes)
	for _, g := range desc.GlobalSecondaryIndexes {
		require.NotNil(t, g.ProvisionedThroughput, aws.ToString(g.IndexName))
		assert.Equal(t, int64(3), aws.ToInt64(g.ProvisionedThroughput.ReadCapacityUnits))
		assert.Equal(t, int64(2), aws.ToInt64(g.ProvisionedThroughput.WriteCapacityUnits))
	}
}

func TestEnsureTableMismatch(t *testing.T) {
	t.Parallel()
	client := dynamotest.Client(t)
	attr := func(name string, typ types.ScalarAttributeType) types.AttributeDefinition {
		return types.AttributeDefinition{AttributeName: aws.String(name), AttributeType: typ}
	}
	elem := func(name string, typ types.KeyType) types.KeySchemaElement {
		return types.KeySchemaElement{AttributeName: aws.String(name), KeyType: typ}
	}
	for _, tc := range []struct {
		name   string
		attrs  []types.AttributeDefinition
		schema []types.KeySchemaElement
	}{
		{"other names",
			[]types.AttributeDefinition{attr("id", types.ScalarAttributeTypeS), attr("sort", types.ScalarAttributeTypeS)},
			[]types.KeySchemaElement{elem("id", types.KeyTypeHash), elem("sort", types.KeyTypeRange)}},
		{"hash key only",
			[]types.AttributeDefinition{attr("PK", types.ScalarAttributeTypeS)},
			[]types.KeySchemaElement{elem("PK", types.KeyTypeHash)}},
		{"numeric sort key",
			[]types.AttributeDefinition{attr("PK", types.ScalarAttributeTypeS), attr("SK", types.ScalarAttributeTypeN)},
			[]types.KeySchemaElement{elem("PK", types.KeyTypeHash), elem("SK", types.KeyTypeRange)}},
		{"keys swapped",
			[]types.AttributeDefinition{attr("PK", types.ScalarAttributeTypeS), attr("SK", types.ScalarAttributeTypeS)},
			[]types.KeySchemaElement{elem("SK", types.KeyTypeHash), elem("PK", types.KeyTypeRange)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := dynamotest.TableName(t)
			_, err := client.CreateTable(t.Context(), &ddb.CreateTableInput{
				TableName:            aws.String(name),
				AttributeDefinitions: tc.attrs,
				KeySchema:            tc.schema,
				BillingMode:          types.BillingModePayPerRequest,
			})
			require.NoError(t, err)
			dynamotest.DeleteTableOnCleanup(t, client, name)

			b, err := dynamodbbackend.New(client, name)
			require.NoError(t, err)
			err = b.EnsureTable(t.Context())
			require.ErrorIs(t, err, dynamodbbackend.ErrTableMismatch)
			assert.Contains(t, err.Error(), name)
			t.Log(err)
		})
	}
}

func TestEnsureTableCanceled(t *testing.T) {
	client := dynamotest.Client(t)
	b, err := dynamodbbackend.New(client, dynamotest.TableName(t))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	assert.ErrorIs(t, b.EnsureTable(ctx), context.Canceled)
}

// countingClient counts the UpdateTimeToLive calls it passes on.
type countingClient struct {
	*ddb.Client
	updates *atomic.Int32
}

func (c countingClient) UpdateTimeToLive(ctx context.Context, in *ddb.UpdateTimeToLiveInput, optFns ...func(*ddb.Options)) (*ddb.UpdateTimeToLiveOutput, error) {
	c.updates.Add(1)
	return c.Client.UpdateTimeToLive(ctx, in, optFns...)
}

func describeTTL(t *testing.T, client *ddb.Client, name string) *types.TimeToLiveDescription {
	t.Helper()
	out, err := client.DescribeTimeToLive(t.Context(), &ddb.DescribeTimeToLiveInput{TableName: aws.String(name)})
	require.NoError(t, err)
	require.NotNil(t, out.TimeToLiveDescription)
	return out.TimeToLiveDescription
}

// TestEnsureTableTTL checks that EnsureTable turns on time to live on
// Options.TTLAttribute once, on a new table and on an existing one, leaves
// it alone when it is on, and refuses another attribute.
func TestEnsureTableTTL(t *testing.T) {
	t.Parallel()
	client := dynamotest.Client(t)
	var updates atomic.Int32
	counting := countingClient{client, &updates}
	withTTL := func(attr string) func(*dynamodbbackend.Options) {
		return func(o *dynamodbbackend.Options) { o.TTLAttribute = attr }
	}

	// An existing table without TTL: a backend without TTLAttribute
	// leaves it off.
	name := dynamotest.TableName(t)
	plain, err := dynamodbbackend.New(counting, name)
	require.NoError(t, err)
	require.NoError(t, plain.EnsureTable(t.Context()))
	dynamotest.DeleteTableOnCleanup(t, client, name)
	assert.Equal(t, types.TimeToLiveStatusDisabled, describeTTL(t, client, name).TimeToLiveStatus)
	assert.Zero(t, updates.Load())

	// With TTLAttribute: enabled, once.
	b, err := dynamodbbackend.New(counting, name, withTTL("expiresAt"))
	require.NoError(t, err)
	require.NoError(t, b.EnsureTable(t.Context()))
	desc := describeTTL(t, client, name)
	t.Logf("DynamoDB Local: %s on %q", desc.TimeToLiveStatus, aws.ToString(desc.AttributeName))
	assert.Contains(t, []types.TimeToLiveStatus{types.TimeToLiveStatusEnabled, types.TimeToLiveStatusEnabling}, desc.TimeToLiveStatus)
	assert.Equal(t, "expiresAt", aws.ToString(desc.AttributeName))
	assert.Equal(t, int32(1), updates.Load())

	// Again, on this backend and on another one: nothing to do.
	require.NoError(t, b.EnsureTable(t.Context()))
	b2, err := dynamodbbackend.New(counting, name, withTTL("expiresAt"))
	require.NoError(t, err)
	require.NoError(t, b2.EnsureTable(t.Context()))
	assert.Equal(t, int32(1), updates.Load(), "UpdateTimeToLive is not called again")

	// What DynamoDB Local answers to enabling it again, which the backend
	// avoids.
	_, err = client.UpdateTimeToLive(t.Context(), &ddb.UpdateTimeToLiveInput{
		TableName: aws.String(name),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{
			AttributeName: aws.String("expiresAt"), Enabled: aws.Bool(true)},
	})
	t.Logf("DynamoDB Local, UpdateTimeToLive again: %v", err)

	// Another attribute: refused, and the setting stays.
	other, err := dynamodbbackend.New(counting, name, withTTL("deleteAfter"))
	require.NoError(t, err)
	err = other.EnsureTable(t.Context())
	require.ErrorIs(t, err, dynamodbbackend.ErrTTLMismatch)
	assert.Contains(t, err.Error(), `"expiresAt"`)
	assert.Contains(t, err.Error(), `"deleteAfter"`)
	t.Log(err)
	assert.Equal(t, "expiresAt", aws.ToString(describeTTL(t, client, name).AttributeName))
	assert.Equal(t, int32(1), updates.Load())

	// A table EnsureTable creates gets TTL too.
	created := dynamotest.NewTable(t, withTTL("ttl"))
	desc = describeTTL(t, client, created.Table())
	assert.Contains(t, []types.TimeToLiveStatus{types.TimeToLiveStatusEnabled, types.TimeToLiveStatusEnabling}, desc.TimeToLiveStatus)
	assert.Equal(t, "ttl", aws.ToString(desc.AttributeName))
}

// TestEnsureTableTTLConcurrent checks that backends enabling TTL on one
// attribute at once all succeed.
func TestEnsureTableTTLConcurrent(t *testing.T) {
	t.Parallel()
	client := dynamotest.Client(t)
	name := dynamotest.TableName(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, err := dynamodbbackend.New(client, name, func(o *dynamodbbackend.Options) { o.TTLAttribute = "exp" })
			if err == nil {
				err = b.EnsureTable(t.Context())
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	dynamotest.DeleteTableOnCleanup(t, client, name)
	for _, err := range errs {
		assert.NoError(t, err)
	}
	assert.Equal(t, "exp", aws.ToString(describeTTL(t, client, name).AttributeName))
}
