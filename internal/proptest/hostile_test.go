package proptest

import (
	"context"
	"fmt"
	"strings"

	"github.com/tenantrepo/tenantrepo/entity"
)

// An op's Tenant below -1 stands for a context that answers every key,
// tenantctx's own included, with hostileTenants[-Tenant-2]: a value
// WithTenant would have refused, or no string at all. Every operation
// must fail with ErrInvalidTenant and change nothing.
var hostileTenants = []any{
	"", "#", "t0#x", "\xff", "\xfe", "a\xffb", "\x00", "a\n", "a\u0085",
	strings.Repeat("t", entity.MaxTenantIDBytes+1), 7, []byte("t0"),
	everyKey{"t0"}, everyKey{"\xff"},
}

// everyKey, as a hostile value, makes the context answer every key (the
// SDK's too) with the string, a valid tenant ID or not.
type everyKey struct{ v string }

// hostileContext answers tenantctx's unexported key (found by its type's
// name) with v, or every key when v is an everyKey.
type hostileContext struct {
	context.Context
	v any
}

func (c hostileContext) Value(k any) any {
	if e, ok := c.v.(everyKey); ok {
		return e.v
	}
	if fmt.Sprintf("%T", k) == "tenantctx.key" {
		return c.v
	}
	return c.Context.Value(k)
}

// hostileTenant returns the Tenant of an op with a hostile context.
func hostileTenant(i int) int { return -2 - i }
