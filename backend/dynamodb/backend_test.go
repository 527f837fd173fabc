package dynamodb_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/internal/testfixture"
)

// The behaviour of the backend's calls is checked by the conformance suite
// (conformance_test.go), which runs on every backend. The tests of this
// package check only what is DynamoDB's own: the table and its time to
// live, the requests the backend makes of the caller's expressions, the
// mapping of the SDK's errors and of what DynamoDB returns with them, and
// context handling within the SDK. These are their helpers.

const pk = "tenant#acme"

// The helpers shared with the conformance suite's backend cases live in
// internal/testfixture.
var (
	s    = testfixture.S
	n    = testfixture.N
	item = testfixture.Item
	key  = testfixture.Key
	// get reads an item consistently, or returns nil when it is missing.
	get = testfixture.Get
	put = testfixture.Put
	// exprOf returns the expressions b builds, as the repository passes them.
	exprOf = testfixture.Build
	// cond returns the condition expression c.
	cond = testfixture.Cond
)

// sizedItem returns an item of partition pk whose ItemSize is size.
func sizedItem(t *testing.T, sk string, size int) backend.Item {
	t.Helper()
	return testfixture.SizedItem(t, pk, sk, size)
}

// ifExists is the condition that the item exists.
func ifExists(t *testing.T) backend.Expressions {
	return cond(t, expression.AttributeExists(expression.Name("PK")))
}

// ifNotExists is the condition that the item does not exist.
func ifNotExists(t *testing.T) backend.Expressions {
	return cond(t, expression.AttributeNotExists(expression.Name("PK")))
}

// filter returns the filter expression f.
func filter(t *testing.T, f expression.ConditionBuilder) backend.Expressions {
	t.Helper()
	return exprOf(t, expression.NewBuilder().WithFilter(f))
}
