package memory_test

import (
	"testing"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/conformance"
)

// TestConformance runs the whole conformance suite, the cases that hold the
// memory backend to DynamoDB Local where DynamoDB promises nothing
// (conformance.DynamoDBLocalFidelity) included.
func TestConformance(t *testing.T) {
	conformance.RunHarness(t, conformance.Harness{
		NewBackend:   func(t *testing.T) backend.Backend { return memory.New() },
		Capabilities: conformance.Contract | conformance.DynamoDBLocalFidelity | conformance.Scan | conformance.Capacity,
	})
}
