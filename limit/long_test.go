//go:build long

package limit_test

// With the build tag long, TestMillionsOfTenants touches 2 million tenants.
func init() { manyTenants = 2_000_000 }
