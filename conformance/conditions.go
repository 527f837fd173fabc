package conformance

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/repo"
)

// pending is the caller's condition the cases use: only if user_name is
// "pending".
func pending() func(*repo.WriteOptions) {
	return repo.WithCondition(expression.Name("user_name").Equal(expression.Value("pending")))
}

func caseConditionsEveryWrite(t *testing.T, h *harness) {
	ctx := h.ctx(t, "acme")
	_, err := h.users.Create(ctx, user{ID: "p", Name: "pending"})
	require.NoError(t, err)
	_, err = h.users.Create(ctx, user{ID: "d", Name: "done"})
	require.NoError(t, err)

	h.unchanged(t, func() {
		_, err = h.users.Put(ctx, user{ID: "d", Name: "x"}, pending())
		require.ErrorIs(t, err, repo.ErrConditionFailed)
		_, err = h.users.Update(ctx, user{ID: "d", Name: "x"}, []string{"user_name"}, pending())
		require.ErrorIs(t, err, repo.ErrConditionFailed)
		_, err = h.users.UpdateExpr(ctx, "d", expression.Set(expression.Name("user_name"), expression.Value("x")), pending())
		require.ErrorIs(t, err, repo.ErrConditionFailed)
		require.ErrorIs(t, h.users.Delete(ctx, "d", pending()), repo.ErrConditionFailed)
		// A condition on a missing entity: update and delete say so.
		_, err = h.users.Update(ctx, user{ID: "nobody", Name: "x"}, []string{"user_name"}, pending())
		require.ErrorIs(t, err, repo.ErrNotFound)
		require.ErrorIs(t, h.users.Delete(ctx, "nobody", pending()), repo.ErrNotFound)
		// Create checks the condition against the absent item: every
		// attribute is missing, so "user_name = pending" fails.
		_, err = h.users.Create(ctx, user{ID: "new", Name: "x"}, pending())
		require.ErrorIs(t, err, repo.ErrConditionFailed)
	})

	_, err = h.users.Create(ctx, user{ID: "new", Name: "x"},
		repo.WithCondition(expression.AttributeNotExists(expression.Name("user_name"))))
	require.NoError(t, err)
	got, err := h.users.Update(ctx, user{ID: "p", Name: "approved"}, []string{"user_name"}, pending())
	require.NoError(t, err)
	assert.Equal(t, "approved", got.Name)
	_, err = h.users.Put(ctx, user{ID: "p", Name: "pending"},
		repo.WithCondition(expression.Name("user_name").Equal(expression.Value("approved"))))
	require.NoError(t, err)
	require.NoError(t, h.users.Delete(ctx, "p", pending()))
	_, err = h.users.Get(ctx, "p")
	require.ErrorIs(t, err, repo.ErrNotFound)
}

func caseConditionsInvalid(t *testing.T, h *harness) {
	ctx := h.ctx(t, "acme")
	_, err := h.users.Create(ctx, user{ID: "1", Name: "a"})
	require.NoError(t, err)
	h.unchanged(t, func() {
		// A zero condition builder is a caller's mistake.
		_, err = h.users.Put(ctx, user{ID: "1"}, repo.WithCondition(expression.ConditionBuilder{}))
		require.ErrorIs(t, err, repo.ErrInvalidArgument)
		_, err = h.users.UpdateExpr(ctx, "1", expression.UpdateBuilder{})
		require.ErrorIs(t, err, repo.ErrInvalidArgument)
		require.ErrorIs(t, h.users.Delete(ctx, "1", repo.IfVersion(1)), repo.ErrInvalidArgument, "user is not versioned")
	})
}

func caseUpdateExprActions(t *testing.T, h *harness) {
	ctx := h.ctx(t, "acme")
	_, err := h.users.Create(ctx, user{ID: "1", Name: "Alice", Email: "a@example.com", Tags: []string{"a"}})
	require.NoError(t, err)
	n := expression.Name
	v := expression.Value

	got, err := h.users.UpdateExpr(ctx, "1", expression.Set(n("user_name"), v("Al")).Remove(n("user_email")))
	require.NoError(t, err)
	assert.Equal(t, user{ID: "1", Name: "Al", Tags: []string{"a"}}, got)

	got, err = h.users.UpdateExpr(ctx, "1", expression.Add(n("user_age"), v(5)))
	require.NoError(t, err)
	assert.Equal(t, 5, got.Age, "add to a missing number starts at 0")
	got, err = h.users.UpdateExpr(ctx, "1", expression.Add(n("user_age"), v(-2)))
	require.NoError(t, err)
	assert.Equal(t, 3, got.Age)
	got, err = h.users.UpdateExpr(ctx, "1", expression.Set(n("user_age"), n("user_age").Plus(v(10))))
	require.NoError(t, err)
	assert.Equal(t, 13, got.Age)

	got, err = h.users.UpdateExpr(ctx, "1", expression.Set(n("user_tags"), expression.ListAppend(n("user_tags"), v([]string{"b", "c"}))))
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b", "c"}, got.Tags)

	got, err = h.users.UpdateExpr(ctx, "1", expression.Set(n("user_email"), expression.IfNotExists(n("user_email"), v("x@example.com"))).
		Set(n("user_name"), expression.IfNotExists(n("user_name"), v("ignored"))))
	require.NoError(t, err)
	assert.Equal(t, "x@example.com", got.Email)
	assert.Equal(t, "Al", got.Name)

	back, err := h.users.Get(ctx, "1")
	require.NoError(t, err)
	assert.Equal(t, got, back)

	h.unchanged(t, func() {
		_, err = h.users.UpdateExpr(ctx, "ghost", expression.Set(n("user_name"), v("x")))
		require.ErrorIs(t, err, repo.ErrNotFound, "an update never creates")
		_, err = h.users.UpdateExpr(ctx, "1", expression.Set(n("PK"), v("tenant#other")))
		require.ErrorIs(t, err, repo.ErrInvalidArgument)
		_, err = h.users.UpdateExpr(ctx, "1", expression.Set(n("SK"), v("user#2")))
		require.ErrorIs(t, err, repo.ErrInvalidArgument)
		_, err = h.users.UpdateExpr(ctx, "1", expression.Add(n("user_name"), v(1)))
		require.ErrorIs(t, err, repo.ErrInvalidArgument, "adding to a string")
		_, err = h.users.UpdateExpr(ctx, "1", expression.Set(n("user_name"), n("user_name").Plus(v(1))))
		require.ErrorIs(t, err, repo.ErrInvalidArgument, "arithmetic on a string")
	})
}
