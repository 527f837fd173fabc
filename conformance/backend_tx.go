package conformance

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
)

// The cases of this file pin TransactWriteItems as DynamoDB (DynamoDB Local
// 3.3.0) does it.

func beTxPut(t *testing.T, it backend.Item, c *expression.ConditionBuilder) backend.TxAction {
	a := backend.TxAction{Kind: backend.TxPut, Item: it}
	if c != nil {
		a.Expr = beCond(t, *c)
	}
	return a
}

func beTxUpdate(t *testing.T, k backend.Key, u expression.UpdateBuilder, c *expression.ConditionBuilder) backend.TxAction {
	return backend.TxAction{Kind: backend.TxUpdate, Key: k, Expr: beUpdate(t, u, c)}
}

func beTxDelete(t *testing.T, k backend.Key, c *expression.ConditionBuilder) backend.TxAction {
	a := backend.TxAction{Kind: backend.TxDelete, Key: k}
	if c != nil {
		a.Expr = beCond(t, *c)
	}
	return a
}

func beTxCheck(t *testing.T, k backend.Key, c expression.ConditionBuilder) backend.TxAction {
	return backend.TxAction{Kind: backend.TxCheck, Key: k, Expr: beCond(t, c)}
}

// beRequireTxCanceled requires err to be a canceled transaction, a
// *backend.TxCanceledError, and returns its reasons.
func beRequireTxCanceled(t *testing.T, err error) []backend.TxReason {
	t.Helper()
	require.ErrorIs(t, err, backend.ErrTxCanceled)
	var tce *backend.TxCanceledError
	require.ErrorAs(t, err, &tce)
	return tce.Reasons
}

// beReasonKinds are the kinds of the cancellation reasons the cases
// expect, by DynamoDB's code.
var beReasonKinds = map[string]backend.ErrorKind{
	"None":                   backend.KindNone,
	"ConditionalCheckFailed": backend.KindConditionFailed,
	"ValidationError":        backend.KindInvalidArgument,
	"TransactionConflict":    backend.KindConflict,
}

// beRequireReasons checks the reasons of a canceled transaction, one per
// action: by kind on every backend (the kind of each of DynamoDB's codes in
// beReasonKinds), and by the code itself, as DynamoDB Local gives it, only
// on a backend that claims DynamoDBLocalFidelity. The codes are DynamoDB's
// words for people, which another backend need not copy; the repository
// reads only the kinds.
func beRequireReasons(t *testing.T, h *harness, msg string, reasons []backend.TxReason, codes ...string) {
	t.Helper()
	want := make([]backend.ErrorKind, len(codes))
	for i, c := range codes {
		k, ok := beReasonKinds[c]
		require.True(t, ok, "no kind for code %q", c)
		want[i] = k
	}
	got := make([]backend.ErrorKind, len(reasons))
	gotCodes := make([]string, len(reasons))
	for i, r := range reasons {
		got[i], gotCodes[i] = r.Kind, r.Code
	}
	assert.Equal(t, want, got, "kinds of the reasons %s", msg)
	if h.fidelity() {
		assert.Equal(t, codes, gotCodes, "codes of the reasons %s", msg)
	}
}

// beTxSnapshot returns every item of partition bePK.
func beTxSnapshot(t *testing.T, b backend.Backend) []backend.Item {
	t.Helper()
	res, err := b.Query(t.Context(), backend.QueryInput{PK: bePK, Range: backend.SortRange{}, Limit: 1000, ConsistentRead: true})
	require.NoError(t, err)
	return res.Items
}

