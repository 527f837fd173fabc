package ops_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/ops"
)

// atLeaky is a buggy (or hostile) backend: every query of tenant acme's
// partition also returns the items of another tenant's partition.
type atLeaky struct {
	backend.Backend
	from, leak string // partition keys
}

func (l atLeaky) Query(ctx context.Context, in backend.QueryInput) (backend.QueryOutput, error) {
	out, err := l.Backend.Query(ctx, in)
	if err != nil || in.PK != l.from || in.Index != "" {
		return out, err
	}
	other, err := l.Backend.Query(ctx, backend.QueryInput{PK: l.leak, Range: backend.SortRange{Op: backend.BeginsWith}, Limit: 100, ConsistentRead: true})
	if err != nil {
		return out, err
	}
	out.Items = append(append([]backend.Item(nil), out.Items...), other.Items...)
	return out, nil
}

// atLeakyCheck leaks only into queries of one item: the final check of
// a purge.
type atLeakyCheck struct{ atLeaky }

func (l atLeakyCheck) Query(ctx context.Context, in backend.QueryInput) (backend.QueryOutput, error) {
	if in.Limit == 1 {
		return l.atLeaky.Query(ctx, in)
	}
	return l.Backend.Query(ctx, in)
}

// A backend that answers a query of one tenant's partition with another
// tenant's items must not make an operation count, report, export, copy
// or change those items: each refuses the page with an error.
func TestAttackForeignItemsFromBackend(t *testing.T) {
	atEach(t, func(t *testing.T, b backend.Backend) {
		before := atSeedNeighbours(t, b)
		acme := []backend.Item{
			{"PK": atS("tenant#acme"), "SK": atS("user#1"), "email": atS("me@x")},
			{"PK": atS("tenant#acme"), "SK": atS("user#2"), "email": atS("you@x")},
		}
		leaky := atLeaky{Backend: b, from: "tenant#acme", leak: "tenant#acme-corp"}
		ctx := atCtx(t, "acme")

		t.Run("purge dry run", func(t *testing.T) {
			atPut(t, b, acme...)
			res, err := ops.Purge(ctx, leaky, ops.WithDryRun())
			require.Error(t, err, "a dry run counted another tenant's items: %+v", res)
			require.NotContains(t, res.ByType, "secret", "the dry run reported another tenant's types")
			atUnchanged(t, b, before)
		})
		t.Run("purge", func(t *testing.T) {
			atPut(t, b, acme...)
			res, err := ops.Purge(ctx, leaky)
			require.Error(t, err, "a purge counted another tenant's items: %+v", res)
			require.NotContains(t, res.ByType, "secret")
			atUnchanged(t, b, before)
		})
		t.Run("purge's final check", func(t *testing.T) {
			atPut(t, b, acme...)
			res, err := ops.Purge(ctx, atLeakyCheck{atLeaky: leaky})
			require.Error(t, err)
			require.NotErrorIs(t, err, ops.ErrNotEmpty, "another tenant's item taken for one left in the tenant's partition")
			require.NotContains(t, err.Error(), "secret", "the error names another tenant's item")
			require.NotContains(t, err.Error(), "acme-corp", "the error names another tenant")
			require.NotContains(t, res.ByType, "secret")
			atUnchanged(t, b, before)
		})
		t.Run("export", func(t *testing.T) {
			atPut(t, b, acme...)
			var buf bytes.Buffer
			_, err := ops.Export(ctx, leaky, &buf)
			require.Error(t, err)
			require.NotContains(t, err.Error(), "acme-corp", "the error names another tenant")
			require.NotContains(t, buf.String(), "acme-corp")
		})
		t.Run("stats", func(t *testing.T) {
			atPut(t, b, acme...)
			res, err := ops.Stats(ctx, leaky)
			require.Error(t, err)
			require.NotContains(t, res.ByType, "secret")
		})
		t.Run("reindex", func(t *testing.T) {
			atPut(t, b, acme...)
			spec := ops.TypeSpec{Prefix: "user", Indexes: []entity.Index{{Name: "byEmail", Slot: 1, PartitionAttr: "email", SortAttr: "SKcopy"}}}
			_, err := ops.ReindexType(ctx, leaky, spec)
			require.Error(t, err, "a reindex took a page holding another tenant's items without a word")
			atUnchanged(t, b, before)
		})
		t.Run("copy", func(t *testing.T) {
			atPut(t, b, acme...)
			_, err := ops.Copy(ctx, leaky, atCtx(t, "fresh"), b)
			require.Error(t, err)
			require.Empty(t, atPartition(t, b, "tenant#fresh"))
		})
	})
}
