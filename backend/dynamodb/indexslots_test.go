package dynamodb_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	dynamodbbackend "github.com/tenantrepo/tenantrepo/backend/dynamodb"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// slotted has indexes in slots 2 and 4.
type slotted struct {
	ID   string `dynamodbav:"-"`
	A, B string
}

func (slotted) EntityPrefix() string { return "slotted" }
func (x slotted) EntityID() string   { return x.ID }
func (slotted) Indexes() []entity.Index {
	return []entity.Index{
		{Name: "by-a", Slot: 2, PartitionAttr: "A", SortAttr: "B"},
		{Name: "by-b", Slot: 4, PartitionAttr: "B", SortAttr: "A"},
	}
}

// indexesWanted is describeIndexes of a table with the index slots set.
func indexesWanted(set backend.IndexSet) []string {
	var out []string
	for _, n := range set.Slots() {
		out = append(out, fmt.Sprintf("GSI%d ACTIVE GSI%[1]dPK HASH GSI%[1]dSK RANGE ALL", n))
	}
	return out
}

// describeCounter counts the DescribeTable calls it passes on.
type describeCounter struct {
	*ddb.Client
	n atomic.Int32
}

func (c *describeCounter) DescribeTable(ctx context.Context, in *ddb.DescribeTableInput, optFns ...func(*ddb.Options)) (*ddb.DescribeTableOutput, error) {
	c.n.Add(1)
	return c.Client.DescribeTable(ctx, in, optFns...)
}

func TestNewIndexSlots(t *testing.T) {
	for _, bad := range [][]int{{0}, {6}, {-1}, {2, 2}} {
		_, err := dynamodbbackend.New(&ddb.Client{}, "table", dynamodbbackend.WithIndexSlots(bad...))
		assert.ErrorIs(t, err, backend.ErrInvalidArgument, "%v", bad)
	}
	_, err := dynamodbbackend.New(&ddb.Client{}, "table", func(o *dynamodbbackend.Options) {
		o.IndexSlots, o.Indexes = []int{1}, 1
	})
	assert.ErrorIs(t, err, backend.ErrInvalidArgument, "IndexSlots and Indexes")
	for _, tc := range []struct {
		opts []func(*dynamodbbackend.Options)
		want backend.IndexSet
	}{
		{nil, backend.AllIndexes}, // the default: GSI1 ... GSI5 (DefaultIndexes)
		{[]func(*dynamodbbackend.Options){withIndexes(2)}, backend.FirstIndexes(2)},
		{[]func(*dynamodbbackend.Options){dynamodbbackend.WithIndexSlots()}, 0},
		{[]func(*dynamodbbackend.Options){withIndexes(2), dynamodbbackend.WithIndexSlots(3)}, 1 << 2},
	} {
		b, err := dynamodbbackend.New(&ddb.Client{}, "table", tc.opts...)
		require.NoError(t, err)
		assert.Equal(t, tc.want, b.IndexSlots())
		assert.Equal(t, tc.want.Len(), b.Indexes())
		known, checked := b.KnownIndexes()
		assert.Equal(t, tc.want, known)
		assert.False(t, checked, "New makes no request")
	}
	assert.Equal(t, 5, dynamodbbackend.DefaultIndexes)
}

// TestEnsureTableIndexSlots: EnsureTable creates exactly the index slots
// asked for, none included, on demand and provisioned; the backend then
// knows them, and repo.New refuses at once a type whose index the table
// lacks, naming it.
func TestEnsureTableIndexSlots(t *testing.T) {
	t.Parallel()
	client := dynamotest.Client(t)
	pt := &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)}
	for _, tc := range []struct {
		slots       []int
		provisioned bool
	}{
		{[]int{}, false},
		{[]int{}, true},
		{[]int{2, 4}, false},
		{[]int{3}, true},
		{[]int{1, 2, 3, 4, 5}, false},
	} {
		t.Run(fmt.Sprintf("%v/provisioned=%v", tc.slots, tc.provisioned), func(t *testing.T) {
			t.Parallel()
			set, err := backend.NewIndexSet(tc.slots...)
			require.NoError(t, err)
			name := dynamotest.TableName(t)
			b, err := dynamodbbackend.New(client, name, dynamodbbackend.WithIndexSlots(tc.slots...), func(o *dynamodbbackend.Options) {
				if tc.provisioned {
					o.ProvisionedThroughput = pt
				}
			})
			require.NoError(t, err)
			require.NoError(t, b.EnsureTable(t.Context()))
			dynamotest.DeleteTableOnCleanup(t, client, name)

			desc := describe(t, client, name)
			assert.Equal(t, indexesWanted(set), describeIndexes(desc))
			assert.Len(t, desc.AttributeDefinitions, 2+2*len(tc.slots), "no attribute definitions for indexes not made")
			known, checked := b.KnownIndexes()
			assert.True(t, checked, "EnsureTable described the table")
			assert.Equal(t, set, known)

			_, err = repo.New[slotted](b)
			if set.Has(2) && set.Has(4) {
				require.NoError(t, err)
				return
			}
			missing := "GSI2"
			if set.Has(2) {
				missing = "GSI4"
			}
			require.ErrorIs(t, err, repo.ErrMissingIndex)
			assert.ErrorIs(t, err, repo.ErrInvalidArgument)
			assert.ErrorContains(t, err, "the table has "+set.String()+", not "+missing)
		})
	}
}

