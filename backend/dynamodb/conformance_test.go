package dynamodb_test

import (
	"testing"

	"github.com/tenantrepo/tenantrepo/conformance"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
)

// TestConformance runs the whole conformance suite, the backend-level cases
// (conformance's "Backend/...") and those that pin DynamoDB Local's
// behaviour where DynamoDB promises nothing (conformance.DynamoDBLocalFidelity)
// included, on DynamoDB Local, a new table for each case.
func TestConformance(t *testing.T) {
	conformance.RunHarness(t, conformance.Harness{
		NewBackend:   dynamotest.NewBackend,
		Capabilities: conformance.Contract | conformance.DynamoDBLocalFidelity | conformance.Scan | conformance.Capacity,
	})
}
