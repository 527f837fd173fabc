package repo_test

import (
	"context"
	"fmt"

	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// A test can assert what an operation costs: the memory backend charges
// the capacity DynamoDB would, by its published rules, to a context made
// with WithMeter.
func ExampleWithMeter() {
	users := repo.MustNew[User](memory.New())
	ctx := tenantctx.MustWithTenant(context.Background(), "acme")
	if _, err := users.Put(ctx, User{ID: "42", Name: "Alice", Email: "alice@example.com"}); err != nil {
		panic(err)
	}

	mctx, m := repo.WithMeter(ctx)
	if _, err := users.Get(mctx, "42"); err != nil {
		panic(err)
	}
	fmt.Println("eventually consistent Get:", m.Reset().Capacity.Table.Read, "read units")

	if _, err := users.Get(mctx, "42", repo.ConsistentRead); err != nil {
		panic(err)
	}
	fmt.Println("consistent Get:", m.Reset().Capacity.Table.Read, "read units")

	if _, err := users.Put(mctx, User{ID: "42", Name: "Alice B."}); err != nil {
		panic(err)
	}
	u := m.Usage()
	fmt.Println("Put:", u.Capacity.Table.Write, "write units,", u.Requests, "request")
	// Output:
	// eventually consistent Get: 0.5 read units
	// consistent Get: 1 read units
	// Put: 1 write units, 1 request
}
