package dynamodb_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
)

// requireConditionFailed checks that err is a *backend.ConditionFailedError
// holding want, that errors.Is finds backend.ErrConditionFailed and that
// the SDK's error stays in the chain, and returns the item it holds.
func requireConditionFailed(t *testing.T, err error, want backend.Item, msg string) {
	t.Helper()
	require.ErrorIs(t, err, backend.ErrConditionFailed, msg)
	var cfe *backend.ConditionFailedError
	require.ErrorAs(t, err, &cfe, msg)
	assert.Equal(t, want, cfe.Item, msg)
	var ccf *types.ConditionalCheckFailedException
	assert.ErrorAs(t, err, &ccf, msg)
}

// TestConditionFailedItem checks that DynamoDB Local returns the item as it
// was with a failed condition (ReturnValuesOnConditionCheckFailure ALL_OLD)
// and that the backend hands it on, for each kind of write.
func TestConditionFailedItem(t *testing.T) {
	t.Parallel()
	b := dynamotest.NewTable(t)
	ctx := t.Context()
	old := item(pk, "a#1", "v", s("1"), "n", n("7"))
	put(t, b, old)
	k := key(pk, "a#1")
	isTwo := cond(t, expression.Name("v").Equal(expression.Value("2")))

	// On an existing item: the whole item as it was.
	err := b.Put(ctx, backend.PutInput{Item: item(pk, "a#1", "v", s("9")), Expr: ifNotExists(t)})
	requireConditionFailed(t, err, old, "put")
	t.Log(err)
	upd := exprOf(t, expression.NewBuilder().
		WithCondition(expression.Name("v").Equal(expression.Value("2"))).
		WithUpdate(expression.Set(expression.Name("v"), expression.Value("3"))))
	_, err = b.Update(ctx, backend.UpdateInput{Key: k, Expr: upd})
	requireConditionFailed(t, err, old, "update")
	err = b.Delete(ctx, backend.DeleteInput{Key: k, Expr: isTwo})
	requireConditionFailed(t, err, old, "delete")
	assert.Equal(t, old, get(t, b, k), "nothing changed")

	// On a missing item: no item.
	missing := key(pk, "a#2")
	err = b.Put(ctx, backend.PutInput{Item: item(pk, "a#2"), Expr: ifExists(t)})
	requireConditionFailed(t, err, nil, "put on missing")
	assert.Contains(t, err.Error(), "(no item)")
	_, err = b.Update(ctx, backend.UpdateInput{Key: missing, Expr: upd})
	requireConditionFailed(t, err, nil, "update on missing")
	err = b.Delete(ctx, backend.DeleteInput{Key: missing, Expr: ifExists(t)})
	requireConditionFailed(t, err, nil, "delete on missing")
	assert.Nil(t, get(t, b, missing), "nothing created")

	// When the condition holds, the write happens; Update returns the
	// item as it is after.
	set := exprOf(t, expression.NewBuilder().
		WithCondition(expression.Name("v").Equal(expression.Value("1"))).
		WithUpdate(expression.Set(expression.Name("v"), expression.Value("2")).
			Add(expression.Name("n"), expression.Value(1))))
	got, err := b.Update(ctx, backend.UpdateInput{Key: k, Expr: set})
	require.NoError(t, err)
	assert.Equal(t, item(pk, "a#1", "v", s("2"), "n", n("8")), got)
	require.NoError(t, b.Delete(ctx, backend.DeleteInput{Key: k, Expr: isTwo}))
	assert.Nil(t, get(t, b, k))
}

// TestBatchWriteOneOfPutDelete checks that the backend refuses, before
// sending any request, a batch write that has neither or both of Put and
// Delete. What DynamoDB itself does with batches (round trip, limits, a key
// twice) is checked by the conformance suite's Backend/Batch* cases, which
// TestConformance runs on DynamoDB Local.
func TestBatchWriteOneOfPutDelete(t *testing.T) {
	t.Parallel()
	b, reqs := fakeBackend(t, func(string, map[string]any) (int, string) { return http.StatusOK, `{}` })
	k := key(pk, "a#1")
	for name, w := range map[string]backend.WriteRequest{
		"neither": {},
		"both":    {Put: item(pk, "a#1"), Delete: &k},
	} {
		_, err := b.BatchWrite(t.Context(), backend.BatchWriteInput{Writes: []backend.WriteRequest{{Put: item(pk, "a#0")}, w}})
		assert.ErrorIs(t, err, backend.ErrInvalidArgument, name)
	}
	assert.Empty(t, reqs(), "no request sent")
}

