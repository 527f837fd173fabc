package dynamodb_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
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

// The index queries themselves are checked by the conformance suite's
// Backend/Index... cases; these tests check the table's indexes, which
// EnsureTable creates and adds, and the requests of an index query.

// describeIndexes returns "name status hash HASH range RANGE projection"
// for each global secondary index of desc, sorted.
func describeIndexes(desc *types.TableDescription) []string {
	var out []string
	for _, g := range desc.GlobalSecondaryIndexes {
		var keys []string
		for _, k := range g.KeySchema {
			keys = append(keys, aws.ToString(k.AttributeName)+" "+string(k.KeyType))
		}
		var proj types.ProjectionType
		if g.Projection != nil {
			proj = g.Projection.ProjectionType
		}
		out = append(out, fmt.Sprintf("%s %s %s %s", aws.ToString(g.IndexName), g.IndexStatus, strings.Join(keys, " "), proj))
	}
	slices.Sort(out)
	return out
}

// wantIndexes returns what describeIndexes returns for GSI1 ... GSI<n>,
// ACTIVE.
func wantIndexes(n int) []string {
	var out []string
	for i := 1; i <= n; i++ {
		g := backend.IndexName(i)
		out = append(out, fmt.Sprintf("%s ACTIVE %sPK HASH %sSK RANGE ALL", g, g, g))
	}
	return out
}

func withIndexes(n int) func(*dynamodbbackend.Options) {
	return func(o *dynamodbbackend.Options) { o.Indexes = n }
}

func TestNewIndexes(t *testing.T) {
	for _, n := range []int{-1, backend.MaxIndexes + 1} {
		_, err := dynamodbbackend.New(&ddb.Client{}, "table", withIndexes(n))
		assert.ErrorIs(t, err, backend.ErrInvalidArgument, n)
	}
	for n, want := range map[int]int{0: dynamodbbackend.DefaultIndexes, 1: 1, backend.MaxIndexes: backend.MaxIndexes} {
		b, err := dynamodbbackend.New(&ddb.Client{}, "table", withIndexes(n))
		require.NoError(t, err)
		assert.Equal(t, want, b.Indexes())
	}
}

// updateCounter counts the UpdateTable calls it passes on and records the
// indexes they create.
type updateCounter struct {
	*ddb.Client
	mu      sync.Mutex
	creates [][]string
}

func (c *updateCounter) UpdateTable(ctx context.Context, in *ddb.UpdateTableInput, optFns ...func(*ddb.Options)) (*ddb.UpdateTableOutput, error) {
	var names []string
	for _, u := range in.GlobalSecondaryIndexUpdates {
		if u.Create != nil {
			names = append(names, aws.ToString(u.Create.IndexName))
		}
	}
	c.mu.Lock()
	c.creates = append(c.creates, names)
	c.mu.Unlock()
	return c.Client.UpdateTable(ctx, in, optFns...)
}

// createPlainTable creates a table with the backend's key schema and the
// given global secondary indexes, as an older version of the backend, or
// someone else, might have.
func createPlainTable(t *testing.T, client *ddb.Client, gsis ...types.GlobalSecondaryIndex) string {
	t.Helper()
	name := dynamotest.TableName(t)
	attrs := []types.AttributeDefinition{
		{AttributeName: aws.String("PK"), AttributeType: types.ScalarAttributeTypeS},
		{AttributeName: aws.String("SK"), AttributeType: types.ScalarAttributeTypeS},
	}
	seen := map[string]bool{"PK": true, "SK": true}
	for _, g := range gsis {
		for _, k := range g.KeySchema {
			n := aws.ToString(k.AttributeName)
			if !seen[n] {
				seen[n] = true
				typ := types.ScalarAttributeTypeS
				if strings.HasSuffix(n, "N") {
					typ = types.ScalarAttributeTypeN
				}
				attrs = append(attrs, types.AttributeDefinition{AttributeName: aws.String(n), AttributeType: typ})
			}
		}
	}
	in := &ddb.CreateTableInput{
		TableName:            aws.String(name),
		AttributeDefinitions: attrs,
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("PK"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("SK"), KeyType: types.KeyTypeRange},
		},
		BillingMode: types.BillingModePayPerRequest,
	}
	if len(gsis) > 0 {
		in.GlobalSecondaryIndexes = gsis
	}
	_, err := client.CreateTable(t.Context(), in)
	require.NoError(t, err)
	dynamotest.DeleteTableOnCleanup(t, client, name)
	return name
}

