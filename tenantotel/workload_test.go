package tenantotel_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/tracing/smithyoteltracing"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	dynamodbbackend "github.com/tenantrepo/tenantrepo/backend/dynamodb"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
	"github.com/tenantrepo/tenantrepo/internal/obstest"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
	"github.com/tenantrepo/tenantrepo/tenantotel"
)

// The scripted workload through a real repository, on both backends: a
// span per call with its attributes and status, and the metrics adding
// up to the calls.
func TestWorkload(t *testing.T) {
	for _, b := range obstest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			h := newHarness(t)
			calls := obstest.Run(t, b.New(t), h.obs)

			spans := h.spans.Ended()
			if len(spans) != len(calls) {
				t.Fatalf("%d spans, want one per call, %d", len(spans), len(calls))
			}
			var items, failures int
			var reads, writes float64
			var tx float64 // the transaction's write units (see obstest.Run)
			for i, s := range spans {
				c := calls[i]
				want := string(c.Op) + " user"
				if c.Index != "" {
					want += "/" + c.Index
				}
				if s.Name() != want {
					t.Errorf("span %d: %q, want %q", i, s.Name(), want)
				}
				a := attrMap(s.Attributes())
				for k, v := range map[string]string{
					"db.system.name":           "aws.dynamodb",
					"db.operation.name":        string(c.Op),
					"tenantrepo.tenant":        obstest.Tenant,
					"tenantrepo.entity.type":   obstest.TypeName,
					"tenantrepo.entity.prefix": "user",
					"tenantrepo.items":         strconv.Itoa(c.Items),
					"tenantrepo.index":         c.Index,
					"tenantrepo.error.kind":    c.Kind,
				} {
					if a[k] != v {
						t.Errorf("span %d (%s): %s = %q, want %q", i, s.Name(), k, a[k], v)
					}
				}
				// A missing user's Get is an answer; the existing user's
				// Create and the failed condition are failures.
				wantStatus := codes.Unset
				if c.Kind != "" && c.Kind != "not_found" {
					wantStatus = codes.Error
					failures++
				}
				if s.Status().Code != wantStatus {
					t.Errorf("span %d (%s): status %v, want %v", i, s.Name(), s.Status(), wantStatus)
				}
				if a["tenantrepo.requests"] == "0" {
					t.Errorf("span %d (%s): no requests", i, s.Name())
				}
				if w := c.Capacity; w != nil {
					for k, v := range map[string]float64{
						"tenantrepo.capacity.table.read_units":  w.Table.Read,
						"tenantrepo.capacity.table.write_units": w.Table.Write,
						"tenantrepo.capacity.read_units":        w.Total().Read,
						"tenantrepo.capacity.write_units":       w.Total().Write,
					} {
						if a[k] != strconv.FormatFloat(v, 'g', -1, 64) {
							t.Errorf("span %d (%s): %s = %q, want %v", i, s.Name(), k, a[k], v)
						}
					}
					for k, v := range map[string]float64{"tenantrepo.capacity.gsi1.read_units": w.Indexes[0].Read, "tenantrepo.capacity.gsi1.write_units": w.Indexes[0].Write} {
						if got, ok := a[k]; v == 0 && ok || v != 0 && got != strconv.FormatFloat(v, 'g', -1, 64) {
							t.Errorf("span %d (%s): %s = %q, want %v", i, s.Name(), k, got, v)
						}
					}
				} else {
					tx, _ = strconv.ParseFloat(a["tenantrepo.capacity.table.write_units"], 64)
				}
				items += c.Items
				r, _ := strconv.ParseFloat(a["tenantrepo.capacity.read_units"], 64)
				w, _ := strconv.ParseFloat(a["tenantrepo.capacity.write_units"], 64)
				reads += r
				writes += w
			}

			m := h.metrics(t)
			for metric, want := range map[string]float64{
				tenantotel.MetricCalls:    float64(len(calls)),
				tenantotel.MetricDuration: float64(len(calls)),
				tenantotel.MetricErrors:   float64(failures),
				tenantotel.MetricItems:    float64(items),
			} {
				if got := total(m[metric], map[string]string{"tenantrepo.tenant": obstest.Tenant}); got != want {
					t.Errorf("%s: %v, want %v", metric, got, want)
				}
			}
			for op, want := range map[string]float64{"Create": 4, "Get": 2, "List": 2, "Query": 1, "BatchGet": 1, "Transact": 1, "Put": 1} {
				if got := total(m[tenantotel.MetricCalls], map[string]string{"db.operation.name": op}); got != want {
					t.Errorf("calls of %s: %v, want %v", op, got, want)
				}
			}
			if got := total(m[tenantotel.MetricCalls], map[string]string{"tenantrepo.index": "by-email"}); got != 1 {
				t.Errorf("calls of the index: %v, want 1", got)
			}
			if got := total(m[tenantotel.MetricErrors], map[string]string{"tenantrepo.error.kind": "condition_failed", "db.operation.name": "Put"}); got != 1 {
				t.Errorf("condition failures: %v, want 1", got)
			}
			if got := total(m[tenantotel.MetricReadUnits], nil); got != reads {
				t.Errorf("read units %v, want the spans' %v", got, reads)
			}
			if got := total(m[tenantotel.MetricWriteUnits], nil); got != writes {
				t.Errorf("write units %v, want the spans' %v", got, writes)
			}
			// The workload's units on the table and on GSI1, by resource.
			for _, tc := range []struct {
				metric, resource string
				want             float64
			}{
				{tenantotel.MetricReadUnits, "table", 4},
				{tenantotel.MetricReadUnits, "GSI1", 0.5},
				{tenantotel.MetricWriteUnits, "table", 9 + tx},
				{tenantotel.MetricWriteUnits, "GSI1", 6},
			} {
				if got := total(m[tc.metric], map[string]string{"tenantrepo.capacity.resource": tc.resource}); got != tc.want {
					t.Errorf("%s of %s: %v, want %v", tc.metric, tc.resource, got, tc.want)
				}
			}
			if tx <= 0 {
				t.Errorf("the transaction consumed %v write units", tx)
			}
			if got := total(m[tenantotel.MetricRequests], nil); got < float64(len(calls)) {
				t.Errorf("requests %v, want at least one per call", got)
			}
		})
	}
}