// TestTransactWriteCanceled checks the reasons of a canceled transaction:
// one per action, in order, the item as it was with a failed condition.
func TestTransactWriteCanceled(t *testing.T) {
	t.Parallel()
	b := dynamotest.NewTable(t)
	ctx := t.Context()
	old := item(pk, "a#1", "v", s("1"))
	put(t, b, old)
	put(t, b, item(pk, "a#3", "v", s("3")))

	actions := []backend.TxAction{
		{Kind: backend.TxPut, Item: item(pk, "a#0"), Expr: ifNotExists(t)},
		{Kind: backend.TxPut, Item: item(pk, "a#1", "v", s("new")), Expr: ifNotExists(t)}, // fails
		{Kind: backend.TxCheck, Key: key(pk, "a#2"), Expr: ifExists(t)},                   // fails, no item
		{Kind: backend.TxDelete, Key: key(pk, "a#3")},
		{Kind: backend.TxUpdate, Key: key(pk, "a#4"), Expr: exprOf(t, expression.NewBuilder().
			WithUpdate(expression.Set(expression.Name("v"), expression.Value("4"))))},
	}
	err := b.TransactWrite(ctx, backend.TransactInput{Actions: actions, Token: uuid.NewString()})
	require.ErrorIs(t, err, backend.ErrTxCanceled)
	t.Log(err)
	var tce *backend.TxCanceledError
	require.ErrorAs(t, err, &tce)
	var sdkErr *types.TransactionCanceledException
	assert.ErrorAs(t, err, &sdkErr, "the SDK's error stays in the chain")
	require.Len(t, tce.Reasons, len(actions))
	codes := make([]string, len(tce.Reasons))
	for i, r := range tce.Reasons {
		codes[i] = r.Code
	}
	assert.Equal(t, []string{"None", "ConditionalCheckFailed", "ConditionalCheckFailed", "None", "None"}, codes)
	assert.Equal(t, old, tce.Reasons[1].Item, "the item as it was")
	assert.Nil(t, tce.Reasons[2].Item, "no item")
	assert.NotEmpty(t, tce.Reasons[1].Message)
	for i, r := range tce.Reasons {
		t.Logf("reason %d: %q %q %v", i, r.Code, r.Message, r.Item)
	}
	assert.Nil(t, get(t, b, key(pk, "a#0")), "nothing changed")
	assert.Equal(t, old, get(t, b, key(pk, "a#1")))
	assert.NotNil(t, get(t, b, key(pk, "a#3")))

	// Without the failing actions it goes through.
	err = b.TransactWrite(ctx, backend.TransactInput{Actions: []backend.TxAction{actions[0], actions[3], actions[4]}})
	require.NoError(t, err)
	assert.Equal(t, item(pk, "a#0"), get(t, b, key(pk, "a#0")))
	assert.Nil(t, get(t, b, key(pk, "a#3")))
	assert.Equal(t, item(pk, "a#4", "v", s("4")), get(t, b, key(pk, "a#4")))

	// Refused by the backend or by DynamoDB.
	for name, in := range map[string]backend.TransactInput{
		"too many actions":        {Actions: make([]backend.TxAction, backend.MaxTransactActions+1)},
		"unknown kind":            {Actions: []backend.TxAction{{Kind: 9, Key: key(pk, "a#1")}}},
		"check without condition": {Actions: []backend.TxAction{{Kind: backend.TxCheck, Key: key(pk, "a#1")}}},
		"update without update":   {Actions: []backend.TxAction{{Kind: backend.TxUpdate, Key: key(pk, "a#1")}}},
		"put with a filter": {Actions: []backend.TxAction{{Kind: backend.TxPut, Item: item(pk, "a#1"),
			Expr: backend.Expressions{Filter: "attribute_exists(v)"}}}},
		// DynamoDB Local 3.3.0 refuses two actions on one item only
		// when every condition holds: it evaluates each action's
		// condition as if the actions before it were applied, so
		// {delete X, check X exists} is canceled with
		// ConditionalCheckFailed instead. DynamoDB refuses both.
		"one item twice": {Actions: []backend.TxAction{
			{Kind: backend.TxCheck, Key: key(pk, "a#1"), Expr: ifExists(t)},
			{Kind: backend.TxDelete, Key: key(pk, "a#1")}}},
	} {
		err := b.TransactWrite(ctx, in)
		assert.ErrorIs(t, err, backend.ErrInvalidArgument, name)
		assert.NotErrorIs(t, err, backend.ErrTxCanceled, name)
		t.Logf("%s: %v", name, err)
	}
	require.NoError(t, b.TransactWrite(ctx, backend.TransactInput{}), "no actions is no request")
}

