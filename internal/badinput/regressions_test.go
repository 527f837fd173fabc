package badinput_test

import (
	"context"
	"os"
	"testing"

	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"

	"github.com/tenantrepo/tenantrepo/backend"
	dynamodbbackend "github.com/tenantrepo/tenantrepo/backend/dynamodb"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// The tests of this file are regression tests of bugs this package and the
// fuzz targets found, now fixed: index queries below "\x01", string values
// that are not UTF-8, and a typed nil client.

// backends returns a memory store and, with DYNAMODB_ENDPOINT, a table of
// DynamoDB Local.
func backends(t *testing.T) map[string]backend.Backend {
	out := map[string]backend.Backend{"memory": memory.New()}
	if os.Getenv(dynamotest.EnvEndpoint) != "" {
		out["dynamodb"] = dynamotest.NewTable(t)
	}
	return out
}

// TestKnownBugIndexLowerBound: QueryIndex maps < and <= to BETWEEN
// minIndexValue AND bound, with minIndexValue = "\x01" (repo/index.go). But
// "\x00" and strings starting with it are valid index sort values, below
// "\x01": LessThan and LessOrEqual miss those entities, and LessOrEqual("\x00")
// and LessThan("\x00") fail with ErrInvalidArgument (the backend refuses the
// reversed range) instead of returning a page. minIndexValue should be
// "\x00", the least non-empty string.
func TestRegressionIndexLowerBound(t *testing.T) {
	for name, b := range backends(t) {
		t.Run(name, func(t *testing.T) {
			users := repo.MustNew[user](b)
			ctx := tenantctx.MustWithTenant(context.Background(), tenant)
			for _, u := range []user{{ID: "1", Group: "g", At: "\x00a"}, {ID: "2", Group: "g", At: "b"}, {ID: "3", Group: "g", At: "\x00"}} {
				_, err := users.Put(ctx, u)
				assert.NoError(t, err)
			}
			all, err := users.Index("by-group").Query(ctx, "g")
			assert.NoError(t, err)
			assert.Len(t, all.Items, 3)
			lt, err := users.Index("by-group").Query(ctx, "g", repo.Where(repo.LessThan("c")))
			assert.NoError(t, err)
			assert.Len(t, lt.Items, 3, "every value is below \"c\"")
			le, err := users.Index("by-group").Query(ctx, "g", repo.Where(repo.LessOrEqual("\x00")))
			assert.NoError(t, err)
			assert.Len(t, le.Items, 1, "the entity whose value is \"\\x00\"")
		})
	}
}

// TestKnownBugInvalidUTF8Values: attribute values (and index values) that
// are not valid UTF-8 are accepted by the repository and both backends.
// The memory backend stores the bytes; DynamoDB's JSON protocol cannot
// carry them, and the SDK sends U+FFFD instead, so on DynamoDB the call
// succeeds and stores something else than it was given ("a\xffb" reads back
// as "a\uFFFDb", and "\xfe" and "\xff" become one value), and the memory
// backend does not show it. Index values differ too: on memory an index
// sort value "\xff" is above maxIndexValue and missed by GreaterThan, on
// DynamoDB it is found. The right behaviour is to refuse such a value
// (ErrInvalidArgument), as the IDs, bounds and index partitions of queries
// are, in backend.ValidateItem (strings, string sets, map keys, attribute
// names) and for expression values.
func TestRegressionInvalidUTF8Values(t *testing.T) {
	for name, b := range backends(t) {
		t.Run(name, func(t *testing.T) {
			users := repo.MustNew[user](b)
			ctx := tenantctx.MustWithTenant(context.Background(), tenant)
			for _, u := range []user{
				{ID: "1", Name: "a\xffb"},
				{ID: "2", Tags: []string{"\xfe", "\xff"}},
				{ID: "3", Attrs: map[string]string{"k\xff": "v"}},
				{ID: "4", Group: "g", At: "\xff"},
				{ID: "5", Group: "g\xff", At: "a"},
			} {
				_, err := users.Put(ctx, u)
				assert.ErrorIs(t, err, repo.ErrInvalidArgument, "%q", u)
				if err == nil {
					got, err := users.Get(ctx, u.ID)
					assert.NoError(t, err)
					assert.Equal(t, u, got, "read back as written")
				}
			}
		})
	}
}

// TestKnownBugTypedNilClient: dynamodb.New refuses a nil client
// (ErrInvalidArgument), but not a nil *dynamodb.Client in the API
// interface, which is not == nil; the first call then panics with a nil
// pointer dereference inside the SDK.
func TestRegressionTypedNilClient(t *testing.T) {
	var client *ddb.Client
	b, err := dynamodbbackend.New(client, "t")
	assert.ErrorIs(t, err, backend.ErrInvalidArgument)
	if err == nil {
		assert.NotPanics(t, func() {
			_, _ = b.Get(context.Background(), backend.GetInput{Key: backend.Key{PK: "tenant#a", SK: "a#1"}})
		})
	}
}