// gsi returns an index named name with the hash key hash, the range key rng
// (none when empty) and the projection proj.
func gsi(name, hash, rng string, proj types.ProjectionType) types.GlobalSecondaryIndex {
	g := types.GlobalSecondaryIndex{
		IndexName:  aws.String(name),
		KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String(hash), KeyType: types.KeyTypeHash}},
		Projection: &types.Projection{ProjectionType: proj},
	}
	if rng != "" {
		g.KeySchema = append(g.KeySchema, types.KeySchemaElement{AttributeName: aws.String(rng), KeyType: types.KeyTypeRange})
	}
	return g
}

// TestEnsureTableIndexes checks that EnsureTable creates a table with
// Options.Indexes indexes, adds those an existing table lacks, one
// UpdateTable call for each, leaves other indexes alone, and that the
// added indexes hold the items written before (DynamoDB backfills them).
func TestEnsureTableIndexes(t *testing.T) {
	t.Parallel()
	client := dynamotest.Client(t)

	// A new table with all five.
	b := dynamotest.NewTable(t)
	assert.Equal(t, wantIndexes(backend.MaxIndexes), describeIndexes(describe(t, client, b.Table())))

	// An existing table with GSI2 and an index of its own, and an item.
	name := createPlainTable(t, client,
		gsi("GSI2", "GSI2PK", "GSI2SK", types.ProjectionTypeAll),
		gsi("byEmail", "email", "", types.ProjectionTypeKeysOnly))
	counter := &updateCounter{Client: client}
	b, err := dynamodbbackend.New(counter, name, withIndexes(3))
	require.NoError(t, err)
	put(t, b, item(pk, "a#1", "GSI1PK", s("p"), "GSI1SK", s("1"), "GSI3PK", s("p"), "GSI3SK", s("3")))
	require.NoError(t, b.EnsureTable(t.Context()))
	assert.Equal(t, [][]string{{"GSI1"}, {"GSI3"}}, counter.creates, "one index an UpdateTable, the missing ones")
	got := describeIndexes(describe(t, client, name))
	assert.Equal(t, append(wantIndexes(3), "byEmail ACTIVE email HASH KEYS_ONLY"), got)
	for _, ix := range []string{"GSI1", "GSI3"} {
		res, err := b.Query(t.Context(), backend.QueryInput{Index: ix, PK: "p", Limit: 10})
		require.NoError(t, err)
		assert.Len(t, res.Items, 1, "%s holds the item written before it was added", ix)
	}

	// Again: nothing to do.
	require.NoError(t, b.EnsureTable(t.Context()))
	assert.Len(t, counter.creates, 2)
	// Fewer indexes than the table has: nothing to do either.
	b2, err := dynamodbbackend.New(counter, name, withIndexes(1))
	require.NoError(t, err)
	require.NoError(t, b2.EnsureTable(t.Context()))
	assert.Len(t, counter.creates, 2)
}

// TestEnsureTableIndexesConcurrent checks that backends adding the same
// indexes to one table at once all succeed.
func TestEnsureTableIndexesConcurrent(t *testing.T) {
	t.Parallel()
	client := dynamotest.Client(t)
	name := createPlainTable(t, client)
	var wg sync.WaitGroup
	var calls atomic.Int32
	errs := make([]error, 3)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			counter := &updateCounter{Client: client}
			b, err := dynamodbbackend.New(counter, name, withIndexes(3))
			if err == nil {
				err = b.EnsureTable(t.Context())
			}
			calls.Add(int32(len(counter.creates)))
			errs[i] = err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		assert.NoError(t, err)
	}
	assert.Equal(t, wantIndexes(3), describeIndexes(describe(t, client, name)))
	t.Logf("%d UpdateTable calls in all", calls.Load())
}

