package repo_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// User is an entity: a struct with a sort-key prefix and an ID.
type User struct {
	ID    string `dynamodbav:"user_id"`
	Name  string `dynamodbav:"user_name"`
	Email string `dynamodbav:"user_email"`
}

func (User) EntityPrefix() string     { return "user" }
func (u User) EntityID() string       { return u.ID }
func (u *User) SetEntityID(id string) { u.ID = id }

func Example() {
	store := memory.New() // or dynamodb.New(client, "my-table")
	users, err := repo.New[User](store)
	if err != nil {
		panic(err)
	}
	// The tenant comes from the context, never from a parameter.
	ctx, err := tenantctx.WithTenant(context.Background(), "acme")
	if err != nil {
		panic(err)
	}
	if _, err := users.Create(ctx, User{ID: "42", Name: "Alice", Email: "alice@example.com"}); err != nil {
		panic(err)
	}
	u, err := users.Get(ctx, "42")
	if err != nil {
		panic(err)
	}
	fmt.Println(u.Name, u.Email)

	// Another tenant does not see acme's users.
	other := tenantctx.MustWithTenant(context.Background(), "globex")
	_, err = users.Get(other, "42")
	fmt.Println(errors.Is(err, repo.ErrNotFound))
	// Output:
	// Alice alice@example.com
	// true
}

func ExampleRepository_Create() {
	users := repo.MustNew[User](memory.New())
	ctx := tenantctx.MustWithTenant(context.Background(), "acme")

	// An empty ID gets a new UUID.
	u, err := users.Create(ctx, User{Name: "Bob"})
	fmt.Println(err, len(u.ID))

	// Creating an ID that exists fails and overwrites nothing.
	_, err = users.Create(ctx, User{ID: u.ID, Name: "Mallory"})
	fmt.Println(errors.Is(err, repo.ErrAlreadyExists))
	// Output:
	// <nil> 36
	// true
}

func ExampleRepository_Update() {
	users := repo.MustNew[User](memory.New())
	ctx := tenantctx.MustWithTenant(context.Background(), "acme")
	users.Create(ctx, User{ID: "42", Name: "Alice", Email: "alice@example.com"})

	// Only the named attributes change; the name stays.
	u, err := users.Update(ctx, User{ID: "42", Email: "alice@new.example"}, []string{"user_email"})
	fmt.Println(u.Name, u.Email, err)

	// Update never creates.
	_, err = users.Update(ctx, User{ID: "nobody", Email: "x"}, []string{"user_email"})
	fmt.Println(errors.Is(err, repo.ErrNotFound))
	// Output:
	// Alice alice@new.example <nil>
	// true
}

func ExampleRepository_List() {
	users := repo.MustNew[User](memory.New())
	ctx := tenantctx.MustWithTenant(context.Background(), "acme")
	for _, id := range []string{"c", "a", "d", "b", "e"} {
		users.Create(ctx, User{ID: id})
	}
	// Page through two at a time; an empty Next means nothing follows.
	cursor := ""
	for {
		page, err := users.List(ctx, repo.WithLimit(2), repo.WithCursor(cursor))
		if err != nil {
			panic(err)
		}
		for _, u := range page.Items {
			fmt.Print(u.ID, " ")
		}
		fmt.Println("|")
		if page.Next == "" {
			break
		}
		cursor = page.Next
	}
	// Output:
	// a b |
	// c d |
	// e |
}

func ExampleRepository_Query() {
	users := repo.MustNew[User](memory.New())
	ctx := tenantctx.MustWithTenant(context.Background(), "acme")
	for _, id := range []string{"2024-01-05", "2024-02-11", "2024-02-20", "2024-03-01"} {
		users.Create(ctx, User{ID: id})
	}
	page, _ := users.Query(ctx, repo.BeginsWith("2024-02"))
	fmt.Println(len(page.Items), page.Items[0].ID, page.Items[1].ID)

	page, _ = users.Query(ctx, repo.GreaterThan("2024-02-11"), repo.WithDescending())
	for _, u := range page.Items {
		fmt.Print(u.ID, " ")
	}
	fmt.Println()
	// Output:
	// 2 2024-02-11 2024-02-20
	// 2024-03-01 2024-02-20
}

func ExampleRepository_All() {
	users := repo.MustNew[User](memory.New())
	ctx := tenantctx.MustWithTenant(context.Background(), "acme")
	for _, id := range []string{"x", "y", "z"} {
		users.Create(ctx, User{ID: id})
	}
	for u, err := range users.All(ctx, repo.WithLimit(2)) {
		if err != nil {
			panic(err)
		}
		fmt.Print(u.ID, " ")
	}
	fmt.Println()
	// Output: x y z
}
