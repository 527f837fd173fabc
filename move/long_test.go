//go:build long

package move

// With the build tag long, TestMoveUnderLoad moves a tenant of 10,000
// items on both backends, the size of the acceptance test of issue #15,
// and the kill tests kill the move at every point on DynamoDB Local too.
func init() {
	acceptItems = map[string]int{"memory": 10_000, "dynamodb": 10_000}
	killAll["dynamodb"] = true
}
