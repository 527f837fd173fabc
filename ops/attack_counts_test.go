package ops_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/ops"
)

// A checkpoint's counts are the caller's to forge. Counts so large that
// the run's own work would overflow them must be refused, not wrapped to
// negative numbers in the result and in the next checkpoint.
func TestAttackCheckpointHugeCounts(t *testing.T) {
	atEach(t, func(t *testing.T, b backend.Backend) {
		ctx := atCtx(t, "acme")
		atPut(t, b, backend.Item{"PK": atS("tenant#acme"), "SK": atS("user#1")})
		cp := atCheckpoint(t, map[string]any{"v": 1, "op": "purge", "t": "acme",
			"counts": map[string]any{"examined": int64(math.MaxInt64), "done": int64(math.MaxInt64), "bytes": int64(math.MaxInt64), "units": math.MaxFloat64}})
		res, err := ops.Purge(ctx, b, ops.WithResume(ops.Checkpoint(cp)))
		if err == nil {
			require.GreaterOrEqual(t, res.Done, int64(0), "counts wrapped around: %+v", res.Counts)
			require.GreaterOrEqual(t, res.Examined, int64(0), "counts wrapped around: %+v", res.Counts)
			require.GreaterOrEqual(t, res.Bytes, int64(0), "counts wrapped around: %+v", res.Counts)
		} else {
			require.ErrorIs(t, err, ops.ErrInvalidCheckpoint)
			require.NotEmpty(t, atPartition(t, b, "tenant#acme"), "a refused checkpoint deleted")
		}
	})
}