// backendTxAllOrNothing: a transaction of puts, updates, deletes and checks
// applies all of them when every condition holds, and none when one fails.
func backendTxAllOrNothing(t *testing.T, h *harness) {
	b := h.b
	ctx := t.Context()
	N := expression.Name
	V := expression.Value
	bePut(t, b, beItem(bePK, "acct#a", "balance", beN("100")))
	bePut(t, b, beItem(bePK, "acct#b", "balance", beN("5")))
	bePut(t, b, beItem(bePK, "old#1"))

	enough := N("balance").GreaterThanEqual(V(30))
	require.NoError(t, b.TransactWrite(ctx, backend.TransactInput{Actions: []backend.TxAction{
		beTxUpdate(t, beKey(bePK, "acct#a"), expression.Set(N("balance"), N("balance").Minus(V(30))), &enough),
		beTxUpdate(t, beKey(bePK, "acct#b"), expression.Add(N("balance"), V(30)), &beExists),
		beTxPut(t, beItem(bePK, "log#1", "amount", beN("30")), &beNotExists),
		beTxDelete(t, beKey(bePK, "old#1"), &beExists),
		beTxCheck(t, beKey(bePK, "lock#1"), beNotExists),
	}}))
	assert.Equal(t, beNormItem(beItem(bePK, "acct#a", "balance", beN("70"))), beNormItem(beGet(t, b, beKey(bePK, "acct#a"))))
	assert.Equal(t, beNormItem(beItem(bePK, "acct#b", "balance", beN("35"))), beNormItem(beGet(t, b, beKey(bePK, "acct#b"))))
	assert.Equal(t, beItem(bePK, "log#1", "amount", beN("30")), beGet(t, b, beKey(bePK, "log#1")))
	assert.Nil(t, beGet(t, b, beKey(bePK, "old#1")))

	// The same transfer again, with a check that fails last: nothing.
	before := beTxSnapshot(t, b)
	err := b.TransactWrite(ctx, backend.TransactInput{Actions: []backend.TxAction{
		beTxUpdate(t, beKey(bePK, "acct#a"), expression.Set(N("balance"), N("balance").Minus(V(30))), &enough),
		beTxUpdate(t, beKey(bePK, "acct#b"), expression.Add(N("balance"), V(30)), &beExists),
		beTxPut(t, beItem(bePK, "log#2", "amount", beN("30")), &beNotExists),
		beTxCheck(t, beKey(bePK, "log#1"), beNotExists),
	}})
	reasons := beRequireTxCanceled(t, err)
	beRequireReasons(t, h, "", reasons, "None", "None", "None", "ConditionalCheckFailed")
	assert.Equal(t, beItem(bePK, "log#1", "amount", beN("30")), reasons[3].Item)
	assert.Equal(t, before, beTxSnapshot(t, b), "nothing changed")
}

// backendTxReasons: a canceled transaction has one reason per action, in
// request order: ConditionalCheckFailed with the item as it was (none when
// missing) for each action whose condition failed, None for the others.
// Every condition is evaluated, not just up to the first that fails.
func backendTxReasons(t *testing.T, h *harness) {
	b := h.b
	N := expression.Name
	V := expression.Value
	a := beItem(bePK, "r#a", "v", beN("1"))
	c := beItem(bePK, "r#c", "v", beN("3"))
	bePut(t, b, a)
	bePut(t, b, c)
	before := beTxSnapshot(t, b)
	isTwo := N("v").Equal(V(2))
	err := b.TransactWrite(t.Context(), backend.TransactInput{Actions: []backend.TxAction{
		beTxUpdate(t, beKey(bePK, "r#a"), expression.Set(N("v"), V(10)), &isTwo),
		beTxPut(t, beItem(bePK, "r#b"), &beNotExists),
		beTxDelete(t, beKey(bePK, "r#missing"), &beExists),
		beTxCheck(t, beKey(bePK, "r#c"), N("v").Equal(V(3))),
		beTxCheck(t, beKey(bePK, "r#c"+"2"), beExists),
		beTxUpdate(t, beKey(bePK, "r#d"), expression.Set(N("v"), V(1)), nil),
	}})
	reasons := beRequireTxCanceled(t, err)
	require.Len(t, reasons, 6)
	beRequireReasons(t, h, "", reasons, "ConditionalCheckFailed", "None", "ConditionalCheckFailed", "None", "ConditionalCheckFailed", "None")
	assert.Equal(t, a, reasons[0].Item, "the item as it was")
	assert.Nil(t, reasons[2].Item, "no item")
	assert.Nil(t, reasons[4].Item, "no item")
	for _, i := range []int{1, 3, 5} {
		assert.Nil(t, reasons[i].Item)
	}
	assert.Equal(t, before, beTxSnapshot(t, b), "nothing changed")
}

