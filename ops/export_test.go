package ops

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
)

// storedItems returns items as a backend returns them once stored, in
// sort-key order.
func storedItems(items []backend.Item) []backend.Item {
	out := make([]backend.Item, len(items))
	for i, it := range items {
		out[i] = backend.StoredItem(it)
	}
	slices.SortFunc(out, func(a, b backend.Item) int { return strings.Compare(sortKeyOf(a), sortKeyOf(b)) })
	return out
}

func TestExport(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend.Backend) {
		others := seedOthers(t, b)
		items := richItems("tenant#acme", 60)
		writeItems(t, b, items)
		at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))
		var reports []Progress
		data, m := exportData(t, tenantCtx(t, "acme"), b, WithProgress(func(p Progress) { reports = append(reports, p) }),
			WithClock(func() time.Time { return at }), WithPageSize(16))

		want := exportLines(t, storedItems(items))
		require.Equal(t, string(want), string(data))
		sum := sha256.Sum256(data)
		var itemBytes int64
		for _, it := range items {
			itemBytes += int64(backend.ItemSize(backend.StoredItem(it)))
		}
		require.Equal(t, Manifest{
			Format: "DYNAMODB_JSON", Tool: "tenantrepo", ToolVersion: toolVersion,
			Tenant: "acme", PartitionKey: "tenant#acme", ExportTime: at.UTC(),
			ItemCount: 60, ItemBytes: itemBytes, DataBytes: int64(len(data)), SHA256: hex.EncodeToString(sum[:]),
			KeySchema: KeySchema{PartitionKey: "PK", SortKey: "SK", Indexes: []IndexSchema{
				{"GSI1", "GSI1PK", "GSI1SK"}, {"GSI2", "GSI2PK", "GSI2SK"}, {"GSI3", "GSI3PK", "GSI3SK"},
				{"GSI4", "GSI4PK", "GSI4SK"}, {"GSI5", "GSI5PK", "GSI5SK"},
			}},
			ByType: m.ByType,
		}, m)
		require.Equal(t, "devel", m.ToolVersion, "a test binary is a build of the module itself")
		var byTypeItems, byTypeBytes int64
		for _, s := range m.ByType {
			byTypeItems += s.Items
			byTypeBytes += s.Bytes
		}
		require.Equal(t, int64(60), byTypeItems)
		require.Equal(t, itemBytes, byTypeBytes)
		require.Equal(t, int64(24), m.ByType["user"].Items)
		require.Equal(t, int64(12), m.ByType["order"].Items)
		require.Equal(t, int64(12), m.ByType["evt"].Items)
		require.Equal(t, int64(12), m.ByType[""].Items)

		// A report per page of 16, then the final one.
		require.Len(t, reports, 5)
		require.True(t, reports[4].Final)
		require.Equal(t, Counts{Examined: 60, Done: 60, Bytes: itemBytes, Units: reports[4].Units}, reports[4].Counts)
		require.Equal(t, "export", reports[0].Op)
		require.Equal(t, "acme", reports[0].Tenant)
		require.Equal(t, int64(16), reports[0].Done)

		// The default page size gives the same bytes.
		again, m2 := exportData(t, tenantCtx(t, "acme"), b, WithClock(func() time.Time { return at }))
		require.Equal(t, string(data), string(again))
		require.Equal(t, m, m2)

		// A tenant without items: empty data.
		empty, me := exportData(t, tenantCtx(t, "acme-c"), b)
		require.Empty(t, empty)
		require.Equal(t, int64(0), me.ItemCount)
		require.Equal(t, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", me.SHA256)
		checkOthers(t, b, others)
	})
}

// TestExportSameBytesOnBothBackends: the same items give the same export
// on the memory backend and on DynamoDB Local, whatever order each
// returns sets in.
func TestExportSameBytesOnBothBackends(t *testing.T) {
	local := dynamotest.NewTable(t)
	mem := memory.New()
	items := richItems("tenant#acme", 200)
	writeItems(t, local, items)
	writeItems(t, mem, items)
	at := WithClock(func() time.Time { return time.Unix(0, 0) })
	a, ma := exportData(t, tenantCtx(t, "acme"), mem, at)
	b, mb := exportData(t, tenantCtx(t, "acme"), local, at)
	require.Equal(t, string(a), string(b))
	require.Equal(t, ma, mb)
}

