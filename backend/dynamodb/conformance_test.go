package dynamodb_test

import (
	"testing"

	"github.com/tenantrepo/tenantrepo/conformance"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
)

// TestConformance runs the conformance suite, the backend-level cases
// (conformance's "Backend/...") included, on DynamoDB Local, a new table for
// each case.
func TestConformance(t *testing.T) {
	conformance.Run(t, dynamotest.NewBackend)
}
