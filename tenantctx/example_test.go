package tenantctx_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/tenantrepo/tenantrepo/tenantctx"
)

func ExampleWithTenant() {
	ctx, err := tenantctx.WithTenant(context.Background(), "acme")
	if err != nil {
		panic(err)
	}
	id, _ := tenantctx.FromContext(ctx)
	fmt.Println(id)

	_, err = tenantctx.WithTenant(context.Background(), "a#b")
	fmt.Println(errors.Is(err, tenantctx.ErrInvalidTenant))

	_, err = tenantctx.FromContext(context.Background())
	fmt.Println(errors.Is(err, tenantctx.ErrNoTenant))
	// Output:
	// acme
	// true
	// true
}
