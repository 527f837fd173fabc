package repo

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRenameAliases(t *testing.T) {
	assert.Equal(t, "SET #u0 = :u0, #u1 = list_append(#u1, :u12)\nREMOVE #u10\n",
		renameAliases("SET #0 = :0, #1 = list_append(#1, :12)\nREMOVE #10\n", "u"))
	assert.Equal(t, "(#c0 BETWEEN :c0 AND :c1) AND (attribute_exists (#c1))",
		renameAliases("(#0 BETWEEN :0 AND :1) AND (attribute_exists (#1))", "c"))
}

// TestCallerNamesStayApart: a caller's name equal to one of the
// repository's placeholders keeps its own alias, and the repository's
// names are restored only in the repository's part.
func TestCallerNamesStayApart(t *testing.T) {
	var x exprNames
	own := expression.AttributeExists(x.Name("PK"))
	caller := expression.NameNoDotSplit("\x000").AttributeNotExists()
	e, err := expressions(&x, &own, &caller, nil, nil)
	require.NoError(t, err)
	assert.Equal(t, "(attribute_exists (#0)) AND (attribute_not_exists (#c0))", e.Condition)
	assert.Equal(t, map[string]string{"#0": "PK", "#c0": "\x000"}, e.Names)
}