// TestMissingIndexFoundAtFirstQuery: a table made without indexes, used
// through a backend that needs them all and has not called EnsureTable:
// repo.New cannot know and accepts the type; the first index query
// describes the table once and fails with ErrMissingIndex naming the
// index, before any query is sent; DynamoDB's own refusal of a query of a
// missing index maps to backend.ErrMissingIndex.
func TestMissingIndexFoundAtFirstQuery(t *testing.T) {
	t.Parallel()
	client := dynamotest.Client(t)
	name := dynamotest.TableName(t)
	none, err := dynamodbbackend.New(client, name, dynamodbbackend.WithIndexSlots())
	require.NoError(t, err)
	require.NoError(t, none.EnsureTable(t.Context()))
	dynamotest.DeleteTableOnCleanup(t, client, name)

	counter := &describeCounter{Client: client}
	b, err := dynamodbbackend.New(counter, name) // needs GSI1 ... GSI5
	require.NoError(t, err)
	_, err = b.Query(t.Context(), backend.QueryInput{Index: "GSI2", PK: pk, Limit: 1})
	require.ErrorIs(t, err, backend.ErrMissingIndex, "DynamoDB's refusal")
	assert.ErrorIs(t, err, backend.ErrInvalidArgument)

	r, err := repo.New[slotted](b)
	require.NoError(t, err, "New makes no request")
	ctx := tenantctx.MustWithTenant(t.Context(), "acme")
	for range 3 {
		_, err = r.Index("by-a").Query(ctx, "x", repo.Where(repo.BeginsWith("")))
		require.ErrorIs(t, err, repo.ErrMissingIndex)
		assert.ErrorContains(t, err, "the table has no index, not GSI2")
		assert.ErrorContains(t, err, "WithIndexSlots")
	}
	assert.Equal(t, int32(1), counter.n.Load(), "the table is described once")
	known, checked := b.KnownIndexes()
	assert.True(t, checked)
	assert.Equal(t, backend.IndexSet(0), known)
	_, err = repo.New[slotted](b)
	require.ErrorIs(t, err, repo.ErrMissingIndex, "now known at New")

	// EnsureTable adds them and the backend looks again.
	require.NoError(t, b.EnsureTable(t.Context()))
	known, _ = b.KnownIndexes()
	assert.Equal(t, backend.AllIndexes, known)
	r, err = repo.New[slotted](b)
	require.NoError(t, err)
	_, err = r.Index("by-a").Query(ctx, "x", repo.Where(repo.BeginsWith("")))
	require.NoError(t, err)
}

// TestEnsureTableAddsOnlyNeededSlots: on an existing table with GSI1,
// EnsureTable with the slots 1 and 3 adds GSI3 and nothing else.
func TestEnsureTableAddsOnlyNeededSlots(t *testing.T) {
	t.Parallel()
	client := dynamotest.Client(t)
	name := dynamotest.TableName(t)
	first, err := dynamodbbackend.New(client, name, dynamodbbackend.WithIndexSlots(1))
	require.NoError(t, err)
	require.NoError(t, first.EnsureTable(t.Context()))
	dynamotest.DeleteTableOnCleanup(t, client, name)
	b, err := dynamodbbackend.New(client, name, dynamodbbackend.WithIndexSlots(1, 3))
	require.NoError(t, err)
	require.NoError(t, b.EnsureTable(t.Context()))
	want, _ := backend.NewIndexSet(1, 3)
	assert.Equal(t, indexesWanted(want), describeIndexes(describe(t, client, name)))
	known, checked := b.KnownIndexes()
	assert.True(t, checked)
	assert.Equal(t, want, known)
}
