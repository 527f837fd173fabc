package ops

import (
	"context"

	"github.com/tenantrepo/tenantrepo/backend"
)

// PurgeResult is what Purge did, or with Options.DryRun would do.
type PurgeResult struct {
	Counts
	// ByType are the items deleted (or, in a dry run, found) per
	// sort-key prefix.
	ByType map[string]TypeStats `json:"byType"`
	// Checkpoint, when the purge stopped early, is where a new run with
	// Options.Resume continues; empty when the purge finished.
	Checkpoint Checkpoint `json:"checkpoint,omitempty"`
	DryRun     bool       `json:"dryRun,omitempty"`
}

// Purge deletes every item of the context's tenant: every item whose
// partition key is the tenant's, of every entity type, including types
// this program does not know and items other programs wrote. It reads the
// partition in pages and deletes in batches of 25 (backend.MaxBatchWrite),
// Options.Concurrency batches at a time, retrying unprocessed items; it
// ends by reading the partition again, consistently, and returns an error
// wrapping ErrNotEmpty if anything is left (an item written while it ran).
//
// A purge stopped by an error or a canceled context returns, in the result,
// a checkpoint to resume from; re-running a finished purge finds nothing
// and deletes nothing. With Options.DryRun it deletes nothing and reports
// the counts and bytes per type it would delete.
func Purge(ctx context.Context, b backend.Backend, optFns ...func(*Options)) (PurgeResult, error) {
	panic("ops.Purge: not yet")
}
