// Command demo runs the tenantrepo scenario: two tenants, a user and an
// order each, a get and a list, on the in-memory backend.
//
//	go run ./cmd/demo
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/tenantrepo/tenantrepo/backend/memory"
)

func main() {
	ctx := context.Background()
	fmt.Println("backend: in-memory")
	if err := scenario(ctx, os.Stdout, memory.New()); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}
