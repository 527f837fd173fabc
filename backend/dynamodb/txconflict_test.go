package dynamodb_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	dynamodbbackend "github.com/tenantrepo/tenantrepo/backend/dynamodb"
	"github.com/tenantrepo/tenantrepo/internal/testfixture"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// conflictNote is not versioned.
type conflictNote struct {
	ID   string `dynamodbav:"-"`
	Text string `dynamodbav:"text"`
}

func (conflictNote) EntityPrefix() string { return "note" }
func (n conflictNote) EntityID() string   { return n.ID }

// TestTransactionConflictIsConflict: a single-item write or delete that
// DynamoDB refuses with TransactionConflictException (the item is held by
// a transaction) is sent once, as the SDK does not retry it, and reaches
// the caller as repo.ErrConflict, not ErrThrottled.
func TestTransactionConflictIsConflict(t *testing.T) {
	t.Parallel()
	client, reqs := fakeServer(t, func(string, map[string]any) (int, string) {
		return http.StatusBadRequest, `{"__type":"com.amazonaws.dynamodb.v20120810#TransactionConflictException","message":"Transaction is ongoing for the item"}`
	})
	b, err := dynamodbbackend.New(client, "table")
	require.NoError(t, err)
	accounts := repo.MustNew[testfixture.Account](b)
	notes := repo.MustNew[conflictNote](b)
	ctx := tenantctx.MustWithTenant(t.Context(), "acme")
	inc := expression.Set(expression.Name("balance"), expression.Value(1))
	calls := map[string]func() error{
		"Create":           func() error { _, err := notes.Create(ctx, conflictNote{ID: "n"}); return err },
		"Put":              func() error { _, err := notes.Put(ctx, conflictNote{ID: "n"}); return err },
		"Update":           func() error { _, err := notes.Update(ctx, conflictNote{ID: "n"}, []string{"text"}); return err },
		"UpdateExpr":       func() error { _, err := notes.UpdateExpr(ctx, "n", inc); return err },
		"Delete":           func() error { return notes.Delete(ctx, "n") },
		"versioned Create": func() error { _, err := accounts.Create(ctx, testfixture.Account{ID: "a"}); return err },
		"versioned Put":    func() error { _, err := accounts.Put(ctx, testfixture.Account{ID: "a", Version: 3}); return err },
		"versioned Update": func() error {
			_, err := accounts.Update(ctx, testfixture.Account{ID: "a", Version: 3}, []string{"balance"})
			return err
		},
		"versioned Delete":  func() error { return accounts.Delete(ctx, "a") },
		"versioned UpdExpr": func() error { _, err := accounts.UpdateExpr(ctx, "a", inc); return err },
	}
	for name, call := range calls {
		before := len(reqs())
		err := call()
		require.Error(t, err, name)
		assert.ErrorIs(t, err, repo.ErrConflict, name)
		assert.NotErrorIs(t, err, repo.ErrThrottled, name)
		assert.Equal(t, 1, len(reqs())-before, "%s: requests sent (the SDK does not retry it)", name)
		assert.Contains(t, fmt.Sprint(err), "TransactionConflictException", name)
	}
}
