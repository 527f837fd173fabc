package ops

import (
	"context"

	"github.com/tenantrepo/tenantrepo/backend"
)

// StatsResult are the items of one tenant.
type StatsResult struct {
	Tenant string `json:"tenant"`
	// Items and Bytes are the totals of ByType.
	Items int64 `json:"items"`
	Bytes int64 `json:"bytes"`
	// ByType are the items and bytes (backend.ItemSize) per sort-key
	// prefix.
	ByType map[string]TypeStats `json:"byType"`
}

// Stats counts the items and bytes of the context's tenant per entity type
// (sort-key prefix), reading its partition in pages.
func Stats(ctx context.Context, b backend.Backend, optFns ...func(*Options)) (StatsResult, error) {
	panic("ops.Stats: not yet")
}
