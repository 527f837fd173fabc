package dynamodb_test

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	dynamodbbackend "github.com/tenantrepo/tenantrepo/backend/dynamodb"
)

// TestSDKAttempts pins how many attempts the SDK's DynamoDB client makes
// of a request that keeps failing with a retryable error (HTTP 500, as a
// request whose response was lost is retried), as RELIABILITY.md and the
// README state: 4 for a client made from an aws.Config with no retry
// settings, as config.LoadDefaultConfig returns without AWS_MAX_ATTEMPTS,
// AWS_RETRY_MODE or max_attempts (the DynamoDB client's own default, not
// aws/retry's DefaultMaxAttempts of 3); and the ways to bound it.
func TestSDKAttempts(t *testing.T) {
	t.Parallel()
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"boom"}`))
	}))
	t.Cleanup(srv.Close)
	cfg := func() aws.Config {
		return aws.Config{
			Region:       "us-east-1",
			Credentials:  credentials.NewStaticCredentialsProvider("fake", "fake", ""),
			BaseEndpoint: aws.String(srv.URL),
		}
	}
	withMax := func(n int) aws.Config { c := cfg(); c.RetryMaxAttempts = n; return c }
	for _, tc := range []struct {
		name   string
		client *ddb.Client
		want   int32
	}{
		{"NewFromConfig defaults", ddb.NewFromConfig(cfg()), 4},
		{"aws.Config.RetryMaxAttempts 1", ddb.NewFromConfig(withMax(1)), 1},
		{"Options.RetryMaxAttempts 2", ddb.NewFromConfig(cfg(), func(o *ddb.Options) { o.RetryMaxAttempts = 2 }), 2},
		{"aws.NopRetryer", ddb.NewFromConfig(cfg(), func(o *ddb.Options) { o.Retryer = aws.NopRetryer{} }), 1},
		{"retry.AddWithMaxAttempts 2", ddb.NewFromConfig(cfg(), func(o *ddb.Options) {
			o.Retryer = retry.AddWithMaxAttempts(retry.NewStandard(), 2)
		}), 2},
		{"retry.NewStandard", ddb.NewFromConfig(cfg(), func(o *ddb.Options) { o.Retryer = retry.NewStandard() }), int32(retry.DefaultMaxAttempts)},
	} {
		b, err := dynamodbbackend.New(tc.client, "table")
		require.NoError(t, err)
		before := requests.Load()
		err = b.Put(t.Context(), backend.PutInput{Item: item(pk, "a#1")})
		require.Error(t, err, tc.name)
		assert.Equal(t, tc.want, requests.Load()-before, "%s: attempts", tc.name)
	}
	assert.Equal(t, 3, retry.DefaultMaxAttempts, "aws/retry's default, which the DynamoDB client does not use")
}
