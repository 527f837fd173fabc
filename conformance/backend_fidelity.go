package conformance

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
)

// The cases of this file pin what DynamoDB accepts and refuses at the edges
// of its data model, as recorded against DynamoDB Local 3.3.0 (issue #10,
// items 9 to 13): attribute names with dots, the syntax of numbers, the
// size of numbers, the nesting of documents and the limits of expressions.

// backendFidelityDottedNames: a dot is a path separator only in expression
// text. As attribute names and map keys, "a.", ".", ".." and "a..b" are
// names like any other: DynamoDB stores them, returns them, and updates and
// tests them through expression attribute names. (An empty name or map key
// is refused.)
func backendFidelityDottedNames(t *testing.T, h *harness) {
	b := h.b
	ctx := t.Context()
	for i, name := range []string{"a.", ".", "..", ".a", "a..b", "a.b.", "x.y"} {
		k := beKey(bePK, fmt.Sprintf("dot#%d", i))
		item := beItem(bePK, k.SK,
			name, beS("top"),
			"m", &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{name: beS("inner")}},
		)
		require.NoError(t, b.Put(ctx, backend.PutInput{Item: item}), "name %q", name)
		assert.Equal(t, item, beGet(t, b, k), "name %q", name)

		// Through expression attribute names, the name is one path element.
		_, err := b.Update(ctx, backend.UpdateInput{Key: k, Expr: backend.Expressions{
			Condition: "attribute_exists(#n) AND #m.#n = :inner",
			Update:    "SET #n = :v, #m.#n = :v",
			Names:     map[string]string{"#n": name, "#m": "m"},
			Values:    map[string]types.AttributeValue{":v": beS("new"), ":inner": beS("inner")},
		}})
		require.NoError(t, err, "name %q", name)
		got := beGet(t, b, k)
		assert.Equal(t, beS("new"), got[name], "name %q", name)
		assert.Equal(t, &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{name: beS("new")}}, got["m"], "name %q", name)
	}
	for _, item := range []backend.Item{
		beItem(bePK, "dot#empty", "", beS("v")),
		beItem(bePK, "dot#empty", "m", &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"": beS("v")}}),
	} {
		require.ErrorIs(t, b.Put(ctx, backend.PutInput{Item: item}), backend.ErrInvalidArgument)
	}
	assert.Nil(t, beGet(t, b, beKey(bePK, "dot#empty")))
}

// FidelityNumbers lists numbers as DynamoDB Local 3.3.0 reads them: Stored
// is what a top-level number comes back as, "" for a number DynamoDB
// refuses ("A value provided cannot be converted into a number", "Number
// overflow", "Number underflow", "DynamoDB only supports precision up to 38
// digits": ValidationExceptions, ErrInvalidArgument). It reads numbers as
// Java's BigDecimal does: no spaces, Unicode decimal digits of the Basic
// Multilingual Plane taken as digits, an exponent and a scale that fit in
// 32 bits.
var fidelityNumbers = []struct{ In, Stored string }{
	// Accepted spellings.
	{"7", "7"}, {"+7", "7"}, {"-7", "-7"}, {".5", "0.5"}, {"5.", "5"}, {"-.5", "-0.5"}, {"-5.", "-5"},
	{"+.5", "0.5"}, {"1.e5", "100000"}, {"1e5", "100000"}, {"1E+5", "100000"}, {"1e-5", "0.00001"},
	{"1e+05", "100000"}, {"1e00000000000000000005", "100000"}, {"1E-0", "1"}, {"1.50", "1.5"},
	{"-0", "0"}, {"+0", "0"}, {"00", "0"}, {"007", "7"}, {"-007", "-7"}, {"0.000", "0"},
	{"0e400", "0"}, {"0e-400", "0"}, {"0e2147483647", "0"}, {"0e-2147483647", "0"},
	{"0.0e2147483647", "0"}, {"0e1234567890", "0"},
	{strings.Repeat("0", 45) + "1", "1"}, {"1." + strings.Repeat("0", 45), "1"},
	{"12345678901234567890123456789012345678", "12345678901234567890123456789012345678"},
	{"12345678901234567890123456789012345678000", "12345678901234567890123456789012345678000"},
	{"0.00012345678901234567890123456789012345678", "0.00012345678901234567890123456789012345678"},
	{"1e-130", "0." + strings.Repeat("0", 129) + "1"}, {"0.1e-129", "0." + strings.Repeat("0", 129) + "1"},
	{"9.99e125", "999" + strings.Repeat("0", 123)},
	{"9.9999999999999999999999999999999999999e125", strings.Repeat("9", 38) + strings.Repeat("0", 88)},
	// Other decimal digits of the Basic Multilingual Plane.
	{"١", "1"}, {"1١", "11"}, {"1e١", "10"}, {"٠.٥", "0.5"}, {"\uff11", "1"}, {"১০", "10"}, {"१.३", "1.3"},
	// Refused: spaces, other syntax.
	{" 7", ""}, {"7 ", ""}, {"\t7", ""}, {"7\n", ""}, {"\n7", ""}, {"\u00a07", ""}, {"7\u00a0", ""},
	{"0x1", ""}, {"NaN", ""}, {"Inf", ""}, {"-Inf", ""}, {"Infinity", ""}, {"1e", ""}, {"e5", ""},
	{"1e+", ""}, {"1.2.3", ""}, {"--1", ""}, {"+-1", ""}, {"1_0", ""}, {"", ""}, {" ", ""}, {".", ""},
	{"-", ""}, {"+", ""}, {"-.", ""}, {"+e5", ""}, {".e5", ""}, {"1ee5", ""}, {"1e5.5", ""}, {"1,5", ""},
	{"0.5e", ""}, {"\U0001D7CF", ""},
	// Refused: exponent or scale beyond 32 bits, even for zero.
	{"0e2147483648", ""}, {"0e-2147483648", ""}, {"0.0e-2147483647", ""}, {"0e12345678901", ""},
	{"1e99999999999", ""},
	// Refused: range and precision.
	{"1e400", ""}, {"1e126", ""}, {"10e125", ""}, {"1e-131", ""}, {"0.1e-130", ""}, {"1.5e-131", ""},
	{"123456789012345678901234567890123456789", ""}, {"1." + strings.Repeat("0", 42) + "1", ""},
}

