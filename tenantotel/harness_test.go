package tenantotel_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/tenantrepo/tenantrepo/tenantotel"
)

// harness is an Observer on the SDK's providers, with an in-memory span
// recorder and a manual metric reader.
type harness struct {
	obs    *tenantotel.Observer
	tp     *sdktrace.TracerProvider
	spans  *tracetest.SpanRecorder
	reader *sdkmetric.ManualReader
}

func newHarness(t *testing.T, optFns ...func(*tenantotel.Options)) *harness {
	t.Helper()
	h := &harness{spans: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader()}
	h.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(h.spans))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(h.reader))
	t.Cleanup(func() {
		_ = h.tp.Shutdown(context.Background())
		_ = mp.Shutdown(context.Background())
	})
	obs, err := tenantotel.New(append([]func(*tenantotel.Options){
		tenantotel.WithTracerProvider(h.tp), tenantotel.WithMeterProvider(mp),
	}, optFns...)...)
	if err != nil {
		t.Fatal(err)
	}
	h.obs = obs
	return h
}

// attrMap returns attributes as a map of their values' strings.
func attrMap(kvs []attribute.KeyValue) map[string]string {
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		m[string(kv.Key)] = kv.Value.Emit()
	}
	return m
}

// point is a metric point: its attributes, and its value (a sum's value,
// a histogram's count) and sum (a histogram's sum).
type point struct {
	attrs map[string]string
	value float64
	sum   float64
}

// key returns the point's attributes as one string, keys sorted, leaving
// out db.system.name.
func (p point) key() string {
	var parts []string
	for k, v := range p.attrs {
		if k != "db.system.name" {
			parts = append(parts, k+"="+v)
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// metrics collects the metrics: their points by metric name.
func (h *harness) metrics(t *testing.T) map[string][]point {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := h.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string][]point{}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != tenantotel.ScopeName {
			t.Errorf("scope %q, want %q", sm.Scope.Name, tenantotel.ScopeName)
		}
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, dp := range d.DataPoints {
					out[m.Name] = append(out[m.Name], point{attrs: attrMap(dp.Attributes.ToSlice()), value: float64(dp.Value)})
				}
			case metricdata.Sum[float64]:
				for _, dp := range d.DataPoints {
					out[m.Name] = append(out[m.Name], point{attrs: attrMap(dp.Attributes.ToSlice()), value: dp.Value})
				}
			case metricdata.Histogram[float64]:
				for _, dp := range d.DataPoints {
					out[m.Name] = append(out[m.Name], point{attrs: attrMap(dp.Attributes.ToSlice()), value: float64(dp.Count), sum: dp.Sum})
				}
			default:
				t.Errorf("metric %s: unexpected data %T", m.Name, m.Data)
			}
		}
	}
	return out
}

// byKey returns a metric's points as a map from their keys to their
// values.
func byKey(points []point) map[string]float64 {
	m := map[string]float64{}
	for _, p := range points {
		m[p.key()] += p.value
	}
	return m
}

// total adds up a metric's points whose attributes include all of want.
func total(points []point, want map[string]string) float64 {
	var n float64
next:
	for _, p := range points {
		for k, v := range want {
			if p.attrs[k] != v {
				continue next
			}
		}
		n += p.value
	}
	return n
}

// spanByName returns the ended spans by name; a name that several spans
// have gets "#2", "#3" ... after it for the later ones.
func (h *harness) ended() map[string]sdktrace.ReadOnlySpan {
	out := map[string]sdktrace.ReadOnlySpan{}
	for _, s := range h.spans.Ended() {
		name := s.Name()
		for n := 2; out[name] != nil; n++ {
			name = fmt.Sprintf("%s#%d", s.Name(), n)
		}
		out[name] = s
	}
	return out
}