// The repository's calls are the parents of the DynamoDB SDK's own spans
// when its client is instrumented: here with aws-sdk-go-v2's tracing
// through smithy-go's OpenTelemetry adapter, on DynamoDB Local.
func TestSDKSpansAreChildren(t *testing.T) {
	ep := dynamotest.Endpoint(t)
	h := newHarness(t)
	client := dynamodb.NewFromConfig(aws.Config{
		Region:       dynamotest.Region,
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint: aws.String(ep),
	}, func(o *dynamodb.Options) { o.TracerProvider = smithyoteltracing.Adapt(h.tp) })
	name := dynamotest.TableName(t)
	b, err := dynamodbbackend.New(client, name)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := b.EnsureTable(ctx); err != nil {
		t.Fatal(err)
	}
	dynamotest.DeleteTableOnCleanup(t, client, name)

	users, err := repo.New[obstest.User](b, func(o *repo.Options) { o.Observer = h.obs })
	if err != nil {
		t.Fatal(err)
	}
	h.spans.Reset()
	ctx, handler := h.tp.Tracer("app").Start(tenantctx.MustWithTenant(ctx, obstest.Tenant), "handler")
	if _, err := users.Create(ctx, obstest.User{ID: "u1", Name: "Ann", Email: "ann@example.com"}); err != nil {
		t.Fatal(err)
	}
	if _, err := users.Get(ctx, "u1"); err != nil {
		t.Fatal(err)
	}
	handler.End()

	byID := map[trace.SpanID]string{}
	for _, s := range h.spans.Ended() {
		byID[s.SpanContext().SpanID()] = s.Name()
	}
	parents := map[string]string{} // span name -> its parent's name
	for _, s := range h.spans.Ended() {
		parents[s.Name()] = byID[s.Parent().SpanID()]
	}
	defer func() {
		if t.Failed() {
			for name, parent := range parents {
				t.Logf("span %q, parent %q", name, parent)
			}
		}
	}()
	for call, request := range map[string]string{"Create user": "DynamoDB.PutItem", "Get user": "DynamoDB.GetItem"} {
		if parents[call] != "handler" {
			t.Errorf("%s's parent is %q, want the handler", call, parents[call])
		}
		if parents[request] != call {
			t.Errorf("the SDK's %s span's parent is %q, want the repository's %q", request, parents[request], call)
		}
	}
}