// backendFidelityNumberSyntax: every backend accepts and refuses numbers as
// DynamoDB does (fidelityNumbers), as an attribute, as a member of a number
// set and as an expression attribute value, and a refused number writes
// nothing.
func backendFidelityNumberSyntax(t *testing.T, h *harness) {
	b := h.b
	ctx := t.Context()
	for i, tc := range fidelityNumbers {
		k := beKey(bePK, fmt.Sprintf("num#%03d", i))
		put := b.Put(ctx, backend.PutInput{Item: beItem(bePK, k.SK, "n", beN(tc.In))})
		set := b.Put(ctx, backend.PutInput{Item: beItem(bePK, k.SK+"s", "ns", &types.AttributeValueMemberNS{Value: []string{tc.In}})})
		_, upd := b.Update(ctx, backend.UpdateInput{Key: beKey(bePK, k.SK+"u"), Expr: backend.Expressions{
			Update: "SET n = :v", Values: map[string]types.AttributeValue{":v": beN(tc.In)},
		}})
		if tc.Stored == "" {
			assert.ErrorIs(t, put, backend.ErrInvalidArgument, "put %q", tc.In)
			assert.ErrorIs(t, set, backend.ErrInvalidArgument, "number set %q", tc.In)
			assert.ErrorIs(t, upd, backend.ErrInvalidArgument, "update %q", tc.In)
			assert.Nil(t, beGet(t, b, k), "%q stored nothing", tc.In)
			continue
		}
		if assert.NoError(t, put, "put %q", tc.In) {
			assert.Equal(t, beN(tc.Stored), beGet(t, b, k)["n"], "put %q", tc.In)
		}
		if assert.NoError(t, set, "number set %q", tc.In) {
			assert.Equal(t, &types.AttributeValueMemberNS{Value: []string{tc.Stored}}, beGet(t, b, beKey(bePK, k.SK+"s"))["ns"], "number set %q", tc.In)
		}
		if assert.NoError(t, upd, "update %q", tc.In) {
			// DynamoDB Local keeps the spelling an update writes, the
			// memory backend normalizes it (see package backend/expreval):
			// the value is the same.
			got, ok := beGet(t, b, beKey(bePK, k.SK+"u"))["n"].(*types.AttributeValueMemberN)
			if assert.True(t, ok, "update %q", tc.In) {
				assert.Zero(t, backend.CompareNumbers(tc.Stored, got.Value), "update %q: got %q", tc.In, got.Value)
			}
		}
	}
}

