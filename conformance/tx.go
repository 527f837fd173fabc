package conformance

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/repo"
)

// placeOrder is the transaction the cases use: create an order and count it
// on its user, together.
func placeOrder(h *harness, o order) []repo.TxOp {
	return []repo.TxOp{
		h.orders.TxCreate(o),
		h.users.TxUpdateExpr(o.UserID, expression.Add(expression.Name("order_count"), expression.Value(1))),
	}
}

func caseTxAtomicAcrossTypes(t *testing.T, h *harness) {
	ctx := h.ctx(t, "acme")
	_, err := h.users.Create(ctx, user{ID: "42", Name: "Alice"})
	require.NoError(t, err)
	require.NoError(t, repo.Transact(ctx, placeOrder(h, order{ID: "7", UserID: "42", Amount: 150})...))
	u, err := h.users.Get(ctx, "42")
	require.NoError(t, err)
	assert.Equal(t, 1, u.Orders)
	o, err := h.orders.Get(ctx, "7")
	require.NoError(t, err)
	assert.Equal(t, int64(150), o.Amount)

	// The same order again: the create fails, so the count stays.
	h.unchanged(t, func() {
		err = repo.Transact(ctx, placeOrder(h, order{ID: "7", UserID: "42", Amount: 999})...)
		require.ErrorIs(t, err, repo.ErrTxCanceled)
		require.ErrorIs(t, err, repo.ErrAlreadyExists)
		var te *repo.TxError
		require.True(t, errors.As(err, &te))
		require.Len(t, te.Actions, 2)
		if h.fidelity() { // DynamoDB's words, which another backend need not copy
			assert.Equal(t, "ConditionalCheckFailed", te.Actions[0].Code)
			assert.Equal(t, "None", te.Actions[1].Code)
		}
		assert.ErrorIs(t, te.Actions[0].Err, repo.ErrAlreadyExists)
		assert.NoError(t, te.Actions[1].Err)
		assert.Contains(t, err.Error(), `create order "7"`)

		// An order for a user who does not exist: the update fails.
		err = repo.Transact(ctx, placeOrder(h, order{ID: "8", UserID: "nobody"})...)
		require.ErrorIs(t, err, repo.ErrNotFound)
		require.True(t, errors.As(err, &te))
		assert.NoError(t, te.Actions[0].Err)
		assert.ErrorIs(t, te.Actions[1].Err, repo.ErrNotFound)
	})
}

func caseTxEveryActionKind(t *testing.T, h *harness) {
	ctx := h.ctx(t, "acme")
	_, err := h.users.Create(ctx, user{ID: "1", Name: "pending"})
	require.NoError(t, err)
	_, err = h.users.Create(ctx, user{ID: "2", Name: "doomed"})
	require.NoError(t, err)
	c, err := h.counters.Create(ctx, counter{ID: "c"})
	require.NoError(t, err)
	c.Count = 10
	// The update of the missing user 4 cancels everything.
	err = repo.Transact(ctx,
		h.users.TxCheck("1", expression.Name("user_name").Equal(expression.Value("pending"))),
		h.users.TxDelete("2"),
		h.users.TxPut(user{ID: "3", Name: "new"}),
		h.users.TxUpdate(user{ID: "4", Name: "x"}, []string{"user_name"}, repo.WithCondition(expression.AttributeNotExists(expression.Name("nothing")))),
		h.counters.TxUpdate(c, []string{"count"}),
	)
	require.ErrorIs(t, err, repo.ErrNotFound)
	_, err = h.users.Get(ctx, "2")
	require.NoError(t, err, "a canceled transaction deletes nothing")
	_, err = h.users.Get(ctx, "3")
	require.ErrorIs(t, err, repo.ErrNotFound)

	require.NoError(t, repo.Transact(ctx,
		h.users.TxCheck("1", expression.Name("user_name").Equal(expression.Value("pending"))),
		h.users.TxDelete("2"),
		h.users.TxPut(user{ID: "3", Name: "new"}),
		h.counters.TxUpdate(c, []string{"count"}),
	))
	_, err = h.users.Get(ctx, "2")
	require.ErrorIs(t, err, repo.ErrNotFound)
	_, err = h.users.Get(ctx, "3")
	require.NoError(t, err)
	got, err := h.counters.Get(ctx, "c")
	require.NoError(t, err)
	assert.Equal(t, counter{ID: "c", Count: 10, Version: 2}, got)

	// A failed check, and a stale version, cancel with their kinds.
	h.unchanged(t, func() {
		err = repo.Transact(ctx,
			h.users.TxCheck("1", expression.Name("user_name").Equal(expression.Value("approved"))),
			h.users.TxPut(user{ID: "5"}))
		require.ErrorIs(t, err, repo.ErrConditionFailed)
		err = repo.Transact(ctx, h.counters.TxUpdate(c, []string{"count"}), h.users.TxPut(user{ID: "5"}))
		require.ErrorIs(t, err, repo.ErrConflict, "c is at version 2 now")
	})
}

