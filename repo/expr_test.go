package repo

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAddToUpdate(t *testing.T) {
	// The expression package's own layout: one clause a line.
	e, err := expression.NewBuilder().WithUpdate(expression.Set(expression.Name("a"), expression.Value(1)).
		Add(expression.Name("b"), expression.Value(2))).Build()
	require.NoError(t, err)
	got := addToUpdate(*e.Update(), "#v", ":one")
	assert.Equal(t, "ADD #0 :0, #v :one\nSET #1 = :1\n", got)

	e, err = expression.NewBuilder().WithUpdate(expression.Set(expression.Name("a"), expression.Value(1))).Build()
	require.NoError(t, err)
	assert.Equal(t, "SET #0 = :0\nADD #v :one\n", addToUpdate(*e.Update(), "#v", ":one"))
}

func TestExprNamesKeepOddNamesWhole(t *testing.T) {
	var x exprNames
	u := expression.Set(x.Name("a.b"), expression.Value(1)).Remove(x.Name("c[0]"))
	e, err := x.Build(expression.NewBuilder().WithUpdate(u))
	require.NoError(t, err)
	var names []string
	for _, n := range e.Names {
		names = append(names, n)
	}
	assert.ElementsMatch(t, []string{"a.b", "c[0]"}, names)
}