// FidelityNumberSizes lists the sizes of numbers as DynamoDB Local 3.3.0
// counts them against the item size limit, measured there at the 400 KB
// boundary: one byte per base-100 digit (pairs of decimal digits aligned on
// the decimal point) from the first non-zero pair to the last, plus one,
// plus one for a negative number; zero is one byte.
var fidelityNumberSizes = []struct {
	N    string
	Size int
}{
	{"0", 1}, {"-0", 1}, {"1", 2}, {"-1", 3}, {"1.5", 3}, {"-1.5", 4}, {"123.4", 4},
	{"5", 2}, {"-5", 3}, {"10", 2}, {"-10", 3}, {"11", 2}, {"12", 2}, {"-12", 3}, {"50", 2},
	{"100", 2}, {"-100", 3}, {"101", 3}, {"-101", 4}, {"111", 3}, {"123", 3}, {"-123", 4}, {"500", 2},
	{"1000", 2}, {"-1000", 3}, {"1001", 3}, {"1111", 3}, {"1234", 3}, {"-1234", 4}, {"5000", 2},
	{"10001", 4}, {"11111", 4}, {"12345", 4},
	{"0.1", 2}, {"-0.1", 3}, {"0.5", 2}, {"-0.5", 3}, {"0.01", 2}, {"0.001", 2}, {"0.11", 2}, {"-0.11", 3},
	{"0.111", 3}, {"-0.111", 4}, {"0.1111", 3}, {"0.12", 2}, {"0.123", 3},
	{"1.1", 3}, {"1.01", 3}, {"1.001", 4}, {"10.1", 3}, {"100.1", 4}, {"12.34", 3}, {"123.45", 4},
	{"2e1", 2}, {"2e2", 2}, {"2e3", 2}, {"2e-1", 2}, {"2e-2", 2}, {"2e-3", 2},
	{"123e-1", 3}, {"123e-2", 3}, {"123e-3", 3}, {"-123e-1", 4}, {"-123e-2", 4}, {"-123e-3", 4},
	{"1e10", 2}, {"1e11", 2}, {"-1e10", 3}, {"-1e11", 3}, {"1e-10", 2}, {"1e-11", 2},
	{"1e125", 2}, {"9.99e125", 3}, {"1e-130", 2}, {"-1e-130", 3},
	{"12345678901234567890123456789012345678", 20}, {"-12345678901234567890123456789012345678", 21},
	{"1.2345678901234567890123456789012345678", 21}, {"0.12345678901234567890123456789012345678", 20},
	{"99999999999999999999999999999999999999", 20}, {"-99999999999999999999999999999999999999", 21},
}

// backendFidelityNumberSizes: an item holding a number and a string that
// pads it to MaxItemBytes, with the number counted as fidelityNumberSizes
// says, is stored; one byte more of padding is refused (ErrItemTooLarge),
// so the backend counts the number exactly as DynamoDB does. The same holds
// for a number set and a list of numbers.
func backendFidelityNumberSizes(t *testing.T, h *harness) {
	b := h.b
	ctx := t.Context()
	// sized returns an item of partition bePK holding attr, whose size is
	// attrSize as DynamoDB counts it, padded to size bytes.
	sized := func(sk, attr string, v types.AttributeValue, attrSize, size int) backend.Item {
		it := beItem(bePK, sk, attr, v)
		fixed := len("PK") + len(bePK) + len("SK") + len(sk) + len(attr) + attrSize + len("x")
		it["x"] = beS(strings.Repeat("x", size-fixed))
		return it
	}
	check := func(name, sk string, v types.AttributeValue, attrSize int) {
		t.Helper()
		fits := sized(sk, "n", v, attrSize, backend.MaxItemBytes)
		assert.Equal(t, backend.MaxItemBytes, backend.ItemSize(fits), "%s: backend.ItemSize", name)
		if !assert.NoError(t, b.Put(ctx, backend.PutInput{Item: fits}), "%s: %d bytes fit", name, backend.MaxItemBytes) {
			return
		}
		over := sized(sk+"+", "n", v, attrSize, backend.MaxItemBytes+1)
		assert.ErrorIs(t, b.Put(ctx, backend.PutInput{Item: over}), backend.ErrItemTooLarge, "%s: one byte more", name)
	}
	for i, tc := range fidelityNumberSizes {
		check(fmt.Sprintf("number %q", tc.N), fmt.Sprintf("size#%03d", i), beN(tc.N), tc.Size)
	}
	// Sets and lists add up their numbers' sizes (a list adds 3 bytes, and
	// 1 per element).
	check("set {-1, 1.5}", "size#set1", &types.AttributeValueMemberNS{Value: []string{"-1", "1.5"}}, 3+3)
	check("set {0, -1.5}", "size#set2", &types.AttributeValueMemberNS{Value: []string{"0", "-1.5"}}, 1+4)
	check("list [-1.5]", "size#list", &types.AttributeValueMemberL{Value: []types.AttributeValue{beN("-1.5")}}, 3+1+4)
}