// backendTxCheck: a ConditionCheck changes nothing; it cancels the
// transaction when its condition fails, on an existing item or a missing
// one.
func backendTxCheck(t *testing.T, h *harness) {
	b := h.b
	ctx := t.Context()
	bePut(t, b, beItem(bePK, "c#1", "state", beS("open")))
	open := expression.Name("state").Equal(expression.Value("open"))
	require.NoError(t, b.TransactWrite(ctx, backend.TransactInput{Actions: []backend.TxAction{
		beTxCheck(t, beKey(bePK, "c#1"), open),
		beTxCheck(t, beKey(bePK, "c#2"), beNotExists),
		beTxPut(t, beItem(bePK, "c#3"), nil),
	}}))
	assert.Equal(t, beItem(bePK, "c#1", "state", beS("open")), beGet(t, b, beKey(bePK, "c#1")), "a check changes nothing")
	assert.Nil(t, beGet(t, b, beKey(bePK, "c#2")), "a check creates nothing")
	assert.NotNil(t, beGet(t, b, beKey(bePK, "c#3")))

	err := b.TransactWrite(ctx, backend.TransactInput{Actions: []backend.TxAction{
		beTxPut(t, beItem(bePK, "c#4"), nil),
		beTxCheck(t, beKey(bePK, "c#2"), open),
	}})
	reasons := beRequireTxCanceled(t, err)
	beRequireReasons(t, h, "", reasons, "None", "ConditionalCheckFailed")
	assert.Nil(t, beGet(t, b, beKey(bePK, "c#4")))
}

// backendTxInvalid: DynamoDB refuses (ErrInvalidArgument), and applies
// nothing of, a transaction with two actions on one item, with more than
// 100 actions, with an invalid expression or item, and a put of an item too
// large (ErrItemTooLarge). No actions is no request.
func backendTxInvalid(t *testing.T, h *harness) {
	b := h.b
	ctx := t.Context()
	N := expression.Name
	V := expression.Value
	bePut(t, b, beItem(bePK, "i#1", "v", beN("1")))
	before := beTxSnapshot(t, b)
	many := func(n int) []backend.TxAction {
		var acts []backend.TxAction
		for i := range n {
			acts = append(acts, beTxPut(t, beItem(bePK, fmt.Sprintf("m#%03d", i)), nil))
		}
		return acts
	}
	for _, tc := range []struct {
		name    string
		actions []backend.TxAction
		want    error
	}{
		// DynamoDB Local refuses two actions on one item only when every
		// condition holds; DynamoDB always does.
		{"two actions on one item", []backend.TxAction{
			beTxUpdate(t, beKey(bePK, "i#1"), expression.Set(N("v"), V(2)), nil),
			beTxCheck(t, beKey(bePK, "i#1"), beExists),
		}, backend.ErrInvalidArgument},
		{"a put and a delete of one item", []backend.TxAction{
			beTxPut(t, beItem(bePK, "i#2"), nil),
			beTxDelete(t, beKey(bePK, "i#2"), nil),
		}, backend.ErrInvalidArgument},
		{"101 actions", many(101), backend.ErrInvalidArgument},
		{"a malformed condition", []backend.TxAction{
			beTxPut(t, beItem(bePK, "i#3"), nil),
			{Kind: backend.TxCheck, Key: beKey(bePK, "i#1"), Expr: backend.Expressions{Condition: "attribute_exists("}},
		}, backend.ErrInvalidArgument},
		{"an invalid item", []backend.TxAction{
			beTxPut(t, beItem(bePK, "i#3"), nil),
			beTxPut(t, beItem(bePK, "i#4", "n", beN("x")), nil),
		}, backend.ErrInvalidArgument},
		{"an item too large", []backend.TxAction{
			beTxCheck(t, beKey(bePK, "i#1"), beExists),
			beTxPut(t, beItem(bePK, "i#5", "big", beS(strings.Repeat("x", backend.MaxItemBytes))), nil),
		}, backend.ErrItemTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := b.TransactWrite(ctx, backend.TransactInput{Actions: tc.actions})
			require.ErrorIs(t, err, tc.want)
			assert.NotErrorIs(t, err, backend.ErrTxCanceled)
			t.Log(err)
			assert.Equal(t, before, beTxSnapshot(t, b), "nothing changed")
		})
	}
	require.NoError(t, b.TransactWrite(ctx, backend.TransactInput{}), "no actions")
	require.NoError(t, b.TransactWrite(ctx, backend.TransactInput{Actions: many(100)}), "100 actions")
}

