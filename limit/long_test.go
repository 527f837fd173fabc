//go:build long

package limit_test

// With the build tag long, TestMillionsOfTenants touches 2 million tenants
// and TestConformanceDynamoDB runs every case of the conformance suite.
func init() {
	manyTenants = 2_000_000
	dynamoDBCases = nil
}