// backendFidelityNumberSizesPageCut: the 1 MB page cut counts numbers as
// DynamoDB does. Items of a list of 18,000 times -1.5 are 90,025 bytes
// (each element 1 + 4 bytes), so a page holds the 12 items that reach
// MaxPageBytes; counting -1.5 as 2 bytes, as the memory backend did, made
// items of 54,025 bytes and pages of 20.
func backendFidelityNumberSizesPageCut(t *testing.T, h *harness) {
	b := h.b
	const elems = 18_000
	list := make([]types.AttributeValue, elems)
	for i := range list {
		list[i] = beN("-1.5")
	}
	size := len("PK") + len(bePK) + len("SK") + len("neg#00") + len("l") + 3 + elems*(1+4)
	require.Equal(t, 90_025, size)
	for i := range 15 {
		it := beItem(bePK, fmt.Sprintf("neg#%02d", i), "l", &types.AttributeValueMemberL{Value: list})
		require.Equal(t, size, backend.ItemSize(it))
		bePut(t, b, it)
	}
	// The page ends with the item that brings it to MaxPageBytes or more.
	want := (backend.MaxPageBytes + size - 1) / size
	require.Equal(t, 12, want)
	res, err := b.Query(t.Context(), backend.QueryInput{PK: bePK, Range: backend.SortRange{Op: backend.BeginsWith, Lo: "neg#"}, Limit: 100})
	require.NoError(t, err)
	assert.Len(t, res.Items, want)
	if assert.NotNil(t, res.LastKey) {
		assert.Equal(t, fmt.Sprintf("neg#%02d", want-1), res.LastKey.SK)
	}
}

// nestMaps returns v inside levels maps, each {"a": ...}.
func nestMaps(levels int, v types.AttributeValue) types.AttributeValue {
	for range levels {
		v = &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"a": v}}
	}
	return v
}

// nestLists returns v inside levels lists, each [...].
func nestLists(levels int, v types.AttributeValue) types.AttributeValue {
	for range levels {
		v = &types.AttributeValueMemberL{Value: []types.AttributeValue{v}}
	}
	return v
}

