package conformance

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
)

// The cases of this file pin BatchGetItem and BatchWriteItem as DynamoDB
// (DynamoDB Local 3.3.0) does them. DynamoDB may leave keys or writes
// unprocessed under load, which DynamoDB Local does not do; the memory
// backend's tests cover that with memory.Options.Unprocessed.

// beBatchSortKeys returns the sorted sort keys of items.
func beBatchSortKeys(items []backend.Item) []string {
	sks := beSortKeys(items)
	slices.Sort(sks)
	return sks
}

// backendBatchRoundTrip: BatchWriteItem puts and deletes up to 25 items,
// replacing existing ones whole and normalizing numbers as PutItem does;
// BatchGetItem reads up to 100 keys, returning whole items in no
// particular order and leaving missing ones out.
func backendBatchRoundTrip(t *testing.T, h *harness) {
	b := h.b
	ctx := t.Context()
	bePut(t, b, beItem(bePK, "b#00", "old", beS("replaced whole")))
	bePut(t, b, beItem(bePK, "d#00", "v", beS("deleted")))

	var writes []backend.WriteRequest
	for i := range 24 {
		writes = append(writes, backend.WriteRequest{Put: beItem(bePK, fmt.Sprintf("b#%02d", i), "v", beN(fmt.Sprint(i)), "f", beN("1.50"))})
	}
	writes = append(writes, backend.WriteRequest{Delete: &backend.Key{PK: bePK, SK: "d#00"}})
	out, err := b.BatchWrite(ctx, backend.BatchWriteInput{Writes: writes})
	require.NoError(t, err)
	assert.Empty(t, out.Unprocessed)

	// Read 24 stored keys and 76 missing ones, in one request.
	var keys []backend.Key
	for i := range 100 {
		keys = append(keys, beKey(bePK, fmt.Sprintf("b#%02d", i)))
	}
	keys[99] = beKey(bePK, "d#00")
	keys[98] = beKey("tenant#other", "b#00")
	if !h.shared() {
		// One request, one tenant: a batch with a key of another
		// tenant is refused, and nothing is read.
		_, err := b.BatchGet(ctx, backend.BatchGetInput{Keys: keys, ConsistentRead: true})
		require.ErrorIs(t, err, backend.ErrInvalidArgument, "a batch of two tenants' keys")
		keys[98] = beKey(bePK, "missing#98")
	}
	got, err := b.BatchGet(ctx, backend.BatchGetInput{Keys: keys, ConsistentRead: true})
	require.NoError(t, err)
	assert.Empty(t, got.Unprocessed)
	require.Len(t, got.Items, 24)
	var want []string
	for i := range 24 {
		want = append(want, fmt.Sprintf("b#%02d", i))
	}
	assert.Equal(t, want, beBatchSortKeys(got.Items))
	byKey := map[string]backend.Item{}
	for _, it := range got.Items {
		byKey[beSortKeys([]backend.Item{it})[0]] = it
	}
	assert.Equal(t, beItem(bePK, "b#00", "v", beN("0"), "f", beN("1.5")), byKey["b#00"], "replaced whole, numbers normalized")
	assert.Equal(t, beItem(bePK, "b#23", "v", beN("23"), "f", beN("1.5")), byKey["b#23"])

	// Deletes of present and missing items, and puts, in one batch.
	out, err = b.BatchWrite(ctx, backend.BatchWriteInput{Writes: []backend.WriteRequest{
		{Delete: &backend.Key{PK: bePK, SK: "b#00"}},
		{Delete: &backend.Key{PK: bePK, SK: "never#1"}},
		{Put: beItem(bePK, "c#01")},
	}})
	require.NoError(t, err)
	assert.Empty(t, out.Unprocessed)
	assert.Nil(t, beGet(t, b, beKey(bePK, "b#00")))
	assert.Equal(t, beItem(bePK, "c#01"), beGet(t, b, beKey(bePK, "c#01")))

	// Nothing to do is no error.
	_, err = b.BatchGet(ctx, backend.BatchGetInput{})
	require.NoError(t, err)
	_, err = b.BatchWrite(ctx, backend.BatchWriteInput{})
	require.NoError(t, err)
}

