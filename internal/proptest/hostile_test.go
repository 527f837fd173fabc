package proptest

import (
	"context"
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
}

// hostileContext answers every key with v.
type hostileContext struct {
	context.Context
	v any
}

func (c hostileContext) Value(any) any { return c.v }

// hostileTenant returns the Tenant of an op with a hostile context.
func hostileTenant(i int) int { return -2 - i }
