package backend_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
)

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }

func TestItemSize(t *testing.T) {
	tests := []struct {
		name string
		item backend.Item
		want int
	}{
		{"string", backend.Item{"ab": s("héllo")}, 2 + 6},
		{"binary", backend.Item{"b": &types.AttributeValueMemberB{Value: make([]byte, 10)}}, 1 + 10},
		{"bool and null", backend.Item{"t": &types.AttributeValueMemberBOOL{}, "n": &types.AttributeValueMemberNULL{Value: true}}, 2 + 2},
		// Numbers: one byte per base-100 digit (pairs of digits aligned on
		// the point), plus one, plus one when negative (see number_test.go).
		{"number 1", backend.Item{"x": n("1")}, 1 + 2},
		{"number 12", backend.Item{"x": n("12")}, 1 + 2},
		{"number 123", backend.Item{"x": n("123")}, 1 + 3},
		{"number trims zeros", backend.Item{"x": n("000120.0100")}, 1 + 4}, // 01 20 . 01: 3 bytes + 1
		{"number exponent", backend.Item{"x": n("-1.5E+10")}, 1 + 4},       // 01 50 00 00 00 00: 2 + 1 + 1
		{"string set", backend.Item{"ss": &types.AttributeValueMemberSS{Value: []string{"ab", "c"}}}, 2 + 3},
		{"list", backend.Item{"l": &types.AttributeValueMemberL{Value: []types.AttributeValue{s("ab"), s("")}}}, 1 + 3 + (1 + 2) + (1 + 0)},
		{"map", backend.Item{"m": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"k": s("vv")}}}, 1 + 3 + (1 + 1 + 2)},
		{"empty map", backend.Item{"m": &types.AttributeValueMemberM{}}, 1 + 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, backend.ItemSize(tt.item))
		})
	}
}

func TestValidateNumber(t *testing.T) {
	for _, v := range []string{"0", "-0", "1", "-1.5", "1e10", "1E-130", "9.9999999999999999999999999999999999999E+125", "00012", ".5", "5.", strings.Repeat("9", 38)} {
		assert.NoError(t, backend.ValidateNumber(v), v)
	}
	for _, v := range []string{"", "abc", "1.2.3", "NaN", "Inf", "1e", "--1", strings.Repeat("9", 39), "1E126", "1E-131", "."} {
		assert.Error(t, backend.ValidateNumber(v), v)
	}
	assert.Equal(t, backend.CanonicalNumber("1.0"), backend.CanonicalNumber("10E-1"))
	assert.Equal(t, backend.CanonicalNumber("0.00"), backend.CanonicalNumber("0"))
	assert.NotEqual(t, backend.CanonicalNumber("1"), backend.CanonicalNumber("-1"))
	assert.Equal(t, -1, backend.CompareNumbers("9", "10"))
	assert.Equal(t, 0, backend.CompareNumbers("1.50", "1.5"))
}

func TestValidateItem(t *testing.T) {
	ok := backend.Item{"PK": s("tenant#a"), "SK": s("user#1"), "x": n("1")}
	require.NoError(t, backend.ValidateItem(ok))
	bad := []backend.Item{
		{"SK": s("user#1")},
		{"PK": s(""), "SK": s("user#1")},
		{"PK": n("1"), "SK": s("user#1")},
		{"PK": s("p"), "SK": s("s"), "x": n("NaN")},
		{"PK": s("p"), "SK": s("s"), "x": &types.AttributeValueMemberSS{}},
		{"PK": s("p"), "SK": s("s"), "x": &types.AttributeValueMemberSS{Value: []string{"a", "a"}}},
		{"PK": s("p"), "SK": s("s"), "x": &types.AttributeValueMemberNS{Value: []string{"1", "1.0"}}},
		{"PK": s("p"), "SK": s("s"), "": s("v")},
		{"PK": s("p"), "SK": s("s"), "l": &types.AttributeValueMemberL{Value: []types.AttributeValue{n("x")}}},
		{"PK": s("p"), "SK": s("s"), "m": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"": s("v")}}},
	}
	for i, item := range bad {
		assert.ErrorIs(t, backend.ValidateItem(item), backend.ErrInvalidArgument, "item %d", i)
	}
}

