package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/examples/shop"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// scenario runs the demo on store b and prints each step to w: two tenants,
// a user and an order in each, a get by tenant and ID, a list of the first
// tenant's orders, and a look across tenants that finds nothing.
func scenario(ctx context.Context, w io.Writer, b backend.Backend) error {
	users, err := repo.New[shop.User](b)
	if err != nil {
		return err
	}
	orders, err := repo.New[shop.Order](b)
	if err != nil {
		return err
	}

	type customer struct {
		tenant string
		user   shop.User
		amount int64
	}
	customers := []customer{
		{uuid.NewString(), shop.User{Name: "Alice", Email: "alice@example.com"}, 150},
		{uuid.NewString(), shop.User{Name: "Bob", Email: "bob@example.com"}, 200},
	}
	tenantCtx := make([]context.Context, len(customers))
	for i, c := range customers {
		tctx, err := tenantctx.WithTenant(ctx, c.tenant)
		if err != nil {
			return err
		}
		tenantCtx[i] = tctx
		fmt.Fprintf(w, "tenant %d: %s\n", i+1, c.tenant)
	}
	for i, c := range customers {
		u, err := users.Create(tenantCtx[i], c.user)
		if err != nil {
			return fmt.Errorf("add user: %w", err)
		}
		customers[i].user = u
		fmt.Fprintf(w, "tenant %d: added user %s <%s> with ID %s\n", i+1, u.Name, u.Email, u.ID)
	}
	for i, c := range customers {
		o, err := orders.Create(tenantCtx[i], shop.Order{UserID: c.user.ID, Amount: c.amount, CreatedAt: shop.Timestamp(time.Now())})
		if err != nil {
			return fmt.Errorf("add order: %w", err)
		}
		fmt.Fprintf(w, "tenant %d: added order %s for %s, amount %d\n", i+1, o.ID, c.user.Name, o.Amount)
	}

	first := customers[0].user.ID
	u, err := users.Get(tenantCtx[0], first)
	if err != nil {
		return fmt.Errorf("get user: %w", err)
	}
	fmt.Fprintf(w, "tenant 1: got user %s: %s <%s>\n", u.ID, u.Name, u.Email)

	fmt.Fprintln(w, "tenant 1: orders:")
	for o, err := range orders.All(tenantCtx[0]) {
		if err != nil {
			return fmt.Errorf("list orders: %w", err)
		}
		fmt.Fprintf(w, "  order %s: user %s, amount %d\n", o.ID, o.UserID, o.Amount)
	}

	fmt.Fprintf(w, "tenant 1: orders of %s, newest first (index %s):\n", u.Name, shop.ByUser)
	for o, err := range orders.Index(shop.ByUser).All(tenantCtx[0], u.ID, repo.WithDescending()) {
		if err != nil {
			return fmt.Errorf("orders of a user: %w", err)
		}
		fmt.Fprintf(w, "  order %s: amount %d, created %s\n", o.ID, o.Amount, o.CreatedAt)
	}

	// The tenant comes from the context: tenant 2 cannot read tenant 1's
	// user, even with its ID.
	_, err = users.Get(tenantCtx[1], first)
	switch {
	case errors.Is(err, repo.ErrNotFound):
		fmt.Fprintf(w, "tenant 2: user %s is not found (it belongs to tenant 1)\n", first)
	case err != nil:
		return fmt.Errorf("cross-tenant get: %w", err)
	default:
		return errors.New("cross-tenant get returned tenant 1's user")
	}
	return nil
}
