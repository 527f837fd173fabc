// Package vocab holds no code: its tests scan the module's source for the
// rules of issue #11 that no compiler checks. DynamoDB's error and
// cancellation codes are read only in backend/dynamodb/errors.go, and the
// table layout's names and formats ("PK", "SK", "GSI<n>...", "tenant#")
// are written only in entity/layout.go.
package vocab