// backendFidelityNestingLevels: a document has at most 32 levels of maps
// and lists, the item counting as one (backend.MaxNestingLevels): an
// attribute may hold 31 levels, maps and lists alike and mixed, with
// scalars below the 31st; an empty map or list as a 32nd is refused. An
// expression attribute value may hold 32 levels (it is not inside an item),
// but an update that makes the item deeper than 32, by the value it writes
// or the path it writes it at, is refused. Refusals are ErrInvalidArgument
// and write nothing.
func backendFidelityNestingLevels(t *testing.T, h *harness) {
	b := h.b
	ctx := t.Context()
	mixed := func(levels int) types.AttributeValue {
		var v types.AttributeValue = beS("x")
		for i := range levels {
			if i%2 == 0 {
				v = nestMaps(1, v)
			} else {
				v = nestLists(1, v)
			}
		}
		return v
	}
	empty := &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}}
	emptyList := &types.AttributeValueMemberL{Value: []types.AttributeValue{}}
	for _, tc := range []struct {
		name string
		v    types.AttributeValue
		ok   bool
	}{
		{"31 maps", nestMaps(31, beS("x")), true},
		{"31 lists", nestLists(31, beN("1")), true},
		{"31 mixed", mixed(31), true},
		{"30 maps and an empty map", nestMaps(30, empty), true},
		{"31 maps and an empty map", nestMaps(31, empty), false},
		{"31 lists and an empty list", nestLists(31, emptyList), false},
		{"32 maps", nestMaps(32, beS("x")), false},
		{"32 lists", nestLists(32, beS("x")), false},
		{"32 mixed", mixed(32), false},
		{"40 maps", nestMaps(40, beS("x")), false},
	} {
		k := beKey(bePK, "deep#"+tc.name)
		err := b.Put(ctx, backend.PutInput{Item: beItem(bePK, k.SK, "n", tc.v)})
		if tc.ok {
			require.NoError(t, err, tc.name)
			assert.Equal(t, tc.v, beGet(t, b, k)["n"], tc.name)
		} else {
			require.ErrorIs(t, err, backend.ErrInvalidArgument, tc.name)
			assert.Nil(t, beGet(t, b, k), tc.name)
		}
	}

	// Expression attribute values: 32 levels are a value, 33 are not.
	k := beKey(bePK, "deep#expr")
	bePut(t, b, beItem(bePK, k.SK, "n", beS("x")))
	for _, tc := range []struct {
		levels int
		ok     bool
	}{{32, true}, {33, false}} {
		_, err := b.Update(ctx, backend.UpdateInput{Key: k, Expr: backend.Expressions{
			Condition: "n = :deep", Update: "SET z = :z",
			Values: map[string]types.AttributeValue{":deep": nestMaps(tc.levels, beS("x")), ":z": beS("z")},
		}})
		if tc.ok {
			beRequireCondFailed(t, err, beItem(bePK, k.SK, "n", beS("x")))
		} else {
			require.ErrorIs(t, err, backend.ErrInvalidArgument, "a condition value of %d levels", tc.levels)
		}
	}

	// Updates: the item after the update is held to 32 levels.
	for _, tc := range []struct {
		name   string
		update string
		value  types.AttributeValue
		ok     bool
	}{
		{"a value of 31 levels", "SET v = :v", nestMaps(31, beS("x")), true},
		{"a value of 32 levels", "SET v = :v", nestMaps(32, beS("x")), false},
		{"a value of 1 level at depth 30", "SET n" + strings.Repeat(".a", 30) + " = :v", nestMaps(1, beS("y")), true},
		{"a value of 2 levels at depth 30", "SET n" + strings.Repeat(".a", 30) + " = :v", nestMaps(2, beS("y")), false},
		{"a value of 12 levels at depth 20", "SET n" + strings.Repeat(".a", 20) + " = :v", nestMaps(12, beS("y")), false},
		// l is [x]: appending the elements of a list of 32 levels makes
		// it 32 levels deep, of 31 levels 31.
		{"list_append of 32 levels", "SET l = list_append(l, :v)", nestLists(32, beS("y")), false},
		{"list_append of 31 levels", "SET l = list_append(l, :v)", nestLists(31, beS("y")), true},
	} {
		k := beKey(bePK, "deep#upd "+tc.name)
		before := beItem(bePK, k.SK, "n", nestMaps(30, beS("x")), "l", nestLists(1, beS("x")))
		bePut(t, b, before)
		_, err := b.Update(ctx, backend.UpdateInput{Key: k, Expr: backend.Expressions{
			Update: tc.update, Values: map[string]types.AttributeValue{":v": tc.value},
		}})
		if tc.ok {
			require.NoError(t, err, tc.name)
		} else {
			require.ErrorIs(t, err, backend.ErrInvalidArgument, tc.name)
			assert.Equal(t, before, beGet(t, b, k), "%s: the item is unchanged", tc.name)
		}
	}
}