// TestTransactWriteToken checks what DynamoDB Local does with the
// ClientRequestToken the backend sends: a request sent again with its token
// is applied once; the token with other parameters is refused with an
// IdempotentParameterMismatchException, which is ErrInvalidArgument.
func TestTransactWriteToken(t *testing.T) {
	t.Parallel()
	b := dynamotest.NewTable(t)
	ctx := t.Context()

	// Maps of many entries, which the SDK serializes in random order, and
	// a condition check, as in aws-sdk-go-v2 issue 1900, where DynamoDB
	// Local refused such repeats at random: DynamoDB Local 3.3.0 takes
	// them.
	put(t, b, item(pk, "c#0", "v", s("1"), "w", s("2")))
	check := cond(t, expression.Name("v").Equal(expression.Value("1")).
		And(expression.Name("w").Equal(expression.Value("2"))).
		And(expression.Name("PK").AttributeExists()))
	big := item(pk, "c#1")
	names := map[string]string{"#n": "n"}
	values := map[string]types.AttributeValue{":one": n("1")}
	for i := range 10 {
		big[fmt.Sprintf("a%d", i)] = s(fmt.Sprint(i))
		names[fmt.Sprintf("#x%d", i)] = fmt.Sprintf("x%d", i)
		values[fmt.Sprintf(":x%d", i)] = n(fmt.Sprint(i))
	}
	update := "ADD #n :one SET " + setList(10)
	in := backend.TransactInput{Token: uuid.NewString(), Actions: []backend.TxAction{
		{Kind: backend.TxPut, Item: big, Expr: ifNotExists(t)},
		{Kind: backend.TxUpdate, Key: key(pk, "c#2"), Expr: backend.Expressions{Update: update, Names: names, Values: values}},
		{Kind: backend.TxCheck, Key: key(pk, "c#0"), Expr: check},
	}}
	require.NoError(t, b.TransactWrite(ctx, in))
	for i := range 10 {
		require.NoError(t, b.TransactWrite(ctx, in), "repeat %d of the request with its token", i)
	}
	assert.Equal(t, big, get(t, b, key(pk, "c#1")))
	c2 := get(t, b, key(pk, "c#2"))
	assert.Equal(t, n("1"), c2["n"], "applied once")
	assert.Len(t, c2, 13)

	// Another request with the token.
	other := backend.TransactInput{Actions: []backend.TxAction{{Kind: backend.TxPut, Item: item(pk, "c#3")}}, Token: in.Token}
	err := b.TransactWrite(ctx, other)
	require.ErrorIs(t, err, backend.ErrInvalidArgument)
	var apiErr smithy.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "IdempotentParameterMismatchException", apiErr.ErrorCode())
	t.Log(err)
	assert.Nil(t, get(t, b, key(pk, "c#3")))

	// A new token: applied again; the put's condition fails now.
	in.Token = uuid.NewString()
	in.Actions[0].Expr = backend.Expressions{}
	require.NoError(t, b.TransactWrite(ctx, in))
	assert.Equal(t, n("2"), get(t, b, key(pk, "c#2"))["n"])
}

// setList returns "#x0 = :x0, #x1 = :x1, ..." for n attributes.
func setList(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf("#x%d = :x%d", i, i)
	}
	return strings.Join(parts, ", ")
}
