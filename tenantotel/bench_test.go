package tenantotel_test

import (
	"context"
	"testing"

	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantotel"
)

// BenchmarkObserver is what the observer itself costs a call (Start and
// End of a Get that consumed half a read unit), with no-op providers, the
// global providers when none is installed, and the SDK's: spans sampled
// and dropped by a processor-less provider, or not sampled, and metrics
// aggregated by a manual reader.
func BenchmarkObserver(b *testing.B) {
	c := repo.Call{Tenant: "acme", Type: "shop.User", Prefix: "user", Op: repo.OpGet, Items: 1,
		Usage: backend.Usage{Requests: 1, Capacity: backend.Capacity{Table: backend.Units{Read: 0.5}}}}
	sdkMeter := func() *sdkmetric.MeterProvider {
		return sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	}
	for _, bc := range []struct {
		name string
		opts []func(*tenantotel.Options)
	}{
		{"noop", []func(*tenantotel.Options){tenantotel.WithTracerProvider(tracenoop.NewTracerProvider()), tenantotel.WithMeterProvider(metricnoop.NewMeterProvider())}},
		{"global-unset", nil},
		{"sdk-traces", []func(*tenantotel.Options){tenantotel.WithTracerProvider(sdktrace.NewTracerProvider()), tenantotel.WithMeterProvider(metricnoop.NewMeterProvider())}},
		{"sdk-traces-unsampled", []func(*tenantotel.Options){tenantotel.WithTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample()))), tenantotel.WithMeterProvider(metricnoop.NewMeterProvider())}},
		{"sdk-metrics", []func(*tenantotel.Options){tenantotel.WithTracerProvider(tracenoop.NewTracerProvider()), tenantotel.WithMeterProvider(sdkMeter())}},
		{"sdk-both", []func(*tenantotel.Options){tenantotel.WithTracerProvider(sdktrace.NewTracerProvider()), tenantotel.WithMeterProvider(sdkMeter())}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			obs, err := tenantotel.New(bc.opts...)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				obs.End(obs.Start(ctx, &c), &c)
			}
		})
	}
}