func caseTxRulesCheckedBeforeSending(t *testing.T, h *harness) {
	ctx := h.ctx(t, "acme")
	_, err := h.users.Create(ctx, user{ID: "1"})
	require.NoError(t, err)
	h.unchanged(t, func() {
		err = repo.Transact(ctx, h.users.TxPut(user{ID: "x"}), h.users.TxDelete("x"))
		require.ErrorIs(t, err, repo.ErrInvalidArgument, "two actions on one item")
		var ops []repo.TxOp
		for i := range 101 {
			ops = append(ops, h.users.TxPut(user{ID: fmt.Sprint(i)}))
		}
		require.ErrorIs(t, repo.Transact(ctx, ops...), repo.ErrInvalidArgument, "101 actions")
		require.ErrorIs(t, repo.Transact(ctx), repo.ErrInvalidArgument, "no actions")
		require.ErrorIs(t, repo.Transact(ctx, h.users.TxCreate(user{})), repo.ErrInvalidID, "a create without an ID")
		require.ErrorIs(t, repo.Transact(ctx, h.users.TxPut(user{ID: "a#b"})), repo.ErrInvalidID)
		require.ErrorIs(t, repo.Transact(context.Background(), h.users.TxPut(user{ID: "y"})), repo.ErrNoTenant)
		require.ErrorIs(t, repo.Transact(ctx, repo.TxOp{}), repo.ErrInvalidArgument)
		other := repo.MustNew[user](&sibling{h.b})
		err = repo.Transact(ctx, h.users.TxPut(user{ID: "y"}), other.TxPut(user{ID: "z"}))
		require.ErrorIs(t, err, repo.ErrInvalidArgument, "two backends")
	})
	// 100 actions is the limit, and fine.
	var ops []repo.TxOp
	for i := range 100 {
		ops = append(ops, h.orders.TxCreate(order{ID: fmt.Sprintf("%03d", i), Amount: int64(i)}))
	}
	require.NoError(t, repo.Transact(ctx, ops...))
	page, err := h.orders.List(ctx)
	require.NoError(t, err)
	assert.Len(t, page.Items, 100)
}

func caseTxStaysInTenant(t *testing.T, h *harness) {
	a, b := h.ctx(t, "a"), h.ctx(t, "ab")
	_, err := h.users.Create(b, user{ID: "42", Name: "b's"})
	require.NoError(t, err)
	// Under tenant a, user 42 does not exist, whatever b holds.
	err = repo.Transact(a, placeOrder(h, order{ID: "1", UserID: "42"})...)
	require.ErrorIs(t, err, repo.ErrNotFound)
	_, err = h.users.Create(a, user{ID: "42", Name: "a's"})
	require.NoError(t, err)
	require.NoError(t, repo.Transact(a, placeOrder(h, order{ID: "1", UserID: "42"})...))
	ub, err := h.users.Get(b, "42")
	require.NoError(t, err)
	assert.Equal(t, 0, ub.Orders)
	_, err = h.orders.Get(b, "1")
	require.ErrorIs(t, err, repo.ErrNotFound)
}

// sibling is another backend value over the same store.
type sibling struct{ backend.Backend }
