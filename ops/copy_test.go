package ops

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
	"github.com/tenantrepo/tenantrepo/internal/testfixture"
)

// copyCase copies acme of src to new of dst, renaming, and checks the
// result and both sides' other tenants.
func copyCase(t *testing.T, src, dst backend.Backend) {
	t.Helper()
	srcOthers := seedOthers(t, src)
	var dstOthers map[string]map[string]backend.Item
	if dst != src {
		dstOthers = seedOthers(t, dst)
	}
	writeItems(t, src, richItems("tenant#acme", 120))
	data, _ := exportData(t, tenantCtx(t, "acme"), src)

	var reports int
	res, err := Copy(tenantCtx(t, "acme"), src, tenantCtx(t, "new"), dst, WithPageSize(50), WithProgress(func(p Progress) {
		require.Equal(t, "copy", p.Op)
		reports++
	}))
	require.NoError(t, err)
	require.Equal(t, res.Source, res.Dest)
	require.Equal(t, int64(120), res.Source.Items)
	require.Equal(t, []LineRange{{1, 120}}, res.Import.Written)
	require.Equal(t, int64(120), res.Import.Done)
	require.Equal(t, int64(120), res.Import.Examined)
	require.Equal(t, "acme", res.Import.From)
	require.Equal(t, "new", res.Import.To)
	require.Greater(t, reports, 3)

	got, m := exportData(t, tenantCtx(t, "new"), dst)
	require.Equal(t, string(renamedData(t, data, "tenant#acme", "tenant#new")), string(got))
	// The checksum is the export's, of the source.
	_, ms := exportData(t, tenantCtx(t, "acme"), src)
	require.Equal(t, ms.SHA256, res.Source.SHA256)
	require.Equal(t, ms.ItemCount, m.ItemCount)

	// Again: the same.
	res2, err := Copy(tenantCtx(t, "acme"), src, tenantCtx(t, "new"), dst)
	require.NoError(t, err)
	require.Equal(t, res.Dest, res2.Dest)

	checkOthers(t, src, srcOthers)
	if dstOthers != nil {
		checkOthers(t, dst, dstOthers)
	}
}

func TestCopySameBackend(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend.Backend) { copyCase(t, b, b) })
}

func TestCopyMemoryToLocal(t *testing.T) {
	local := dynamotest.NewTable(t)
	copyCase(t, memory.New(), local)
}

func TestCopyLocalToMemory(t *testing.T) {
	local := dynamotest.NewTable(t)
	copyCase(t, local, memory.New())
}

// TestCopyWithoutRename: the same tenant from one memory store to another.
func TestCopyWithoutRename(t *testing.T) {
	src, dst := memory.New(), memory.New()
	writeItems(t, src, richItems("tenant#acme", 40))
	ctx := tenantCtx(t, "acme")
	res, err := Copy(ctx, src, ctx, dst)
	require.NoError(t, err)
	require.Equal(t, res.Source, res.Dest)
	a, _ := exportData(t, ctx, src)
	b, _ := exportData(t, ctx, dst)
	require.Equal(t, string(a), string(b))
}

// TestCopyVerifies: a destination that holds more than the source fails
// the verification.
func TestCopyVerifies(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend.Backend) {
		writeItems(t, b, richItems("tenant#acme", 30))
		writeItems(t, b, []backend.Item{{"PK": testfixture.S("tenant#new"), "SK": testfixture.S("stray#1")}})
		res, err := Copy(tenantCtx(t, "acme"), b, tenantCtx(t, "new"), b)
		require.ErrorIs(t, err, ErrVerify)
		require.Equal(t, int64(30), res.Source.Items)
		require.Equal(t, int64(31), res.Dest.Items)
		require.Equal(t, []LineRange{{1, 30}}, res.Import.Written)
	})
}

// TestCopyRefuses: a source with an item naming another tenant writes
// nothing; so do bad arguments.
func TestCopyRefuses(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend.Backend) {
		others := seedOthers(t, b)
		items := richItems("tenant#acme", 60)
		items = append(items, backend.Item{"PK": testfixture.S("tenant#acme"), "SK": testfixture.S("zz#1"), "GSI1PK": testfixture.S("tenant#acme-corp#user#by-email#x"), "GSI1SK": testfixture.S("x")})
		writeItems(t, b, items)
		src, dst := tenantCtx(t, "acme"), tenantCtx(t, "new")
		f := &faultyBatches{Backend: b}
		_, err := Copy(src, b, dst, f)
		require.ErrorIs(t, err, ErrForeignItem)
		require.Zero(t, f.calls.Load())

		_, err = Copy(src, b, src, b)
		require.ErrorIs(t, err, ErrInvalidArgument)
		_, err = Copy(src, nil, dst, b)
		require.ErrorIs(t, err, ErrInvalidArgument)
		_, err = Copy(src, b, dst, b, WithResume("x"))
		require.ErrorIs(t, err, ErrInvalidCheckpoint)
		_, err = Copy(context.Background(), b, dst, b)
		require.Error(t, err)
		_, err = Copy(src, b, context.Background(), b)
		require.Error(t, err)

		// A dry run checks and writes nothing.
		require.NoError(t, b.Delete(context.Background(), backend.DeleteInput{Key: backend.Key{PK: "tenant#acme", SK: "zz#1"}}))
		res, err := Copy(src, b, dst, f, WithDryRun())
		require.NoError(t, err)
		require.Equal(t, int64(60), res.Import.Examined)
		require.Zero(t, f.calls.Load())
		got, _ := exportData(t, dst, b)
		require.Empty(t, got)
		checkOthers(t, b, others)
	})
}

// TestCopyFailsPartWay: a write that fails is reported as Import reports
// it, and a new copy completes.
func TestCopyFailsPartWay(t *testing.T) {
	fastRetries(t)
	eachBackend(t, func(t *testing.T, b backend.Backend) {
		writeItems(t, b, richItems("tenant#acme", 100))
		src, dst := tenantCtx(t, "acme"), tenantCtx(t, "new")
		f := &faultyBatches{Backend: b, fail: func(n int, _ []backend.WriteRequest) batchFault { return batchFault{after: n == 2} }}
		res, err := Copy(src, b, dst, f, WithConcurrency(1))
		require.ErrorIs(t, err, errInjected)
		require.Equal(t, []LineRange{{1, 25}}, res.Import.Written)
		require.Equal(t, []LineRange{{26, 50}}, res.Import.NotDone)
		res, err = Copy(src, b, dst, b)
		require.NoError(t, err)
		require.Equal(t, res.Source, res.Dest)
	})
}
