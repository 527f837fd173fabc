package ops

import (
	"context"

	"github.com/tenantrepo/tenantrepo/backend"
)

// TenantPage is one page of a table's tenants.
type TenantPage struct {
	// Tenants are tenant IDs, each once in a page.
	Tenants []string `json:"tenants"`
	// Next, when not empty, continues the list (Options.Resume); empty
	// when the table has been read to its end.
	Next Checkpoint `json:"next,omitempty"`
}

// Tenants returns a page of the tenants of the table: the tenant IDs of
// the partition keys it holds. It is operator-scoped: ctx must carry
// tenantctx.AsOperator's marker, and b must be a backend.Scanner. It
// reads Options.PageSize items at most (keys only) per call; a tenant
// can appear in two consecutive pages, never twice in one.
func Tenants(ctx context.Context, b backend.Backend, optFns ...func(*Options)) (TenantPage, error) {
	panic("ops.Tenants: not yet")
}
