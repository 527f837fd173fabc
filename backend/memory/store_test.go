package memory

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
)

// These tests cover what the conformance suite cannot check on DynamoDB
// Local: unprocessed batch requests, the expiry of transaction tokens, and
// concurrent use.

const pk = "tenant#acme"

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }

func item(sk string, kv ...any) backend.Item {
	it := backend.Item{"PK": s(pk), "SK": s(sk)}
	for i := 0; i < len(kv); i += 2 {
		it[kv[i].(string)] = kv[i+1].(types.AttributeValue)
	}
	return it
}

func key(sk string) backend.Key { return backend.Key{PK: pk, SK: sk} }

func get(t *testing.T, st *Store, sk string) backend.Item {
	t.Helper()
	it, err := st.Get(context.Background(), backend.GetInput{Key: key(sk)})
	if errors.Is(err, backend.ErrNotFound) {
		return nil
	}
	require.NoError(t, err)
	return it
}

func TestUnprocessedBatchGet(t *testing.T) {
	var asked []backend.Key
	st := New(func(o *Options) {
		o.Unprocessed = func(k backend.Key) bool {
			asked = append(asked, k)
			return k.SK == "b" || k.SK == "missing"
		}
	})
	ctx := context.Background()
	for _, sk := range []string{"a", "b", "c"} {
		require.NoError(t, st.Put(ctx, backend.PutInput{Item: item(sk)}))
	}
	keys := []backend.Key{key("a"), key("b"), key("missing"), key("c")}
	out, err := st.BatchGet(ctx, backend.BatchGetInput{Keys: keys})
	require.NoError(t, err)
	assert.Equal(t, keys, asked, "asked about every key, in order")
	assert.Equal(t, []backend.Item{item("a"), item("c")}, out.Items)
	assert.Equal(t, []backend.Key{key("b"), key("missing")}, out.Unprocessed)
}

func TestUnprocessedBatchWrite(t *testing.T) {
	first := true
	var mu sync.Mutex
	st := New(func(o *Options) {
		o.Unprocessed = func(k backend.Key) bool {
			mu.Lock()
			defer mu.Unlock()
			return first && k.SK != "a" // the first request does only "a"
		}
	})
	ctx := context.Background()
	require.NoError(t, st.Put(ctx, backend.PutInput{Item: item("gone")}))
	writes := []backend.WriteRequest{
		{Put: item("a", "v", n("1.50"))},
		{Put: item("b")},
		{Delete: &backend.Key{PK: pk, SK: "gone"}},
	}
	out, err := st.BatchWrite(ctx, backend.BatchWriteInput{Writes: writes})
	require.NoError(t, err)
	assert.Equal(t, item("a", "v", n("1.5")), get(t, st, "a"))
	assert.Nil(t, get(t, st, "b"))
	assert.NotNil(t, get(t, st, "gone"))
	require.Equal(t, writes[1:], out.Unprocessed)
	// The unprocessed writes are copies.
	out.Unprocessed[0].Put["x"] = s("changed")
	out.Unprocessed[1].Delete.SK = "changed"
	assert.Equal(t, item("b"), writes[1].Put)
	assert.Equal(t, "gone", writes[2].Delete.SK)

	mu.Lock()
	first = false
	mu.Unlock()
	out, err = st.BatchWrite(ctx, backend.BatchWriteInput{Writes: writes[1:]})
	require.NoError(t, err)
	assert.Empty(t, out.Unprocessed)
	assert.NotNil(t, get(t, st, "b"))
	assert.Nil(t, get(t, st, "gone"))
}

func TestTokenExpiry(t *testing.T) {
	st := New()
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	st.now = func() time.Time { return now }
	ctx := context.Background()
	add := func(v string) backend.TransactInput {
		return backend.TransactInput{Token: "tok", Actions: []backend.TxAction{{
			Kind: backend.TxUpdate, Key: key("c"),
			Expr: backend.Expressions{Update: "ADD #n :v", Names: map[string]string{"#n": "n"}, Values: map[string]types.AttributeValue{":v": n(v)}},
		}}}
	}
	require.NoError(t, st.TransactWrite(ctx, add("1")))
	now = now.Add(9 * time.Minute)
	require.NoError(t, st.TransactWrite(ctx, add("1")), "a repeat within ten minutes")
	require.ErrorIs(t, st.TransactWrite(ctx, add("2")), backend.ErrInvalidArgument, "other actions within ten minutes")
	assert.Equal(t, n("1"), get(t, st, "c")["n"])

	now = now.Add(time.Minute)
	require.NoError(t, st.TransactWrite(ctx, add("2")), "ten minutes on, the token is free")
	assert.Equal(t, n("3"), get(t, st, "c")["n"])
	require.NoError(t, st.TransactWrite(ctx, add("2")), "and held again")
	assert.Equal(t, n("3"), get(t, st, "c")["n"])
	assert.Len(t, st.tokens.order, 1, "expired tokens are forgotten")
}

func TestTokenFingerprintIgnoresMapOrder(t *testing.T) {
	mk := func() []backend.TxAction {
		return []backend.TxAction{{
			Kind: backend.TxPut,
			Item: item("x", "a", n("1"), "b", n("2"), "c", &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"k": s("v"), "l": s("w")}}),
			Expr: backend.Expressions{Condition: "#a <> :a AND #b <> :b", Names: map[string]string{"#a": "a", "#b": "b"}, Values: map[string]types.AttributeValue{":a": n("0"), ":b": n("0")}},
		}}
	}
	want := fingerprint(mk())
	for range 20 {
		assert.Equal(t, want, fingerprint(mk()))
	}
	other := mk()
	other[0].Item["a"] = n("1.0")
	assert.NotEqual(t, want, fingerprint(other))
}

