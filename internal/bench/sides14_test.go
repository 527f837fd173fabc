package bench

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/tenantrepo/tenantrepo/backend"
	dynamodbbackend "github.com/tenantrepo/tenantrepo/backend/dynamodb"
	"github.com/tenantrepo/tenantrepo/limit"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantotel"
)

// BenchmarkIssue14 measures a repository Get, Put and List page of pageSize
// on the DynamoDB backend over the canned transport (see BenchmarkCanned),
// three ways one right after the other: with=none (no observer, no
// limiter), with=otel (tenantotel on OpenTelemetry's no-op providers) and
// with=limit (package limit in front of the backend, with limits no call
// reaches, in requests and in units). An observed or limited call is
// metered, so its requests ask for ConsumedCapacity: an observed call's
// for INDEXES, a call that only the limiter meters for TOTAL (the total is
// all it reads). The transport of each side answers with what its
// requests ask, as DynamoDB does (TestCannedCapacity and
// TestCannedCapacityLimiter check what they ask), and with=none's, whose requests do not ask, without it. Compare with `benchstat -col
// /with`; `scripts/bench.sh COUNT issue14` runs it side by side with the
// commit before issue #14.
func BenchmarkIssue14(b *testing.B) {
	c, _ := cannedClients()
	store, err := dynamodbbackend.New(c, benchTable)
	if err != nil {
		b.Fatal(err)
	}
	plain, err := dynamodbbackend.New(client(&canned{bodies: cannedResponses(benchTenant)}, cannedEndpoint), benchTable)
	if err != nil {
		b.Fatal(err)
	}
	obs, err := tenantotel.New(tenantotel.WithTracerProvider(tracenoop.NewTracerProvider()),
		tenantotel.WithMeterProvider(metricnoop.NewMeterProvider()))
	if err != nil {
		b.Fatal(err)
	}
	totals, err := dynamodbbackend.New(client(&canned{bodies: cannedResponses(benchTenant), capacity: types.ReturnConsumedCapacityTotal}, cannedEndpoint), benchTable)
	if err != nil {
		b.Fatal(err)
	}
	lb, err := limit.New(totals, limit.WithLimits(func(string) limit.Limits {
		return limit.Limits{RequestsPerSecond: 1e9, UnitsPerSecond: 1e9}
	}))
	if err != nil {
		b.Fatal(err)
	}
	mk := func(bk backend.Backend, optFns ...func(*repo.Options)) *repo.Repository[Profile] {
		r, err := repo.New[Profile](bk, optFns...)
		if err != nil {
			b.Fatal(err)
		}
		return r
	}
	sides := []struct {
		name string
		r    *repo.Repository[Profile]
	}{
		{"with=none", mk(plain)},
		{"with=otel", mk(store, func(o *repo.Options) { o.Observer = obs })},
		{"with=limit", mk(lb)},
	}
	ctx := tenantCtx(b, benchTenant)
	get, put := id(42), profile(7)
	for _, op := range []string{"Get", "Put", "Query"} {
		b.Run("op="+op, func(b *testing.B) {
			for _, side := range sides {
				b.Run(side.name, func(b *testing.B) {
					loop(b, func() {
						var err error
						switch op {
						case "Get":
							_, err = side.r.Get(ctx, get)
						case "Put":
							_, err = side.r.Put(ctx, put)
						default:
							var page repo.Page[Profile]
							page, err = side.r.List(ctx, repo.WithLimit(pageSize))
							if err == nil && len(page.Items) != pageSize {
								b.Fatal(len(page.Items))
							}
						}
						if err != nil {
							b.Fatal(err)
						}
					})
				})
			}
		})
	}
}
