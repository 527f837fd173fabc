// Package dynamotest connects tests to DynamoDB Local.
//
// Tests find DynamoDB Local through the environment variable
// DYNAMODB_ENDPOINT, which scripts/dynamodb-local.sh sets:
//
//	scripts/dynamodb-local.sh with -- go test ./...
//
// Without it, tests that need DynamoDB are skipped, except in CI (CI=true),
// where they fail. Only loopback endpoints are accepted, so a test can never
// reach a real DynamoDB table.
package dynamotest
