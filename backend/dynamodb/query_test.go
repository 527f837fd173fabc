package dynamodb_test

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
)

// sortKeys returns the sort keys of items, in order.
func sortKeys(items []backend.Item) []string {
	sks := make([]string, len(items))
	for i, it := range items {
		sks[i] = it["SK"].(*types.AttributeValueMemberS).Value
	}
	return sks
}

// TestQueryFilter checks that the caller's filter expression, whose
// placeholders the expression builder numbers from #0 and :0 as it numbers
// those of the key condition, reaches DynamoDB intact next to the key
// condition, for every kind of range and with placeholders chosen to clash
// with the renamed ones of the key condition.
func TestQueryFilter(t *testing.T) {
	t.Parallel()
	b := dynamotest.NewTable(t)
	ctx := t.Context()
	for i := 1; i <= 9; i++ {
		put(t, b, item(pk, fmt.Sprintf("a#%d", i), "n", n(strconv.Itoa(i)), "odd", &types.AttributeValueMemberBOOL{Value: i%2 == 1}))
	}
	put(t, b, item(pk, "b#1", "n", n("100")))
	put(t, b, item("tenant#other", "a#5", "n", n("5")))

	odd := filter(t, expression.Name("odd").Equal(expression.Value(true)))
	require.Equal(t, map[string]string{"#0": "odd"}, odd.Names, "the builder numbers from zero")

	// Many placeholders, so #1 and #10, :1 and :10 are all there.
	var many expression.ConditionBuilder
	for i := range 12 {
		c := expression.Name(fmt.Sprintf("x%d", i)).AttributeNotExists()
		if i == 0 {
			many = c
		} else {
			many = many.And(c)
		}
	}
	many = many.And(expression.Name("n").Between(expression.Value(2), expression.Value(7)))
	manyExpr := filter(t, many)
	require.Len(t, manyExpr.Names, 13)

	// Placeholders a caller may well not use, but could: those the
	// backend renames the key condition's to first.
	clash := backend.Expressions{
		Filter: "#k0 >= :k0 AND #k1 <> :k1 AND #kk0 <> :k2 AND :kk0 <> #k1",
		Names:  map[string]string{"#k0": "n", "#k1": "odd", "#kk0": "n"},
		Values: map[string]types.AttributeValue{
			":k0":  n("4"),
			":k1":  &types.AttributeValueMemberBOOL{Value: true},
			":k2":  n("8"),
			":kk0": &types.AttributeValueMemberBOOL{Value: true},
		},
	}

	for _, tc := range []struct {
		name   string
		r      backend.SortRange
		filter backend.Expressions
		want   []string
	}{
		{"whole partition", backend.SortRange{Op: backend.BeginsWith}, odd, []string{"a#1", "a#3", "a#5", "a#7", "a#9"}},
		{"begins with", backend.SortRange{Op: backend.BeginsWith, Lo: "a#"}, odd, []string{"a#1", "a#3", "a#5", "a#7", "a#9"}},
		{"between", backend.SortRange{Op: backend.Between, Lo: "a#2", Hi: "a#6"}, odd, []string{"a#3", "a#5"}},
		{"many placeholders", backend.SortRange{Op: backend.Between, Lo: "a#1", Hi: "b#1"}, manyExpr,
			[]string{"a#2", "a#3", "a#4", "a#5", "a#6", "a#7"}},
		{"clashing placeholders", backend.SortRange{Op: backend.Between, Lo: "a#1", Hi: "a#9"}, clash,
			[]string{"a#4", "a#6"}},
		{"no filter", backend.SortRange{Op: backend.BeginsWith, Lo: "b#"}, backend.Expressions{}, []string{"b#1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := b.Query(ctx, backend.QueryInput{PK: pk, Range: tc.r, Limit: 100, Expr: tc.filter})
			require.NoError(t, err)
			assert.Equal(t, tc.want, sortKeys(out.Items))
			assert.Nil(t, out.LastKey)
		})
	}

	// The filter does not change the caller's maps.
	assert.Len(t, odd.Names, 1)
	assert.Len(t, odd.Values, 1)

	// The filter drops items after Limit: a page of two that the filter
	// empties still has the LastKey of the second item, and the next
	// page goes on from there.
	in := backend.QueryInput{PK: pk, Range: backend.SortRange{Op: backend.BeginsWith, Lo: "a#"}, Limit: 2,
		Expr: filter(t, expression.Name("n").GreaterThan(expression.Value(4)))}
	var pages [][]string
	for range 10 {
		out, err := b.Query(ctx, in)
		require.NoError(t, err)
		pages = append(pages, sortKeys(out.Items))
		if out.LastKey == nil {
			break
		}
		in.StartKey = out.LastKey
	}
	assert.Equal(t, [][]string{{}, {}, {"a#5", "a#6"}, {"a#7", "a#8"}, {"a#9"}}, pages)
}