func TestExportIndexesReported(t *testing.T) {
	b := memory.New(func(o *memory.Options) { o.Indexes = 2 })
	_, m := exportData(t, tenantCtx(t, "acme"), b)
	require.Equal(t, []IndexSchema{{"GSI1", "GSI1PK", "GSI1SK"}, {"GSI2", "GSI2PK", "GSI2SK"}}, m.KeySchema.Indexes)
}

type failingWriter struct{ n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.n--; w.n < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestExportRefuses(t *testing.T) {
	b := memory.New()
	writeItems(t, b, richItems("tenant#acme", 30))
	ctx := tenantCtx(t, "acme")
	var buf bytes.Buffer
	_, err := Export(ctx, nil, &buf)
	require.ErrorIs(t, err, ErrInvalidArgument)
	_, err = Export(ctx, b, nil)
	require.ErrorIs(t, err, ErrInvalidArgument)
	_, err = Export(context.Background(), b, &buf)
	require.Error(t, err)
	_, err = Export(ctx, b, &buf, WithResume("x"))
	require.ErrorIs(t, err, ErrInvalidCheckpoint)
	_, err = Export(ctx, b, &buf, WithDryRun())
	require.ErrorIs(t, err, ErrInvalidArgument)
	_, err = Export(ctx, b, &buf, WithConcurrency(-1))
	require.ErrorIs(t, err, ErrInvalidArgument)
	_, err = Export(ctx, b, &buf, nil)
	require.ErrorIs(t, err, ErrInvalidArgument)
	require.Zero(t, buf.Len())

	// A writer that fails: the error, and the manifest of what was written.
	m, err := Export(ctx, b, &failingWriter{n: 1}, WithPageSize(10))
	require.ErrorContains(t, err, "disk full")
	require.Equal(t, int64(10), m.ItemCount)

	// A canceled context is returned as it is.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = Export(cctx, b, &buf)
	require.ErrorIs(t, err, context.Canceled)
}

func TestExportPace(t *testing.T) {
	b := memory.New()
	writeItems(t, b, richItems("tenant#acme", 60))
	start := time.Now()
	_, m := exportData(t, tenantCtx(t, "acme"), b, WithPace(Pace{ItemsPerSecond: 200}), WithPageSize(20))
	require.Equal(t, int64(60), m.ItemCount)
	// Two pages of 20 are waited for before the third: at least 0.15 s
	// (the first tenth of a second's burst aside).
	require.Greater(t, time.Since(start), 150*time.Millisecond)
}

func TestStats(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend.Backend) {
		others := seedOthers(t, b)
		items := richItems("tenant#acme", 45)
		writeItems(t, b, items)
		ctx := tenantCtx(t, "acme")
		_, m := exportData(t, ctx, b)
		var final Progress
		st, err := Stats(ctx, b, WithProgress(func(p Progress) { final = p }), WithPageSize(7))
		require.NoError(t, err)
		require.Equal(t, StatsResult{Tenant: "acme", Items: 45, Bytes: m.ItemBytes, ByType: m.ByType}, st)
		require.True(t, final.Final)
		require.Equal(t, "stats", final.Op)
		require.Equal(t, int64(45), final.Examined)

		st, err = Stats(tenantCtx(t, "acme-c"), b)
		require.NoError(t, err)
		require.Equal(t, StatsResult{Tenant: "acme-c", ByType: map[string]TypeStats{}}, st)
		_, err = Stats(ctx, nil)
		require.ErrorIs(t, err, ErrInvalidArgument)
		_, err = Stats(ctx, b, WithResume("x"))
		require.ErrorIs(t, err, ErrInvalidCheckpoint)
		checkOthers(t, b, others)
	})
}
