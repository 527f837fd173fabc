package repo_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// Account is versioned: the repository keeps its version attribute.
type Account struct {
	ID      string `dynamodbav:"account_id"`
	Balance int64  `dynamodbav:"balance"`
	Version int64  `dynamodbav:"version"`
}

func (Account) EntityPrefix() string     { return "account" }
func (a Account) EntityID() string       { return a.ID }
func (a *Account) SetEntityID(id string) { a.ID = id }
func (Account) VersionAttribute() string { return "version" }

// Order is counted on its user in a transaction.
type Order struct {
	ID     string `dynamodbav:"-"`
	UserID string `dynamodbav:"user_id"`
	Amount int64  `dynamodbav:"order_amount"`
	Status string `dynamodbav:"status"`
}

func (Order) EntityPrefix() string     { return "order" }
func (o Order) EntityID() string       { return o.ID }
func (o *Order) SetEntityID(id string) { o.ID = id }

func Example_versioning() {
	accounts := repo.MustNew[Account](memory.New())
	ctx := tenantctx.MustWithTenant(context.Background(), "acme")

	a, _ := accounts.Create(ctx, Account{ID: "a1", Balance: 100})
	fmt.Println("version", a.Version)

	// Two copies of version 1: the first write wins, the second conflicts.
	first, second := a, a
	first.Balance += 50
	first, _ = accounts.Put(ctx, first)
	second.Balance -= 30
	_, err := accounts.Put(ctx, second)
	fmt.Println(errors.Is(err, repo.ErrConflict), first.Version)

	// Read again and retry.
	fresh, _ := accounts.Get(ctx, "a1")
	fresh.Balance -= 30
	fresh, _ = accounts.Put(ctx, fresh)
	fmt.Println(fresh.Balance, fresh.Version)
	// Output:
	// version 1
	// true 2
	// 120 3
}

func ExampleWithCondition() {
	orders := repo.MustNew[Order](memory.New())
	ctx := tenantctx.MustWithTenant(context.Background(), "acme")
	orders.Create(ctx, Order{ID: "7", Amount: 150, Status: "pending"})

	// Ship only a pending order.
	onlyPending := repo.WithCondition(expression.Name("status").Equal(expression.Value("pending")))
	ship := expression.Set(expression.Name("status"), expression.Value("shipped"))
	o, err := orders.UpdateExpr(ctx, "7", ship, onlyPending)
	fmt.Println(o.Status, err)

	_, err = orders.UpdateExpr(ctx, "7", ship, onlyPending)
	fmt.Println(errors.Is(err, repo.ErrConditionFailed))
	// Output:
	// shipped <nil>
	// true
}

func ExampleRepository_BatchPut() {
	orders := repo.MustNew[Order](memory.New())
	ctx := tenantctx.MustWithTenant(context.Background(), "acme")

	var batch []Order
	for i := range 60 { // sent as 25 + 25 + 10
		batch = append(batch, Order{ID: fmt.Sprintf("%02d", i), Amount: int64(i)})
	}
	if err := orders.BatchPut(ctx, batch); err != nil {
		panic(err)
	}
	found, missing, _ := orders.BatchGet(ctx, []string{"07", "42", "99"})
	fmt.Println(len(found), found[1].Amount, missing)
	// Output: 2 42 [99]
}

func ExampleTransact() {
	store := memory.New()
	users := repo.MustNew[User](store)
	orders := repo.MustNew[Order](store)
	ctx := tenantctx.MustWithTenant(context.Background(), "acme")
	users.Create(ctx, User{ID: "42", Name: "Alice"})

	// Create an order and count it on its user: both or neither.
	countIt := expression.Add(expression.Name("order_count"), expression.Value(1))
	err := repo.Transact(ctx,
		orders.TxCreate(Order{ID: "7", UserID: "42", Amount: 150}),
		users.TxUpdateExpr("42", countIt),
	)
	fmt.Println(err)

	// The same order again fails, and the count does not move.
	err = repo.Transact(ctx,
		orders.TxCreate(Order{ID: "7", UserID: "42", Amount: 150}),
		users.TxUpdateExpr("42", countIt),
	)
	var txErr *repo.TxError
	fmt.Println(errors.Is(err, repo.ErrAlreadyExists), errors.As(err, &txErr) && txErr.Actions[1].Err == nil)
	// Output:
	// <nil>
	// true true
}