// TestEnsureTableIndexMismatch checks that an index of the backend's with
// another key schema or projection is refused (ErrTableMismatch), and one
// the backend does not use is not looked at.
func TestEnsureTableIndexMismatch(t *testing.T) {
	t.Parallel()
	client := dynamotest.Client(t)
	for _, tc := range []struct {
		name string
		gsi  types.GlobalSecondaryIndex
		ok   bool
	}{
		{"hash key only", gsi("GSI1", "GSI1PK", "", types.ProjectionTypeAll), false},
		{"other key names", gsi("GSI2", "a", "b", types.ProjectionTypeAll), false},
		{"keys swapped", gsi("GSI1", "GSI1SK", "GSI1PK", types.ProjectionTypeAll), false},
		{"numeric hash key", gsi("GSI2", "GSI2PKN", "GSI2SK", types.ProjectionTypeAll), false},
		{"keys only", gsi("GSI1", "GSI1PK", "GSI1SK", types.ProjectionTypeKeysOnly), false},
		{"an index the backend does not use", gsi("GSI3", "x", "", types.ProjectionTypeKeysOnly), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := createPlainTable(t, client, tc.gsi)
			// A backend of two indexes: GSI3 is not one of its.
			b, err := dynamodbbackend.New(client, name, func(o *dynamodbbackend.Options) { o.Indexes = 2 })
			require.NoError(t, err)
			err = b.EnsureTable(t.Context())
			if tc.ok {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, dynamodbbackend.ErrTableMismatch)
			assert.Contains(t, err.Error(), name)
			assert.Contains(t, err.Error(), aws.ToString(tc.gsi.IndexName))
			t.Log(err)
		})
	}
}

// TestIndexQueryRequest checks the request of an index query: IndexName,
// the key condition on the index's keys, the start key with all four keys,
// and the LastEvaluatedKey read back as a position.
func TestIndexQueryRequest(t *testing.T) {
	t.Parallel()
	b, reqs := fakeBackend(t, func(op string, _ map[string]any) (int, string) {
		return http.StatusOK, `{"Items": [], "LastEvaluatedKey": {
			"PK": {"S": "tenant#acme"}, "SK": {"S": "a#2"}, "GSI3PK": {"S": "ip"}, "GSI3SK": {"S": "s2"}}}`
	})
	start := backend.Key{PK: pk, SK: "a#1", IndexPK: "ip", IndexSK: "s1"}
	res, err := b.Query(t.Context(), backend.QueryInput{Index: "GSI3", PK: "ip", Limit: 2,
		Range: backend.SortRange{Op: backend.Between, Lo: "s0", Hi: "s9"}, StartKey: &start})
	require.NoError(t, err)
	assert.Equal(t, &backend.Key{PK: pk, SK: "a#2", IndexPK: "ip", IndexSK: "s2"}, res.LastKey)

	sent := reqs()
	require.Len(t, sent, 1)
	body := sent[0].Body
	assert.Equal(t, "GSI3", body["IndexName"])
	assert.Equal(t, "(#k0 = :k0) AND (#k1 BETWEEN :k1 AND :k2)", body["KeyConditionExpression"])
	assert.Equal(t, map[string]any{"#k0": "GSI3PK", "#k1": "GSI3SK"}, body["ExpressionAttributeNames"])
	assert.Equal(t, map[string]any{
		"PK": map[string]any{"S": pk}, "SK": map[string]any{"S": "a#1"},
		"GSI3PK": map[string]any{"S": "ip"}, "GSI3SK": map[string]any{"S": "s1"},
	}, body["ExclusiveStartKey"])

	// Refused without a request: an index the backend never has, and a
	// table query's start key with index keys.
	_, err = b.Query(t.Context(), backend.QueryInput{Index: "GSI6", PK: "ip", Limit: 1})
	assert.ErrorIs(t, err, backend.ErrInvalidArgument)
	_, err = b.Query(t.Context(), backend.QueryInput{PK: pk, Limit: 1, StartKey: &start})
	assert.ErrorIs(t, err, backend.ErrInvalidStartKey)
	assert.Len(t, reqs(), 1)
}
