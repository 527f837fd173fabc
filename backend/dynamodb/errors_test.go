package dynamodb_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	dynamodbbackend "github.com/tenantrepo/tenantrepo/backend/dynamodb"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
)

// TestErrorsKeepCause checks what the conformance suite, which runs on any
// backend, cannot: that the errors of calls DynamoDB Local answers start
// with the package name and keep the SDK's error in their chain. The error
// kinds themselves are checked by the suite's Backend/... cases.
func TestErrorsKeepCause(t *testing.T) {
	t.Parallel()
	b := dynamotest.NewTable(t)
	ctx := t.Context()
	put(t, b, item(pk, "user#1", "v", s("1")))

	// Another partition, another sort key: not found.
	for _, k := range []backend.Key{key("tenant#other", "user#1"), key(pk, "user#2")} {
		_, err := b.Get(ctx, backend.GetInput{Key: k})
		require.ErrorIs(t, err, backend.ErrNotFound, k)
		assert.True(t, strings.HasPrefix(err.Error(), "dynamodb: "), err.Error())
	}

	// A failed condition.
	err := b.Put(ctx, backend.PutInput{Item: item(pk, "user#2", "v", s("1")), Expr: ifExists(t)})
	require.ErrorIs(t, err, backend.ErrConditionFailed)
	var ccf *types.ConditionalCheckFailedException
	assert.ErrorAs(t, err, &ccf, "the SDK's error stays in the chain")
	assert.True(t, strings.HasPrefix(err.Error(), "dynamodb: "), err.Error())

	// An item too large.
	err = b.Put(ctx, backend.PutInput{Item: sizedItem(t, "big#2", backend.MaxItemBytes+1)})
	require.ErrorIs(t, err, backend.ErrItemTooLarge)
	var apiErr smithy.APIError
	require.ErrorAs(t, err, &apiErr, "the SDK's error stays in the chain")
	assert.Equal(t, "ValidationException", apiErr.ErrorCode())
	assert.True(t, strings.HasPrefix(err.Error(), "dynamodb: put: "), err.Error())

	// Invalid arguments, refused by the backend or by DynamoDB.
	r := backend.SortRange{Op: backend.BeginsWith, Lo: "a#"}
	for name, err := range map[string]error{
		"put without SK": b.Put(ctx, backend.PutInput{Item: backend.Item{"PK": s(pk)}}),
		"put empty set":  b.Put(ctx, backend.PutInput{Item: item(pk, "a#1", "ss", &types.AttributeValueMemberSS{})}),
		"put bad number": b.Put(ctx, backend.PutInput{Item: item(pk, "a#1", "n", n("x"))}),
		"put nil item":   b.Put(ctx, backend.PutInput{}),
		"put with a filter": b.Put(ctx, backend.PutInput{
			Item: item(pk, "a#1"), Expr: backend.Expressions{Filter: "attribute_exists(v)"}}),
		"put with a nil value": b.Put(ctx, backend.PutInput{
			Item: item(pk, "a#1"), Expr: backend.Expressions{Condition: "v = :v", Values: map[string]types.AttributeValue{":v": nil}}}),
		"put with a malformed condition": b.Put(ctx, backend.PutInput{
			Item: item(pk, "a#1"), Expr: backend.Expressions{Condition: "v = = 1"}}),
		"put with an unused name": b.Put(ctx, backend.PutInput{
			Item: item(pk, "a#1"), Expr: backend.Expressions{Condition: "attribute_exists(v)", Names: map[string]string{"#v": "v"}}}),
		"update with a filter": func() error {
			_, err := b.Update(ctx, backend.UpdateInput{Key: key(pk, "a#1"), Expr: backend.Expressions{Filter: "attribute_exists(v)"}})
			return err
		}(),
		"delete with an update": b.Delete(ctx, backend.DeleteInput{
			Key: key(pk, "a#1"), Expr: backend.Expressions{Update: "REMOVE v"}}),
		"query with a condition": func() error {
			_, err := b.Query(ctx, backend.QueryInput{PK: pk, Range: r, Limit: 1, Expr: backend.Expressions{Condition: "attribute_exists(v)"}})
			return err
		}(),
		"query filter on a key": func() error {
			_, err := b.Query(ctx, backend.QueryInput{PK: pk, Range: r, Limit: 1, Expr: backend.Expressions{Filter: "attribute_exists(SK)"}})
			return err
		}(),
		"get empty PK": func() error {
			_, err := b.Get(ctx, backend.GetInput{Key: key("", "a#1")})
			return err
		}(),
		"query limit 0": func() error {
			_, err := b.Query(ctx, backend.QueryInput{PK: pk, Range: r})
			return err
		}(),
		"query between Lo > Hi": func() error {
			_, err := b.Query(ctx, backend.QueryInput{PK: pk, Range: backend.SortRange{Op: backend.Between, Lo: "b", Hi: "a"}, Limit: 1})
			return err
		}(),
		"query unknown op": func() error {
			_, err := b.Query(ctx, backend.QueryInput{PK: pk, Range: backend.SortRange{Op: 9}, Limit: 1})
			return err
		}(),
		"query empty PK": func() error {
			_, err := b.Query(ctx, backend.QueryInput{Range: r, Limit: 1})
			return err
		}(),
	} {
		require.ErrorIs(t, err, backend.ErrInvalidArgument, name)
		assert.True(t, strings.HasPrefix(err.Error(), "dynamodb: "), "%s: %v", name, err)
	}
}

