package limit_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/conformance"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
	"github.com/tenantrepo/tenantrepo/limit"
)

// generous wraps b in a limiter whose limits no case reaches: wrapping
// must change nothing else.
func generous(t *testing.T, b backend.Backend) backend.Backend {
	t.Helper()
	lb, err := limit.New(b, limit.WithLimits(func(string) limit.Limits {
		return limit.Limits{RequestsPerSecond: 1e6, UnitsPerSecond: 1e7}
	}), limit.WithOperatorLimits(limit.Limits{RequestsPerSecond: 1e6, UnitsPerSecond: 1e7}))
	require.NoError(t, err)
	return lb
}

// TestConformanceMemory runs the whole conformance suite on a limiter in
// front of the memory backend, with the same claims as the memory
// backend's own run, exact capacity per request (conformance.Capacity) included:
// the limiter's meter inside the caller's passes every charge on.
func TestConformanceMemory(t *testing.T) {
	conformance.RunHarness(t, conformance.Harness{
		NewBackend:   func(t *testing.T) backend.Backend { return generous(t, memory.New()) },
		Capabilities: conformance.Contract | conformance.DynamoDBLocalFidelity | conformance.Scan | conformance.Capacity,
	})
}

// dynamoDBCases picks the conformance cases TestConformanceDynamoDB runs:
// with the build tag long, all of them (long_test.go); else those where the
// limiter's own work shows on DynamoDB: the capacity it passes on per
// request (the Capacity cases), isolation, batches and transactions. The
// memory run, TestConformanceMemory, runs every case; the whole suite on
// DynamoDB Local (some two minutes) would push make test past its budget.
var dynamoDBCases = func(name string) bool {
	for _, c := range []string{"Capacity/", "Isolation/", "Batch/", "Tx/", "Backend/PutGetRoundTrip", "Backend/TxReasons"} {
		if strings.HasPrefix(name, c) {
			return true
		}
	}
	return false
}

// TestConformanceDynamoDB runs it on a limiter in front of the DynamoDB
// backend, on DynamoDB Local: the cases dynamoDBCases picks.
func TestConformanceDynamoDB(t *testing.T) {
	conformance.RunHarness(t, conformance.Harness{
		NewBackend:   func(t *testing.T) backend.Backend { return generous(t, dynamotest.NewBackend(t)) },
		Capabilities: conformance.Contract | conformance.DynamoDBLocalFidelity | conformance.Scan | conformance.Capacity,
		Select:       dynamoDBCases,
	})
}
