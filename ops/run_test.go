package ops

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/entity"
)

// panicky is a backend whose writes panic, as a broken third-party
// backend's might.
type panicky struct{ backend.Backend }

func (panicky) BatchWrite(context.Context, backend.BatchWriteInput) (backend.BatchWriteOutput, error) {
	panic("broken backend")
}

func (panicky) Update(context.Context, backend.UpdateInput) (backend.Item, error) {
	panic("broken backend")
}

// A backend that panics in a write the operations send from their worker
// goroutines gives the caller an error: a panic there could not be
// recovered by the caller and would end its program.
func TestWorkerPanicIsAnError(t *testing.T) {
	store := memory.New()
	seedMixed(t, store, 60)
	ctx := tenantCtx(t, "acme")
	data, _ := exportData(t, ctx, store)
	b := panicky{store}

	_, err := Purge(ctx, b)
	assert.ErrorContains(t, err, "panicked")
	_, err = Import(tenantCtx(t, "acme-restored"), b, bytes.NewReader(data))
	assert.ErrorContains(t, err, "panicked")
	_, err = Copy(ctx, store, tenantCtx(t, "acme-copy"), b)
	assert.ErrorContains(t, err, "panicked")
	spec := TypeSpec{Prefix: "user", Indexes: []entity.Index{{Name: "by-email", Slot: 1, PartitionAttr: "user_email", SortAttr: "user_name"}}}
	res, err := ReindexType(ctx, b, spec)
	assert.ErrorContains(t, err, "panicked")
	require.NotEmpty(t, res.Checkpoint, "a reindex stopped by the panic can resume")
}
