package guard_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"

	"github.com/tenantrepo/tenantrepo/backend"
	dynamodbbackend "github.com/tenantrepo/tenantrepo/backend/dynamodb"
	"github.com/tenantrepo/tenantrepo/conformance"
	"github.com/tenantrepo/tenantrepo/guard"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// Counts of the requests the conformance client's guard checked, by the
// kind of context they came with.
var tenantCalls, operatorCalls atomic.Int64

// markOperator is a middleware that runs just before the guard: a request
// whose context has no tenant (the conformance suite's backend-level cases
// and its direct reads of raw keys, which use context.Background or
// t.Context) gets the operator marker; a request with a tenant (every
// repository call) or with a context that cannot be trusted goes to the
// guard as it came.
func markOperator(stack *middleware.Stack) error {
	return stack.Initialize.Insert(middleware.InitializeMiddlewareFunc("test.MarkOperator",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			_, err := tenantctx.FromContext(ctx)
			switch {
			case err == nil:
				tenantCalls.Add(1)
			case errors.Is(err, tenantctx.ErrNoTenant):
				if op, oerr := tenantctx.AsOperator(ctx, "conformance: backend-level case"); oerr == nil {
					ctx = op
					operatorCalls.Add(1)
				}
			}
			return next.HandleInitialize(ctx, in)
		}), guard.MiddlewareID, middleware.Before)
}

var (
	confOnce   sync.Once
	confClient *dynamodb.Client
)

// conformanceClient is a DynamoDB Local client with the guard installed,
// and markOperator before it.
func conformanceClient(t *testing.T) *dynamodb.Client {
	ep := dynamotest.Endpoint(t)
	confOnce.Do(func() {
		cfg := aws.Config{
			Region:       dynamotest.Region,
			Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
			BaseEndpoint: aws.String(ep),
			HTTPClient:   &http.Client{},
		}
		confClient = dynamodb.NewFromConfig(cfg, guard.Install, func(o *dynamodb.Options) {
			o.APIOptions = append(o.APIOptions, markOperator)
		})
	})
	return confClient
}

// newGuardedBackend is a DynamoDB backend on a table of its own whose
// client has the guard installed.
func newGuardedBackend(t *testing.T) backend.Backend {
	t.Helper()
	name := dynamotest.TableName(t)
	b, err := dynamodbbackend.New(conformanceClient(t), name, func(o *dynamodbbackend.Options) { o.Indexes = backend.MaxIndexes })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	op, err := tenantctx.AsOperator(ctx, "create the conformance table")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.EnsureTable(op); err != nil {
		t.Fatalf("create table %s: %v", name, err)
	}
	dynamotest.DeleteTableOnCleanup(t, dynamotest.Client(t), name)
	return b
}

// TestConformanceGuarded runs the whole conformance suite on DynamoDB
// Local through a client with the guard installed: every repository call
// goes through the guard with its tenant's context, and the backend-level
// cases, which address raw keys of any tenant, run with the operator
// marker.
func TestConformanceGuarded(t *testing.T) {
	t.Run("Suite", func(t *testing.T) {
		conformance.RunHarness(t, conformance.Harness{
			NewBackend:   newGuardedBackend,
			Capabilities: conformance.Contract | conformance.DynamoDBLocalFidelity | conformance.Scan | conformance.Capacity,
		})
	})
	if t.Failed() {
		return
	}
	if tenantCalls.Load() == 0 || operatorCalls.Load() == 0 {
		t.Errorf("the guard checked %d requests of tenants and %d of the operator; want both", tenantCalls.Load(), operatorCalls.Load())
	}
	t.Logf("the guard checked %d requests of tenants and %d of the operator", tenantCalls.Load(), operatorCalls.Load())
}
