//go:build long

package route_test

// With the build tag long, TestConformanceDynamoDB runs every case of the
// conformance suite (some two minutes on DynamoDB Local).
func init() { dynamoDBCases = nil }