// cancelingClient cancels the context of each call just before passing the
// call on, as if the caller gave up while the request was in flight.
type cancelingClient struct {
	*ddb.Client
	cancel context.CancelFunc
}

func (c cancelingClient) GetItem(ctx context.Context, in *ddb.GetItemInput, optFns ...func(*ddb.Options)) (*ddb.GetItemOutput, error) {
	c.cancel()
	return c.Client.GetItem(ctx, in, optFns...)
}

func (c cancelingClient) Query(ctx context.Context, in *ddb.QueryInput, optFns ...func(*ddb.Options)) (*ddb.QueryOutput, error) {
	c.cancel()
	return c.Client.Query(ctx, in, optFns...)
}

// TestContextErrors checks context errors where only this backend has
// them: EnsureTable, and a context canceled while the SDK's request is
// under way. Calls made with a context already canceled or expired are
// checked by the conformance suite (Backend/ContextErrors).
func TestContextErrors(t *testing.T) {
	t.Parallel()
	b := dynamotest.NewTable(t)
	put(t, b, item(pk, "a#1"))

	canceled, cancel := context.WithCancel(t.Context())
	cancel()
	expired, cancel2 := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel2()
	assert.ErrorIs(t, b.EnsureTable(canceled), context.Canceled)
	assert.ErrorIs(t, b.EnsureTable(expired), context.DeadlineExceeded)

	// Canceled while the request is under way.
	ctx, cancel3 := context.WithCancel(t.Context())
	defer cancel3()
	wrapped, err := dynamodbbackend.New(cancelingClient{dynamotest.Client(t), cancel3}, b.Table())
	require.NoError(t, err)
	_, err = wrapped.Get(ctx, backend.GetInput{Key: key(pk, "a#1")})
	assert.ErrorIs(t, err, context.Canceled)
	_, err = wrapped.Query(ctx, backend.QueryInput{PK: pk, Limit: 1})
	assert.ErrorIs(t, err, context.Canceled)
	assert.Len(t, get(t, b, key(pk, "a#1")), 2, "nothing changed")
}

// fakeRequest is one request a fake DynamoDB received.
type fakeRequest struct {
	Op   string         // the operation, such as "PutItem"
	Body map[string]any // the JSON body
}

// fakeServer starts a loopback HTTP server that answers DynamoDB's JSON
// protocol with answer(op, body) and records the requests, and returns a
// client of it whose SDK retries at most three times without delay.
func fakeServer(t *testing.T, answer func(op string, body map[string]any) (status int, resp string)) (*ddb.Client, func() []fakeRequest) {
	t.Helper()
	var mu sync.Mutex
	var reqs []fakeRequest
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			t.Errorf("fake DynamoDB: %s: %v", op, err)
		}
		mu.Lock()
		reqs = append(reqs, fakeRequest{op, body})
		mu.Unlock()
		status, resp := answer(op, body)
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.WriteHeader(status)
		io.WriteString(w, resp)
	}))
	t.Cleanup(srv.Close)
	client := ddb.New(ddb.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("fake", "fake", ""),
		BaseEndpoint: aws.String(srv.URL),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 3
			o.RateLimiter = ratelimit.None
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		}),
	})
	return client, func() []fakeRequest {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(reqs)
	}
}

// fakeDynamoDB answers every request with the same error, as DynamoDB's
// JSON protocol sends it, and counts the requests.
func fakeDynamoDB(t *testing.T, code, message string) (*ddb.Client, func() int32) {
	t.Helper()
	client, reqs := fakeServer(t, func(string, map[string]any) (int, string) {
		return http.StatusBadRequest, fmt.Sprintf(`{"__type":"com.amazonaws.dynamodb.v20120810#%s","message":%q}`, code, message)
	})
	return client, func() int32 { return int32(len(reqs())) }
}

