// Command demo runs the tenantrepo scenario: two tenants, a user and an
// order each, a get and a list.
//
//	go run ./cmd/demo                                              # in-memory backend
//	go run ./cmd/demo -dynamodb-endpoint http://127.0.0.1:8000     # DynamoDB (Local)
//
// With an endpoint (the flag, or the DYNAMODB_ENDPOINT variable) it uses the
// DynamoDB backend and creates the table when it is missing. Credentials
// come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY when set (DynamoDB
// Local accepts any), the region from AWS_REGION (default us-east-1).
package main