func TestUpdateNormalizesNumbers(t *testing.T) {
	st := New()
	ctx := context.Background()
	got, err := st.Update(ctx, backend.UpdateInput{Key: key("u"), Expr: backend.Expressions{
		Update: "SET a = :a, b = :b + :b, l = :l, ns = :ns ADD c :c",
		Values: map[string]types.AttributeValue{
			":a": n("1.50"), ":b": n("1e2"), ":c": n("0.50"),
			":l":  &types.AttributeValueMemberL{Value: []types.AttributeValue{n("1.50")}},
			":ns": &types.AttributeValueMemberNS{Value: []string{"1.0", "2e1"}},
		},
	}})
	require.NoError(t, err)
	want := item("u", "a", n("1.5"), "b", n("200"), "c", n("0.5"),
		"l", &types.AttributeValueMemberL{Value: []types.AttributeValue{n("1.50")}},
		"ns", &types.AttributeValueMemberNS{Value: []string{"1", "20"}})
	assert.Equal(t, want, got)
	assert.Equal(t, want, get(t, st, "u"))
}

func TestReturnedItemsAreCopies(t *testing.T) {
	st := New()
	ctx := context.Background()
	orig := item("a", "l", &types.AttributeValueMemberL{Value: []types.AttributeValue{s("x")}})
	require.NoError(t, st.Put(ctx, backend.PutInput{Item: orig}))
	err := st.Put(ctx, backend.PutInput{Item: orig, Expr: backend.Expressions{Condition: "attribute_not_exists(PK)"}})
	var cfe *backend.ConditionFailedError
	require.ErrorAs(t, err, &cfe)
	cfe.Item["l"].(*types.AttributeValueMemberL).Value[0] = s("changed")

	err = st.TransactWrite(ctx, backend.TransactInput{Actions: []backend.TxAction{{
		Kind: backend.TxCheck, Key: key("a"), Expr: backend.Expressions{Condition: "attribute_not_exists(PK)"},
	}}})
	var tce *backend.TxCanceledError
	require.ErrorAs(t, err, &tce)
	tce.Reasons[0].Item["l"].(*types.AttributeValueMemberL).Value[0] = s("changed")

	got, err := st.Update(ctx, backend.UpdateInput{Key: key("a"), Expr: backend.Expressions{Update: "SET m = l"}})
	require.NoError(t, err)
	got["m"].(*types.AttributeValueMemberL).Value[0] = s("changed")
	assert.Equal(t, item("a", "l", &types.AttributeValueMemberL{Value: []types.AttributeValue{s("x")}},
		"m", &types.AttributeValueMemberL{Value: []types.AttributeValue{s("x")}}), get(t, st, "a"))
}

func TestUnsupportedExpressionChangesNothing(t *testing.T) {
	st := New()
	ctx := context.Background()
	require.NoError(t, st.Put(ctx, backend.PutInput{Item: item("a")}))
	err := st.Put(ctx, backend.PutInput{Item: item("a", "v", n("1")), Expr: backend.Expressions{
		Condition: "size = :v", Values: map[string]types.AttributeValue{":v": n("1")},
	}})
	require.ErrorIs(t, err, backend.ErrUnsupported)
	assert.Contains(t, err.Error(), "is not supported by the memory backend")
	assert.Equal(t, item("a"), get(t, st, "a"))
}

// TestConcurrentUse runs writes, transactions, batches and queries at once;
// with -race it checks the Store's locking, and the counters check that no
// increment was lost.
func TestConcurrentUse(t *testing.T) {
	st := New()
	ctx := context.Background()
	const workers, rounds = 8, 50
	var wg sync.WaitGroup
	var txDone atomic.Int64
	incr := backend.Expressions{Update: "ADD #n :one", Names: map[string]string{"#n": "n"}, Values: map[string]types.AttributeValue{":one": n("1")}}
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				_, err := st.Update(ctx, backend.UpdateInput{Key: key("counter"), Expr: incr})
				assert.NoError(t, err)
				err = st.TransactWrite(ctx, backend.TransactInput{Actions: []backend.TxAction{
					{Kind: backend.TxUpdate, Key: key("tx#a"), Expr: incr},
					{Kind: backend.TxUpdate, Key: key("tx#b"), Expr: incr},
					{Kind: backend.TxPut, Item: item(fmt.Sprintf("log#%d#%03d", w, r))},
				}})
				if assert.NoError(t, err) {
					txDone.Add(1)
				}
				_, err = st.BatchWrite(ctx, backend.BatchWriteInput{Writes: []backend.WriteRequest{
					{Put: item(fmt.Sprintf("batch#%d", w), "r", n(fmt.Sprint(r)))},
				}})
				assert.NoError(t, err)
				res, err := st.Query(ctx, backend.QueryInput{PK: pk, Range: backend.SortRange{Op: backend.BeginsWith, Lo: "log#"}, Limit: 10,
					Expr: backend.Expressions{Filter: "attribute_not_exists(#x)", Names: map[string]string{"#x": "x"}}})
				assert.NoError(t, err)
				assert.LessOrEqual(t, len(res.Items), 10)
				_, err = st.BatchGet(ctx, backend.BatchGetInput{Keys: []backend.Key{key("tx#a"), key("counter")}})
				assert.NoError(t, err)
			}
		}()
	}
	wg.Wait()
	total := fmt.Sprint(workers * rounds)
	assert.Equal(t, n(total), get(t, st, "counter")["n"])
	assert.Equal(t, n(fmt.Sprint(txDone.Load())), get(t, st, "tx#a")["n"])
	assert.Equal(t, get(t, st, "tx#a")["n"], get(t, st, "tx#b")["n"], "all or nothing")
	assert.Equal(t, 3+workers*rounds+workers, st.Len())
}