func TestCopyItemSharesNothing(t *testing.T) {
	orig := backend.Item{
		"b": &types.AttributeValueMemberB{Value: []byte("abc")},
		"l": &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberSS{Value: []string{"x"}}}},
		"m": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"k": &types.AttributeValueMemberBS{Value: [][]byte{[]byte("z")}}}},
	}
	cp := backend.CopyItem(orig)
	require.Equal(t, orig, cp)
	cp["b"].(*types.AttributeValueMemberB).Value[0] = 'X'
	cp["l"].(*types.AttributeValueMemberL).Value[0].(*types.AttributeValueMemberSS).Value[0] = "changed"
	cp["m"].(*types.AttributeValueMemberM).Value["k"].(*types.AttributeValueMemberBS).Value[0][0] = 'Q'
	assert.Equal(t, []byte("abc"), orig["b"].(*types.AttributeValueMemberB).Value)
	assert.Equal(t, "x", orig["l"].(*types.AttributeValueMemberL).Value[0].(*types.AttributeValueMemberSS).Value[0])
	assert.Equal(t, []byte("z"), orig["m"].(*types.AttributeValueMemberM).Value["k"].(*types.AttributeValueMemberBS).Value[0])
}

func TestRegistry(t *testing.T) {
	var r backend.Registry
	require.NoError(t, r.RegisterPrefix("user", "app.User"))
	require.NoError(t, r.RegisterPrefix("user", "app.User"), "the same type again")
	require.NoError(t, r.RegisterPrefix("users", "app.Account"))
	err := r.RegisterPrefix("user", "app.Impostor")
	require.ErrorIs(t, err, backend.ErrDuplicatePrefix)
	assert.Contains(t, err.Error(), "app.User")
}

func TestSortRangeContains(t *testing.T) {
	bw := backend.SortRange{Op: backend.BeginsWith, Lo: "user#"}
	assert.True(t, bw.Contains("user#1"))
	assert.False(t, bw.Contains("users#1"))
	assert.False(t, bw.Contains("user"))
	bt := backend.SortRange{Op: backend.Between, Lo: "user#a", Hi: "user#c"}
	assert.True(t, bt.Contains("user#a"))
	assert.True(t, bt.Contains("user#c"))
	assert.True(t, bt.Contains("user#b9"))
	assert.False(t, bt.Contains("user#c0"))
}

func TestNormalizeNumber(t *testing.T) {
	// As DynamoDB Local 3.3.0 returns them (see the conformance case
	// Backend/NumbersNormalized).
	for in, want := range map[string]string{
		"1e10": "10000000000", "1.50": "1.5", "0.0": "0", "-0": "0", "00012": "12",
		"-1.5e-3": "-0.0015", "+5": "5", "12.3400e2": "1234", ".5": "0.5", "5.": "5",
		"1E-130": "0." + strings.Repeat("0", 129) + "1", "-120": "-120",
		"not a number": "not a number",
	} {
		assert.Equal(t, want, backend.NormalizeNumber(in), in)
	}
}

func TestStoredItemNormalizesTopLevelNumbers(t *testing.T) {
	in := backend.Item{
		"n":  n("1.0"),
		"ns": &types.AttributeValueMemberNS{Value: []string{"2.50"}},
		"m":  &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"x": n("1.0")}},
	}
	out := backend.StoredItem(in)
	assert.Equal(t, n("1"), out["n"])
	assert.Equal(t, []string{"2.5"}, out["ns"].(*types.AttributeValueMemberNS).Value)
	assert.Equal(t, n("1.0"), out["m"].(*types.AttributeValueMemberM).Value["x"], "nested numbers stay as written")
	assert.Equal(t, n("1.0"), in["n"], "the input is left alone")
}