// backendTxUpdateErrors: an update DynamoDB cannot apply to its item
// (arithmetic on a string) fails the whole request with a
// ValidationException (ErrInvalidArgument, not a canceled transaction),
// even when another action's condition fails. An update of a key
// attribute, or one that makes its item too large, cancels the
// transaction with the reason ValidationError for that action.
func backendTxUpdateErrors(t *testing.T, h *harness) {
	b := h.b
	ctx := t.Context()
	N := expression.Name
	V := expression.Value
	bePut(t, b, beItem(bePK, "u#1", "s", beS("x")))
	bePut(t, b, beItem(bePK, "u#2", "a", beS(strings.Repeat("a", 300_000))))
	before := beTxSnapshot(t, b)

	err := b.TransactWrite(ctx, backend.TransactInput{Actions: []backend.TxAction{
		beTxCheck(t, beKey(bePK, "u#missing"), beExists),
		beTxUpdate(t, beKey(bePK, "u#1"), expression.Set(N("n"), N("s").Plus(V(1))), nil),
	}})
	require.ErrorIs(t, err, backend.ErrInvalidArgument)
	assert.NotErrorIs(t, err, backend.ErrTxCanceled)

	err = b.TransactWrite(ctx, backend.TransactInput{Actions: []backend.TxAction{
		beTxUpdate(t, beKey(bePK, "u#1"), expression.Set(N("SK"), V("u#9")), nil),
	}})
	reasons := beRequireTxCanceled(t, err)
	beRequireReasons(t, h, "", reasons, "ValidationError")

	err = b.TransactWrite(ctx, backend.TransactInput{Actions: []backend.TxAction{
		beTxCheck(t, beKey(bePK, "u#missing"), beExists),
		beTxUpdate(t, beKey(bePK, "u#2"), expression.Set(N("b"), V(strings.Repeat("b", 200_000))), nil),
	}})
	reasons = beRequireTxCanceled(t, err)
	beRequireReasons(t, h, "", reasons, "ConditionalCheckFailed", "ValidationError")
	t.Log(reasons[1].Message)
	assert.Equal(t, before, beTxSnapshot(t, b), "nothing changed")
}

// backendTxToken: a transaction's token (ClientRequestToken) makes a
// repeat of it idempotent: the same token with the same actions succeeds
// without applying them again, even when their conditions no longer hold;
// the same token with other actions is refused (ErrInvalidArgument,
// IdempotentParameterMismatch). A transaction that was canceled does not
// hold its token.
func backendTxToken(t *testing.T, h *harness) {
	b := h.b
	ctx := t.Context()
	N := expression.Name
	V := expression.Value
	token := uuid.NewString()
	tx := backend.TransactInput{Token: token, Actions: []backend.TxAction{
		beTxUpdate(t, beKey(bePK, "t#counter"), expression.Add(N("n"), V(1)), nil),
		beTxPut(t, beItem(bePK, "t#once", "v", beS("1")), &beNotExists),
	}}
	require.NoError(t, b.TransactWrite(ctx, tx))
	require.NoError(t, b.TransactWrite(ctx, tx), "a repeat succeeds")
	assert.Equal(t, beNormItem(beItem(bePK, "t#counter", "n", beN("1"))), beNormItem(beGet(t, b, beKey(bePK, "t#counter"))), "applied once")

	other := backend.TransactInput{Token: token, Actions: []backend.TxAction{
		beTxUpdate(t, beKey(bePK, "t#counter"), expression.Add(N("n"), V(2)), nil),
	}}
	err := b.TransactWrite(ctx, other)
	require.ErrorIs(t, err, backend.ErrInvalidArgument)
	t.Log(err)
	assert.Equal(t, beNormItem(beItem(bePK, "t#counter", "n", beN("1"))), beNormItem(beGet(t, b, beKey(bePK, "t#counter"))))

	// A canceled transaction leaves its token free.
	token2 := uuid.NewString()
	failing := backend.TransactInput{Token: token2, Actions: []backend.TxAction{
		beTxCheck(t, beKey(bePK, "t#missing"), beExists),
	}}
	beRequireTxCanceled(t, b.TransactWrite(ctx, failing))
	require.NoError(t, b.TransactWrite(ctx, backend.TransactInput{Token: token2, Actions: []backend.TxAction{
		beTxPut(t, beItem(bePK, "t#other"), nil),
	}}))
	assert.NotNil(t, beGet(t, b, beKey(bePK, "t#other")))

	// Without a token, a repeat applies again.
	noToken := backend.TransactInput{Actions: tx.Actions[:1]}
	require.NoError(t, b.TransactWrite(ctx, noToken))
	require.NoError(t, b.TransactWrite(ctx, noToken))
	assert.Equal(t, beNormItem(beItem(bePK, "t#counter", "n", beN("3"))), beNormItem(beGet(t, b, beKey(bePK, "t#counter"))))
}