// backendFidelityExpressionLimits: DynamoDB refuses, with a
// ValidationException (ErrInvalidArgument) and before it reads anything, an
// expression of more than 300 operators and functions (comparisons,
// BETWEEN, IN, AND, OR, NOT, function calls, + and -), counted for each
// expression of a request on its own; an expression longer than 4096
// bytes; an IN with more than 100 operands; and a condition or filter whose
// text and substituted names and values (once for each use, values counted
// as backend.ValueSize counts them) come to more than 1 MB. At each limit
// the request goes through.
func backendFidelityExpressionLimits(t *testing.T, h *harness) {
	b := h.b
	ctx := t.Context()
	k := beKey(bePK, "lim#1")
	stored := beItem(bePK, k.SK, "a", beN("1"), "l", &types.AttributeValueMemberL{Value: []types.AttributeValue{}})
	bePut(t, b, stored)
	one := map[string]types.AttributeValue{":v": beN("1")}
	join := func(n int, unit, sep string) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = unit
		}
		return strings.Join(parts, sep)
	}
	// sets returns an update of n actions "bi = a + a", n operators.
	sets := func(n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = fmt.Sprintf("b%d=a+a", i)
		}
		return "SET " + strings.Join(parts, ",")
	}
	// joinf returns n actions made by format from 0 to n-1.
	joinf := func(n int, format string) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = fmt.Sprintf(format, i)
		}
		return strings.Join(parts, ",")
	}
	for _, tc := range []struct {
		name string
		expr backend.Expressions
		ok   bool
	}{
		{"150 comparisons joined by OR: 299 operators", backend.Expressions{Condition: join(150, "a = :v", " OR "), Update: "SET z = :v", Values: one}, true},
		{"151 comparisons joined by OR: 301 operators", backend.Expressions{Condition: join(151, "a = :v", " OR "), Update: "SET z = :v", Values: one}, false},
		{"299 NOT and a comparison: 300 operators", backend.Expressions{Condition: strings.Repeat("NOT ", 299) + "a = :v", Update: "SET z = :v", Values: one}, true},
		{"300 NOT and a comparison: 301 operators", backend.Expressions{Condition: strings.Repeat("NOT ", 300) + "a = :v", Update: "SET z = :v", Values: one}, false},
		{"100 size() comparisons: 299 operators", backend.Expressions{Condition: join(100, "size(a) > :v", " AND "), Update: "SET z = :v", Values: one}, true},
		{"101 size() comparisons: 302 operators", backend.Expressions{Condition: join(101, "size(a) > :v", " AND "), Update: "SET z = :v", Values: one}, false},
		{"150 attribute_exists joined by OR", backend.Expressions{Condition: join(150, "attribute_exists(a)", " OR "), Update: "SET z = :v", Values: one}, true},
		{"151 attribute_exists joined by OR", backend.Expressions{Condition: join(151, "attribute_exists(a)", " OR "), Update: "SET z = :v", Values: one}, false},
		{"150 BETWEEN joined by OR", backend.Expressions{Condition: join(150, "a BETWEEN :v AND :v", " OR "), Update: "SET z = :v", Values: one}, true},
		{"151 BETWEEN joined by OR", backend.Expressions{Condition: join(151, "a BETWEEN :v AND :v", " OR "), Update: "SET z = :v", Values: one}, false},
		{"update of 300 operators", backend.Expressions{Update: sets(300)}, true},
		{"update of 250 + and 50 if_not_exists", backend.Expressions{Update: sets(250) + "," + joinf(50, "c%d=if_not_exists(zz,a)")}, true},
		{"update of 250 + and 51 if_not_exists", backend.Expressions{Update: sets(250) + "," + joinf(51, "c%d=if_not_exists(zz,a)")}, false},
		{"update of 280 + and 20 list_append", backend.Expressions{Update: sets(280) + "," + joinf(20, "d%d=list_append(l,l)")}, true},
		{"update of 280 + and 21 list_append", backend.Expressions{Update: sets(280) + "," + joinf(21, "d%d=list_append(l,l)")}, false},
		{"update of 301 operators", backend.Expressions{Update: sets(301)}, false},
		{"condition of 299 and update of 300: counted apart", backend.Expressions{Condition: join(150, "a = :v", " OR "), Update: sets(300), Values: one}, true},
		{"expression of 4096 bytes", backend.Expressions{Condition: "a = :v" + strings.Repeat(" ", 4090), Update: "SET z = :v", Values: one}, true},
		{"expression of 4097 bytes", backend.Expressions{Condition: "a = :v" + strings.Repeat(" ", 4091), Update: "SET z = :v", Values: one}, false},
		{"IN with 100 operands", backend.Expressions{Condition: "a IN (" + join(100, ":v", ",") + ")", Update: "SET z = :v", Values: one}, true},
		{"IN with 101 operands", backend.Expressions{Condition: "a IN (" + join(101, ":v", ",") + ")", Update: "SET z = :v", Values: one}, false},
	} {
		_, err := b.Update(ctx, backend.UpdateInput{Key: k, Expr: tc.expr})
		if tc.ok {
			// The condition holds or not; either way it was evaluated.
			if !errors.Is(err, backend.ErrConditionFailed) {
				require.NoError(t, err, tc.name)
			}
		} else {
			require.ErrorIs(t, err, backend.ErrInvalidArgument, tc.name)
		}
		bePut(t, b, stored)
	}

	// The number of placeholders is not limited but by the expression's
	// length: 600 values and 600 names go through.
	vals := map[string]types.AttributeValue{}
	names := map[string]string{}
	var ins, cur, removes []string
	for i := range 600 {
		v, n := fmt.Sprintf(":%d", i), fmt.Sprintf("#%d", i)
		vals[v], names[n] = beN(fmt.Sprint(i)), fmt.Sprint("n", i)
		removes = append(removes, n)
		if cur = append(cur, v); len(cur) == 100 {
			ins, cur = append(ins, "a IN ("+strings.Join(cur, ",")+")"), nil
		}
	}
	_, err := b.Update(ctx, backend.UpdateInput{Key: k, Expr: backend.Expressions{
		Condition: strings.Join(ins, " OR "), Update: "REMOVE " + strings.Join(removes, ","), Names: names, Values: vals,
	}})
	require.NoError(t, err, "600 values and names")
	bePut(t, b, stored)

	// Filters are held to the same operator count.
	q := func(filter string) error {
		_, err := b.Query(ctx, backend.QueryInput{PK: bePK, Range: backend.SortRange{Op: backend.BeginsWith, Lo: "lim#"}, Limit: 10,
			Expr: backend.Expressions{Filter: filter, Values: one}})
		return err
	}
	require.NoError(t, q(join(150, "a = :v", " OR ")))
	require.ErrorIs(t, q(join(151, "a = :v", " OR ")), backend.ErrInvalidArgument)

	// Substitutions: text, names and values, each use, up to 1 MB.
	big := func(n int) types.AttributeValue { return beS(strings.Repeat("x", n)) }
	const mb = 1 << 20
	name := strings.Repeat("n", 1000)
	for _, tc := range []struct {
		name string
		cond string
		fits int // the longest value that fits
	}{
		{"a value", "a = :big", mb - len("a = :big")},
		{"a value used twice", "a = :big OR a = :big", (mb - len("a = :big OR a = :big")) / 2},
		{"a name and a value", "#n = :big", mb - len("#n = :big") - len(name)},
		{"a number (-1.5: 4 bytes) and a value", "a = :num OR a = :big", mb - len("a = :num OR a = :big") - 4},
	} {
		expr := func(n int) backend.Expressions {
			e := backend.Expressions{Condition: tc.cond, Update: "SET z = :v", Values: map[string]types.AttributeValue{":big": big(n), ":v": beN("1")}}
			if strings.Contains(tc.cond, "#n") {
				e.Names = map[string]string{"#n": name}
			}
			if strings.Contains(tc.cond, ":num") {
				e.Values[":num"] = beN("-1.5")
			}
			return e
		}
		_, err := b.Update(ctx, backend.UpdateInput{Key: k, Expr: expr(tc.fits)})
		beRequireCondFailed(t, err, stored)
		_, err = b.Update(ctx, backend.UpdateInput{Key: k, Expr: expr(tc.fits + 1)})
		require.ErrorIs(t, err, backend.ErrInvalidArgument, "%s: one byte more", tc.name)
	}
	// A filter too.
	filter := func(n int) error {
		_, err := b.Query(ctx, backend.QueryInput{PK: bePK, Range: backend.SortRange{Op: backend.BeginsWith, Lo: "lim#"}, Limit: 10,
			Expr: backend.Expressions{Filter: "a = :big", Values: map[string]types.AttributeValue{":big": big(n)}}})
		return err
	}
	require.NoError(t, filter(mb-len("a = :big")))
	require.ErrorIs(t, filter(mb-len("a = :big")+1), backend.ErrInvalidArgument)
	assert.Equal(t, stored, beGet(t, b, k), "nothing was written")
}

