package exprname_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/internal/exprname"
)

// Names the expression builder would read as paths reach
// ExpressionAttributeNames whole, and each attribute has one alias.
func TestNamesTakenAsTheyAre(t *testing.T) {
	var x exprname.Names
	names := []string{"a.b", "a[0]", "[0]", "a]", "#x", ":v", "size", "\x000", "with space"}
	cond := expression.AttributeExists(x.Name(names[0]))
	for _, n := range names[1:] {
		cond = cond.And(expression.AttributeExists(x.Name(n)))
	}
	upd := expression.Set(x.Name("a.b"), expression.Value(1))
	e, err := x.Build(expression.NewBuilder().WithCondition(cond).WithUpdate(upd))
	require.NoError(t, err)
	got := map[string]bool{}
	for alias, real := range e.Names {
		assert.Contains(t, e.Condition, alias)
		assert.False(t, got[real], "%q has two aliases", real)
		got[real] = true
	}
	for _, n := range names {
		assert.True(t, got[n], "%q is not among the names: %v", n, e.Names)
	}
	assert.Len(t, e.Names, len(names))
	assert.NotEmpty(t, e.Update)
}

// A name that is not one of the Names' placeholders is refused, so an
// expression cannot mix names of two origins by mistake.
func TestForeignNameRefused(t *testing.T) {
	var x exprname.Names
	cond := expression.AttributeExists(x.Name("a")).And(expression.AttributeExists(expression.Name("b")))
	_, err := x.Build(expression.NewBuilder().WithCondition(cond))
	assert.Error(t, err)
}