func TestErrorMapping(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		code, message string
		want          error
		attempts      int32
	}{
		{"ProvisionedThroughputExceededException", "The level of configured provisioned throughput for the table was exceeded.", backend.ErrThrottled, 3},
		{"RequestLimitExceeded", "Throughput exceeds the current throughput limit for your account.", backend.ErrThrottled, 3},
		{"ThrottlingException", "Rate of requests exceeds the allowed throughput.", backend.ErrThrottled, 3},
		{"ConditionalCheckFailedException", "The conditional request failed", backend.ErrConditionFailed, 1},
		{"ValidationException", "The provided starting key is invalid", backend.ErrInvalidStartKey, 1},
		{"ValidationException", "The provided starting key is outside query boundaries based on provided condition", backend.ErrInvalidStartKey, 1},
		{"ValidationException", "The provided starting key does not match the range key predicate", backend.ErrInvalidStartKey, 1},
		{"ValidationException", "Exclusive Start Key must have same size as table's key schema", backend.ErrInvalidStartKey, 1},
		{"ValidationException", "Item size has exceeded the maximum allowed size", backend.ErrItemTooLarge, 1},
		{"ValidationException", "Item size to update has exceeded the maximum allowed size", backend.ErrItemTooLarge, 1},
		{"ValidationException", "One or more parameter values were invalid: An AttributeValue may not contain an empty string", backend.ErrInvalidArgument, 1},
		{"TransactionInProgressException", "Transaction is ongoing for the item", backend.ErrThrottled, 3},
		// Not retried by the SDK, and not throttling: the item was in use.
		{"TransactionConflictException", "Transaction is ongoing for the item", backend.ErrConflict, 1},
		{"ValidationException", "The table does not have the specified index: GSI3", backend.ErrMissingIndex, 1},
		{"IdempotentParameterMismatchException", "The request uses the same client token as a previous, but non-identical request.", backend.ErrInvalidArgument, 1},
		{"ResourceNotFoundException", "Requested resource not found", nil, 1},
	} {
		t.Run(tc.code+"/"+tc.message, func(t *testing.T) {
			client, requests := fakeDynamoDB(t, tc.code, tc.message)
			b, err := dynamodbbackend.New(client, "table")
			require.NoError(t, err)
			_, err = b.Query(t.Context(), backend.QueryInput{PK: pk, Limit: 1})
			require.Error(t, err)
			t.Log(err)
			assert.True(t, strings.HasPrefix(err.Error(), "dynamodb: query: "), err.Error())
			kinds := []error{backend.ErrThrottled, backend.ErrConditionFailed, backend.ErrInvalidStartKey,
				backend.ErrItemTooLarge, backend.ErrInvalidArgument, backend.ErrNotFound, backend.ErrTxCanceled,
				backend.ErrConflict, backend.ErrMissingIndex}
			for _, kind := range kinds {
				// ErrMissingIndex is also ErrInvalidArgument.
				assert.Equal(t, tc.want != nil && errors.Is(tc.want, kind), errors.Is(err, kind), "errors.Is(err, %v)", kind)
			}
			wantKind := backend.KindUnknown
			if tc.want != nil {
				wantKind = backend.KindOf(tc.want)
			}
			assert.Equal(t, wantKind, backend.KindOf(err), "the kind the backend reports")
			var apiErr smithy.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.code, apiErr.ErrorCode())
			assert.Equal(t, tc.attempts, requests(), "requests sent, with the SDK's retries")
		})
	}
}

// TestTxReasonKinds: the backend gives each action of a canceled
// transaction the kind of DynamoDB's cancellation code, keeping the code
// and message for information, so nothing above it reads codes.
func TestTxReasonKinds(t *testing.T) {
	t.Parallel()
	cases := []struct {
		code string
		want backend.ErrorKind
	}{
		{"None", backend.KindNone},
		{"ConditionalCheckFailed", backend.KindConditionFailed},
		{"TransactionConflict", backend.KindConflict},
		{"ThrottlingError", backend.KindThrottled},
		{"ProvisionedThroughputExceeded", backend.KindThrottled},
		{"RequestLimitExceeded", backend.KindThrottled},
		{"ValidationError", backend.KindInvalidArgument},
		{"ItemCollectionSizeLimitExceeded", backend.KindInvalidArgument},
		{"SomeCodeOfTomorrow", backend.KindInvalidArgument},
	}
	var reasons []map[string]any
	for _, c := range cases {
		reasons = append(reasons, map[string]any{"Code": c.code, "Message": c.code + " message"})
	}
	body, err := json.Marshal(map[string]any{
		"__type":              "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
		"message":             "Transaction cancelled, please refer cancellation reasons for specific reasons",
		"CancellationReasons": reasons,
	})
	require.NoError(t, err)
	client, _ := fakeServer(t, func(string, map[string]any) (int, string) { return http.StatusBadRequest, string(body) })
	b, err := dynamodbbackend.New(client, "table")
	require.NoError(t, err)
	actions := make([]backend.TxAction, len(cases))
	for i := range actions {
		actions[i] = backend.TxAction{Kind: backend.TxPut, Item: item(pk, fmt.Sprintf("a#%d", i))}
	}
	err = b.TransactWrite(t.Context(), backend.TransactInput{Actions: actions})
	require.ErrorIs(t, err, backend.ErrTxCanceled)
	assert.Equal(t, backend.KindTxCanceled, backend.KindOf(err))
	var tce *backend.TxCanceledError
	require.ErrorAs(t, err, &tce)
	require.Len(t, tce.Reasons, len(cases))
	for i, c := range cases {
		assert.Equal(t, c.want, tce.Reasons[i].Kind, c.code)
		assert.Equal(t, c.code, tce.Reasons[i].Code)
		assert.Equal(t, c.code+" message", tce.Reasons[i].Message)
	}
}