// backendFidelityWriteSizes: before it evaluates a condition, DynamoDB
// refuses an update whose writes come to more than MaxItemBytes, counting
// for each SET, ADD and DELETE action the names of its target path and the
// sizes of its values ("Item size to update has exceeded the maximum
// allowed size", ErrItemTooLarge); and it refuses a map or list expression
// attribute value whose contents (a map's keys and values, a list's
// elements) come to more than MaxItemBytes ("ExpressionAttributeValues
// contains invalid value: Item size has exceeded the maximum allowed
// size", ErrItemTooLarge too), wherever it is used, before anything else. Other
// values are bounded only by the 1 MB of their expression. At each limit
// the request gets as far as its condition.
func backendFidelityWriteSizes(t *testing.T, h *harness) {
	b := h.b
	ctx := t.Context()
	k := beKey(bePK, "wsize#1")
	stored := beItem(bePK, k.SK, "m", &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}})
	bePut(t, b, stored)
	str := func(n int) types.AttributeValue { return beS(strings.Repeat("x", n)) }
	long := strings.Repeat("n", 100)
	for _, tc := range []struct {
		name   string
		update string
		names  map[string]string
		value  func(n int) map[string]types.AttributeValue
		fits   int // the largest n that gets to the condition
		over   error
	}{
		{"SET a = :v", "SET a = :v", nil, func(n int) map[string]types.AttributeValue { return map[string]types.AttributeValue{":v": str(n)} },
			backend.MaxItemBytes - 1, backend.ErrItemTooLarge},
		{"SET a name of 100 bytes", "SET #n = :v", map[string]string{"#n": long}, func(n int) map[string]types.AttributeValue { return map[string]types.AttributeValue{":v": str(n)} },
			backend.MaxItemBytes - 100, backend.ErrItemTooLarge},
		{"SET m.kkkkk = :v", "SET m.kkkkk = :v", nil, func(n int) map[string]types.AttributeValue { return map[string]types.AttributeValue{":v": str(n)} },
			backend.MaxItemBytes - 6, backend.ErrItemTooLarge},
		{"SET two actions", "SET a = :v, bb = :w", nil, func(n int) map[string]types.AttributeValue {
			return map[string]types.AttributeValue{":v": str(n), ":w": str(10)}
		}, backend.MaxItemBytes - 13, backend.ErrItemTooLarge},
		{"SET if_not_exists: the path read does not count", "SET a = if_not_exists(zz, :v)", nil, func(n int) map[string]types.AttributeValue { return map[string]types.AttributeValue{":v": str(n)} },
			backend.MaxItemBytes - 1, backend.ErrItemTooLarge},
		{"ADD ss :v", "ADD ss :v", nil, func(n int) map[string]types.AttributeValue {
			return map[string]types.AttributeValue{":v": &types.AttributeValueMemberSS{Value: []string{strings.Repeat("x", n)}}}
		}, backend.MaxItemBytes - 2, backend.ErrItemTooLarge},
		{"SET a map value", "SET a = :v", nil, func(n int) map[string]types.AttributeValue {
			return map[string]types.AttributeValue{":v": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"k": str(n)}}}
		}, backend.MaxItemBytes - 6, backend.ErrItemTooLarge},
	} {
		expr := func(n int) backend.Expressions {
			return backend.Expressions{Condition: "attribute_exists(nope)", Update: tc.update, Names: tc.names, Values: tc.value(n)}
		}
		_, err := b.Update(ctx, backend.UpdateInput{Key: k, Expr: expr(tc.fits)})
		beRequireCondFailed(t, err, stored)
		_, err = b.Update(ctx, backend.UpdateInput{Key: k, Expr: expr(tc.fits + 1)})
		require.ErrorIs(t, err, tc.over, "%s: one byte more", tc.name)
	}

	// Map and list values, here in a condition.
	for _, tc := range []struct {
		name  string
		value func(n int) types.AttributeValue
		fits  int
	}{
		{"a map", func(n int) types.AttributeValue {
			return &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"k": str(n)}}
		}, backend.MaxItemBytes - 1},
		{"a map in a map", func(n int) types.AttributeValue {
			return &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"kk": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"k": str(n)}}}}
		}, backend.MaxItemBytes - 7},
		{"a list", func(n int) types.AttributeValue {
			return &types.AttributeValueMemberL{Value: []types.AttributeValue{str(n), str(10)}}
		}, backend.MaxItemBytes - 10},
	} {
		cond := func(n int) error {
			_, err := b.Update(ctx, backend.UpdateInput{Key: k, Expr: backend.Expressions{
				Condition: "a = :c", Update: "SET z = :z",
				Values: map[string]types.AttributeValue{":c": tc.value(n), ":z": beS("z")},
			}})
			return err
		}
		beRequireCondFailed(t, cond(tc.fits), stored)
		require.ErrorIs(t, cond(tc.fits+1), backend.ErrItemTooLarge, "%s: one byte more", tc.name)
	}
	// A map value too large is refused as a value (ErrItemTooLarge too).
	_, err := b.Update(ctx, backend.UpdateInput{Key: k, Expr: backend.Expressions{
		Condition: "attribute_exists(nope)", Update: "SET a = :v",
		Values: map[string]types.AttributeValue{":v": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"k": str(backend.MaxItemBytes)}}},
	}})
	require.ErrorIs(t, err, backend.ErrItemTooLarge)
	// A string set is bounded by its expression only.
	_, err = b.Update(ctx, backend.UpdateInput{Key: k, Expr: backend.Expressions{
		Condition: "a = :c", Update: "SET z = :z",
		Values: map[string]types.AttributeValue{":c": &types.AttributeValueMemberSS{Value: []string{strings.Repeat("x", 600_000)}}, ":z": beS("z")},
	}})
	beRequireCondFailed(t, err, stored)
	assert.Equal(t, stored, beGet(t, b, k), "nothing was written")
}
