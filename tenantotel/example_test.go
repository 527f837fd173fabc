package tenantotel_test

import (
	"context"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/tracing/smithyoteltracing"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	dynamodbbackend "github.com/tenantrepo/tenantrepo/backend/dynamodb"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
	"github.com/tenantrepo/tenantrepo/tenantotel"
)

// User is an entity type of the examples.
type User struct {
	ID   string `dynamodbav:"-"`
	Name string `dynamodbav:"name"`
}

func (User) EntityPrefix() string     { return "user" }
func (u User) EntityID() string       { return u.ID }
func (u *User) SetEntityID(id string) { u.ID = id }

// A span per repository call, with what it cost. Here the spans go to an
// in-memory recorder; a program gives its own TracerProvider, or installs
// it globally (otel.SetTracerProvider) and calls New without options.
func Example() {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	obs, err := tenantotel.New(tenantotel.WithTracerProvider(tp))
	if err != nil {
		panic(err)
	}
	users := repo.MustNew[User](memory.New(), func(o *repo.Options) { o.Observer = obs })

	ctx := tenantctx.MustWithTenant(context.Background(), "acme")
	users.Create(ctx, User{ID: "42", Name: "Ann"})
	users.Get(ctx, "42")
	users.Get(ctx, "43") // not found: an answer, the span's status stays Unset

	for _, s := range spans.Ended() {
		a := attribute.NewSet(s.Attributes()...)
		tenant, _ := a.Value("tenantrepo.tenant")
		rcu, _ := a.Value("tenantrepo.capacity.read_units")
		wcu, _ := a.Value("tenantrepo.capacity.write_units")
		fmt.Printf("%-11s tenant=%s read=%v write=%v status=%v",
			s.Name(), tenant.Emit(), rcu.Emit(), wcu.Emit(), s.Status().Code)
		if kind, ok := a.Value("tenantrepo.error.kind"); ok {
			fmt.Print(" ", kind.Emit())
		}
		fmt.Println()
	}
	// Output:
	// Create user tenant=acme read=0 write=1 status=Unset
	// Get user    tenant=acme read=0.5 write=0 status=Unset
	// Get user    tenant=acme read=0.5 write=0 status=Unset not_found
}

// Metrics labelled by tier rather than by tenant: three series however
// many tenants there are.
func ExampleTenantTier() {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	tierOf := map[string]string{"acme": "enterprise", "globex": "pro", "initech": "pro"}
	obs, err := tenantotel.New(
		tenantotel.WithMeterProvider(mp),
		tenantotel.WithMetricTenant(tenantotel.TenantTier(func(tenant string) string { return tierOf[tenant] })),
	)
	if err != nil {
		panic(err)
	}
	users := repo.MustNew[User](memory.New(), func(o *repo.Options) { o.Observer = obs })
	for _, tenant := range []string{"acme", "globex", "initech"} {
		ctx := tenantctx.MustWithTenant(context.Background(), tenant)
		users.Put(ctx, User{ID: "1", Name: "Ann"})
	}

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		panic(err)
	}
	var lines []string
	for _, m := range rm.ScopeMetrics[0].Metrics {
		if m.Name != tenantotel.MetricWriteUnits {
			continue
		}
		for _, dp := range m.Data.(metricdata.Sum[float64]).DataPoints {
			tier, _ := dp.Attributes.Value(tenantotel.AttrTenantTier)
			_, hasTenant := dp.Attributes.Value(tenantotel.AttrTenant)
			lines = append(lines, fmt.Sprintf("%s tier=%s tenant label=%v units=%v", m.Name, tier.Emit(), hasTenant, dp.Value))
		}
	}
	sort.Strings(lines)
	for _, l := range lines {
		fmt.Println(l)
	}
	// Output:
	// tenantrepo.capacity.write_units tier=enterprise tenant label=false units=1
	// tenantrepo.capacity.write_units tier=pro tenant label=false units=2
}

// With the DynamoDB client traced too, the SDK's spans (DynamoDB.GetItem,
// its retries and attempts) are children of the repository call's span:
// give the client the same TracerProvider through smithy-go's adapter.
func ExampleNew_instrumentedClient() {
	tp := sdktrace.NewTracerProvider() // and an exporter
	cfg := aws.Config{Region: "eu-west-1"}
	client := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		o.TracerProvider = smithyoteltracing.Adapt(tp)
	})
	store, err := dynamodbbackend.New(client, "my-table")
	if err != nil {
		panic(err)
	}
	obs, err := tenantotel.New(tenantotel.WithTracerProvider(tp))
	if err != nil {
		panic(err)
	}
	users := repo.MustNew[User](store, func(o *repo.Options) { o.Observer = obs })
	_ = users
}