// backendBatchLimits: DynamoDB refuses (ErrInvalidArgument), and then reads
// or writes nothing, a BatchGetItem of more than 100 keys or of a key twice,
// and a BatchWriteItem of more than 25 writes or of two writes on one item.
func backendBatchLimits(t *testing.T, h *harness) {
	b := h.b
	ctx := t.Context()
	bePut(t, b, beItem(bePK, "keep", "v", beS("1")))
	keys := func(n int) []backend.Key {
		var ks []backend.Key
		for i := range n {
			ks = append(ks, beKey(bePK, fmt.Sprintf("k#%03d", i)))
		}
		return ks
	}
	puts := func(n int) []backend.WriteRequest {
		var ws []backend.WriteRequest
		for i := range n {
			ws = append(ws, backend.WriteRequest{Put: beItem(bePK, fmt.Sprintf("k#%03d", i))})
		}
		return ws
	}
	_, err := b.BatchGet(ctx, backend.BatchGetInput{Keys: keys(100)})
	require.NoError(t, err, "100 keys")
	_, err = b.BatchGet(ctx, backend.BatchGetInput{Keys: keys(101)})
	assert.ErrorIs(t, err, backend.ErrInvalidArgument, "101 keys")
	_, err = b.BatchGet(ctx, backend.BatchGetInput{Keys: append(keys(3), beKey(bePK, "k#001"))})
	assert.ErrorIs(t, err, backend.ErrInvalidArgument, "a key twice")

	_, err = b.BatchWrite(ctx, backend.BatchWriteInput{Writes: puts(26)})
	assert.ErrorIs(t, err, backend.ErrInvalidArgument, "26 writes")
	_, err = b.BatchWrite(ctx, backend.BatchWriteInput{Writes: append(puts(3), backend.WriteRequest{Put: beItem(bePK, "k#002", "v", beS("2"))})})
	assert.ErrorIs(t, err, backend.ErrInvalidArgument, "two puts of one item")
	_, err = b.BatchWrite(ctx, backend.BatchWriteInput{Writes: append(puts(3), backend.WriteRequest{Delete: &backend.Key{PK: bePK, SK: "k#000"}})})
	assert.ErrorIs(t, err, backend.ErrInvalidArgument, "a put and a delete of one item")
	_, err = b.BatchWrite(ctx, backend.BatchWriteInput{Writes: []backend.WriteRequest{
		{Delete: &backend.Key{PK: bePK, SK: "keep"}}, {Delete: &backend.Key{PK: bePK, SK: "keep"}},
	}})
	assert.ErrorIs(t, err, backend.ErrInvalidArgument, "two deletes of one item")

	res, err := b.Query(ctx, backend.QueryInput{PK: bePK, Range: backend.SortRange{}, Limit: 100})
	require.NoError(t, err)
	assert.Equal(t, []string{"keep"}, beSortKeys(res.Items), "nothing was written")
}

// backendBatchWriteInvalidItems: DynamoDB refuses a whole BatchWriteItem
// when one of its items is invalid (ErrInvalidArgument) or too large
// (ErrItemTooLarge), and writes none of it.
func backendBatchWriteInvalidItems(t *testing.T, h *harness) {
	b := h.b
	ctx := t.Context()
	ok := backend.WriteRequest{Put: beItem(bePK, "w#1")}
	_, err := b.BatchWrite(ctx, backend.BatchWriteInput{Writes: []backend.WriteRequest{
		ok, {Put: beItem(bePK, "w#2", "n", beN("not a number"))},
	}})
	assert.ErrorIs(t, err, backend.ErrInvalidArgument)
	_, err = b.BatchWrite(ctx, backend.BatchWriteInput{Writes: []backend.WriteRequest{
		ok, {Put: beItem(bePK, "w#3", "big", beS(strings.Repeat("x", backend.MaxItemBytes)))},
	}})
	assert.ErrorIs(t, err, backend.ErrItemTooLarge)
	assert.Nil(t, beGet(t, b, beKey(bePK, "w#1")), "nothing was written")
}
