package dynamodb_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	dynamodbbackend "github.com/tenantrepo/tenantrepo/backend/dynamodb"
)

// scripted returns a backend whose client talks to a server that answers
// each request with the next of responses (status, body), repeating the
// last, and the count of requests it received. The client retries at once
// (no backoff, no retry quota), up to 4 attempts.
func scripted(t *testing.T, responses ...[2]string) (*dynamodbbackend.Backend, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		i := int(n.Add(1)) - 1
		resp := responses[min(i, len(responses)-1)]
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		status := http.StatusOK
		if resp[0] != "200" {
			status = http.StatusBadRequest
			if resp[0] == "500" {
				status = http.StatusInternalServerError
			}
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(resp[1]))
	}))
	t.Cleanup(srv.Close)
	client := ddb.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("fake", "fake", ""),
		BaseEndpoint: aws.String(srv.URL),
	}, func(o *ddb.Options) {
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = 4
			so.RateLimiter = ratelimit.None
			so.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		})
	})
	b, err := dynamodbbackend.New(client, "table")
	require.NoError(t, err)
	return b, &n
}

const (
	throttled = `{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"slow down"}`
	internal  = `{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"boom"}`
)

// TestCapacityRetriesAndThrottles: a metered call charges the attempts the
// SDK made (Requests), the retries among them, the throttled ones, and the
// capacity of the response that succeeded.
func TestCapacityRetriesAndThrottles(t *testing.T) {
	t.Parallel()
	ok := `{"ConsumedCapacity":{"TableName":"table","CapacityUnits":3,"Table":{"CapacityUnits":2},"GlobalSecondaryIndexes":{"GSI2":{"CapacityUnits":1}}}}`
	b, n := scripted(t, [2]string{"400", throttled}, [2]string{"500", internal}, [2]string{"400", throttled}, [2]string{"200", ok})
	ctx, m := backend.WithMeter(t.Context())
	require.NoError(t, b.Put(ctx, backend.PutInput{Item: item(pk, "a#1")}))
	assert.EqualValues(t, 4, n.Load())
	want := backend.Usage{Requests: 4, Retries: 3, Throttles: 2}
	want.Capacity.Table.Write = 2
	want.Capacity.Indexes[1].Write = 1
	assert.Equal(t, want, m.Usage())

	// Unmetered, the same call works and nothing is counted anywhere.
	b2, n2 := scripted(t, [2]string{"400", throttled}, [2]string{"200", ok})
	require.NoError(t, b2.Put(t.Context(), backend.PutInput{Item: item(pk, "a#1")}))
	assert.EqualValues(t, 2, n2.Load())
}

// TestCapacityGivesUp: a call the SDK gives up on after its attempts
// charges every attempt, and no capacity.
func TestCapacityGivesUp(t *testing.T) {
	t.Parallel()
	b, _ := scripted(t, [2]string{"400", throttled})
	ctx, m := backend.WithMeter(t.Context())
	_, err := b.Get(ctx, backend.GetInput{Key: backend.Key{PK: pk, SK: "a#1"}})
	require.ErrorIs(t, err, backend.ErrThrottled)
	assert.Equal(t, backend.Usage{Requests: 4, Retries: 3, Throttles: 4}, m.Usage())
}

// TestCapacityReadWriteFields: where DynamoDB fills ReadCapacityUnits and
// WriteCapacityUnits (a provisioned table on DynamoDB), they are taken as
// they are, whatever the operation; CapacityUnits alone (DynamoDB Local)
// is read or write by the operation.
func TestCapacityReadWriteFields(t *testing.T) {
	t.Parallel()
	body := `{"Item":{"PK":{"S":"tenant#acme"},"SK":{"S":"a#1"}},"ConsumedCapacity":{"TableName":"table","CapacityUnits":1.5,"ReadCapacityUnits":1.5,"Table":{"CapacityUnits":1.5,"ReadCapacityUnits":1.5}}}`
	b, _ := scripted(t, [2]string{"200", body})
	ctx, m := backend.WithMeter(context.Background())
	_, err := b.Get(ctx, backend.GetInput{Key: backend.Key{PK: pk, SK: "a#1"}})
	require.NoError(t, err)
	want := backend.Usage{Requests: 1}
	want.Capacity.Table.Read = 1.5
	assert.Equal(t, want, m.Usage())

	// A failed condition: DynamoDB returns the item, not the capacity; the
	// backend charges the published rule's figure for its size.
	old := `{"PK":{"S":"tenant#acme"},"SK":{"S":"a#1"},"d":{"S":"` + strings.Repeat("x", 2000) + `"}}`
	b2, _ := scripted(t, [2]string{"400", `{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed","Item":` + old + `}`})
	ctx2, m2 := backend.WithMeter(context.Background())
	err = b2.Delete(ctx2, backend.DeleteInput{Key: backend.Key{PK: pk, SK: "a#1"}, Expr: ifExists(t)})
	require.ErrorIs(t, err, backend.ErrConditionFailed)
	want = backend.Usage{Requests: 1}
	want.Capacity.Table.Write = 2 // 2024 bytes
	assert.Equal(t, want, m2.Usage())
}
