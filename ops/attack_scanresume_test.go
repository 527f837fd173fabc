package ops_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/ops"
)

// A forged ReindexAll checkpoint whose position in one segment lies in
// another segment is refused by the backend's scan: it must be refused
// before any segment writes, so that bad input changes nothing stored,
// not after the other segments have reindexed part of the table.
func TestAttackReindexAllForgedSegmentChangesNothing(t *testing.T) {
	atEach(t, func(t *testing.T, b backend.Backend) {
		var items []backend.Item
		var pks []string
		for i := range 40 {
			pk := fmt.Sprintf("tenant#t%02d", i)
			pks = append(pks, pk)
			for j := range 5 {
				items = append(items, backend.Item{"PK": atS(pk), "SK": atS(fmt.Sprintf("user#%d", j)), "email": atS("e"), "name": atS("n")})
			}
		}
		atPut(t, b, items...)
		before := atSnapshot(t, b, pks...)
		// A position of segment 1 of 4, put in segment 0's place.
		out, err := b.(backend.Scanner).Scan(context.Background(), backend.ScanInput{Segment: 1, TotalSegments: 4, Limit: 1})
		require.NoError(t, err)
		require.NotEmpty(t, out.Items)
		k, _ := backend.KeyOf(out.Items[0])
		spec := ops.TypeSpec{Prefix: "user", Indexes: []entity.Index{{Name: "e", Slot: 1, PartitionAttr: "email", SortAttr: "name"}}}
		// The checkpoint's operation name holds the spec's hash: take it
		// from a dry run's checkpoint, stopped at once.
		ctx, cancel := context.WithCancel(atOperator(t))
		cancel()
		res, _ := ops.ReindexAllType(ctx, b, spec, ops.WithSegments(4))
		require.NotEmpty(t, res.Checkpoint)
		op := atDecode(t, string(res.Checkpoint))["op"].(string)
		cp := atCheckpoint(t, map[string]any{"v": 1, "op": op, "counts": map[string]any{},
			"segs": []map[string]any{{"pk": k.PK, "sk": k.SK}, {}, {}, {}}})
		_, err = ops.ReindexAllType(atOperator(t), b, spec, ops.WithResume(ops.Checkpoint(cp)))
		require.ErrorIs(t, err, ops.ErrInvalidCheckpoint)
		atUnchanged(t, b, before)
	})
}
