package testfixture

import (
	"context"
	"fmt"
)

// ForgedContext is a context.Context that answers tenantctx's unexported
// tenant key (found by its type's name) with V, or every key when Every is
// set, and other keys as its parent does: what any context.Context
// implementation can do, for the tests of tenant isolation.
type ForgedContext struct {
	context.Context
	V     any
	Every bool
}

// Value answers k as the fields say.
func (c ForgedContext) Value(k any) any {
	if c.Every || fmt.Sprintf("%T", k) == "tenantctx.key" {
		return c.V
	}
	return c.Context.Value(k)
}
