package conformance

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
)

// The cases of this file pin how DynamoDB (DynamoDB Local 3.3.0) evaluates
// condition, update and filter expressions, which the memory backend
// evaluates itself (package backend/expreval). The expressions are those
// aws-sdk-go-v2's expression builder writes, as the repository's are,
// except where a case needs what the builder cannot write.

// beNorm returns a copy of v in which numbers are in one spelling and set
// members sorted, to compare values as DynamoDB does: DynamoDB Local keeps
// the spelling of a number an update writes ("1.50", "13.0"), where the
// memory backend normalizes it, and sets have no order.
func beNorm(v types.AttributeValue) types.AttributeValue {
	switch v := v.(type) {
	case *types.AttributeValueMemberN:
		return beN(backend.NormalizeNumber(v.Value))
	case *types.AttributeValueMemberNS:
		ns := make([]string, len(v.Value))
		for i, n := range v.Value {
			ns[i] = backend.NormalizeNumber(n)
		}
		slices.Sort(ns)
		return &types.AttributeValueMemberNS{Value: ns}
	case *types.AttributeValueMemberSS:
		ss := slices.Clone(v.Value)
		slices.Sort(ss)
		return &types.AttributeValueMemberSS{Value: ss}
	case *types.AttributeValueMemberBS:
		bs := slices.Clone(v.Value)
		slices.SortFunc(bs, func(a, b []byte) int { return strings.Compare(string(a), string(b)) })
		return &types.AttributeValueMemberBS{Value: bs}
	case *types.AttributeValueMemberL:
		l := make([]types.AttributeValue, len(v.Value))
		for i, e := range v.Value {
			l[i] = beNorm(e)
		}
		return &types.AttributeValueMemberL{Value: l}
	case *types.AttributeValueMemberM:
		return &types.AttributeValueMemberM{Value: beNormItem(v.Value)}
	}
	return backend.CopyValue(v)
}

func beNormItem(item backend.Item) backend.Item {
	if item == nil {
		return nil
	}
	out := make(backend.Item, len(item))
	for k, v := range item {
		out[k] = beNorm(v)
	}
	return out
}

func beL(vs ...types.AttributeValue) types.AttributeValue {
	return &types.AttributeValueMemberL{Value: vs}
}

func beM(kv ...any) types.AttributeValue {
	m := map[string]types.AttributeValue{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1].(types.AttributeValue)
	}
	return &types.AttributeValueMemberM{Value: m}
}

func beSS(vs ...string) types.AttributeValue { return &types.AttributeValueMemberSS{Value: vs} }
func beNS(vs ...string) types.AttributeValue { return &types.AttributeValueMemberNS{Value: vs} }

// beExprItem is the item the expression cases read.
func beExprItem(sk string) backend.Item {
	return beItem(bePK, sk,
		"n", beN("10"),
		"s", beS("héllo"),
		"e", beS(""),
		"b", &types.AttributeValueMemberB{Value: []byte{0, 1, 2}},
		"t", &types.AttributeValueMemberBOOL{Value: true},
		"z", &types.AttributeValueMemberNULL{Value: true},
		"ss", beSS("x", "y"),
		"ns", beNS("1", "2.5"),
		"l", beL(beS("x"), beN("1"), beM("k", beS("v"))),
		"m", beM("k", beS("v"), "n", beN("5"), "deep", beM("l", beL(beN("1"), beN("2")))),
	)
}

// backendExprConditions: every construct of condition expressions, as a
// PutItem condition on an existing item (the put writes the item as it
// is, so a condition that holds changes nothing). Numbers compare by
// value, sets in any order; values of different types, and missing
// attributes, make a comparison false (and <> true), never an error.
func backendExprConditions(t *testing.T, h *harness) {
	b := h.b
	item := beExprItem("expr#1")
	bePut(t, b, item)
	stored := beGet(t, b, beKey(bePK, "expr#1"))
	N := expression.Name
	V := func(v any) expression.ValueBuilder {
		if av, ok := v.(types.AttributeValue); ok {
			return expression.Value(av)
		}
		return expression.Value(v)
	}
	for _, tc := range []struct {
		name string
		c    expression.ConditionBuilder
		want bool
	}{
		// = and <> on every type.
		{"number equal by value", N("n").Equal(V(beN("10.0"))), true},
		{"number not equal to a string", N("n").Equal(V("10")), false},
		{"<> of different types", N("n").NotEqual(V("10")), true},
		{"= on a missing attribute", N("missing").Equal(V("x")), false},
		{"<> on a missing attribute", N("missing").NotEqual(V("x")), true},
		{"binary equal", N("b").Equal(V(&types.AttributeValueMemberB{Value: []byte{0, 1, 2}})), true},
		{"bool equal", N("t").Equal(V(true)), true},
		{"null equal", N("z").Equal(V(&types.AttributeValueMemberNULL{Value: true})), true},
		{"empty string equal", N("e").Equal(V("")), true},
		{"string set in any order", N("ss").Equal(V(beSS("y", "x"))), true},
		{"number set by value, any order", N("ns").Equal(V(beNS("2.50", "1"))), true},
		{"string set with another member", N("ss").Equal(V(beSS("x", "z"))), false},
		{"list element by element", N("l").Equal(V(beL(beS("x"), beN("1.0"), beM("k", beS("v"))))), true},
		{"list in another order", N("l").Equal(V(beL(beN("1"), beS("x"), beM("k", beS("v"))))), false},
		{"map", N("m.deep").Equal(V(beM("l", beL(beN("1"), beN("2"))))), true},
		{"two paths", N("m.n").Equal(N("l[1]")), false},
		// Paths.
		{"nested map key", N("m.n").Equal(V(5)), true},
		{"list index", N("m.deep.l[1]").Equal(V(2)), true},
		{"map in a list", N("l[2].k").Equal(V("v")), true},
		{"index past the end", N("l[7]").Equal(V("x")), false},
		{"key of a non-map", N("s.k").Equal(V("x")), false},
		// Ordering.
		{"number <", N("n").LessThan(V(10.5)), true},
		{"number <=", N("n").LessThanEqual(V(10)), true},
		{"number >", N("n").GreaterThan(V(-1e100)), true},
		{"number >=", N("n").GreaterThanEqual(V(11)), false},
		{"string > by bytes", N("s").GreaterThan(V("h")), true},
		{"string < by bytes", N("s").LessThan(V("hz")), false},
		{"binary <", N("b").LessThan(V(&types.AttributeValueMemberB{Value: []byte{0, 2}})), true},
		{"number < string is false", N("n").LessThan(V("100")), false},
		{"NOT of number < string is true", expression.Not(N("n").LessThan(V("100"))), true},
		{"missing < number is false", N("missing").LessThan(V(1)), false},
		{"NOT of missing < number is true", expression.Not(N("missing").LessThan(V(1))), true},
		{"bool < number is false", N("t").LessThan(V(1)), false},
		// BETWEEN and IN.
		{"BETWEEN numbers", N("n").Between(V(1), V(100)), true},
		{"BETWEEN equal bounds", N("n").Between(V(10), V(10)), true},
		{"BETWEEN outside", N("n").Between(V(11), V(12)), false},
		{"BETWEEN strings", N("s").Between(V("h"), V("i")), true},
		{"BETWEEN of another type", N("n").Between(V("1"), V("2")), false},
		{"BETWEEN on a missing attribute", N("missing").Between(V(1), V(2)), false},
		{"IN", N("n").In(V(1), V(1e1)), true},
		{"IN of another type", N("n").In(V("10")), false},
		{"IN on a missing attribute", N("missing").In(V(1)), false},
		{"IN with a set", N("ss").In(V(beSS("y", "x"))), true},
		// Logic.
		{"AND", expression.And(N("n").Equal(V(10)), N("s").Equal(V("héllo"))), true},
		{"AND false", expression.And(N("n").Equal(V(10)), N("s").Equal(V("x"))), false},
		{"OR", expression.Or(N("n").Equal(V(1)), N("s").Equal(V("héllo"))), true},
		{"NOT", expression.Not(N("n").Equal(V(10))), false},
		{"nested", expression.Or(expression.And(N("n").Equal(V(1)), N("t").Equal(V(true))), expression.Not(N("missing").Equal(V(1)))), true},
		// Functions.
		{"attribute_exists", expression.AttributeExists(N("n")), true},
		{"attribute_exists of NULL", expression.AttributeExists(N("z")), true},
		{"attribute_exists of a missing map key", expression.AttributeExists(N("m.x")), false},
		{"attribute_exists of a list index", expression.AttributeExists(N("l[2]")), true},
		{"attribute_not_exists", expression.AttributeNotExists(N("missing")), true},
		{"attribute_not_exists of an attribute", expression.AttributeNotExists(N("n")), false},
		{"attribute_type N", N("n").AttributeType(expression.Number), true},
		{"attribute_type S of a number", N("n").AttributeType(expression.String), false},
		{"attribute_type NULL", N("z").AttributeType(expression.Null), true},
		{"attribute_type SS", N("ss").AttributeType(expression.StringSet), true},
		{"attribute_type L", N("l").AttributeType(expression.List), true},
		{"attribute_type M", N("m").AttributeType(expression.Map), true},
		{"attribute_type of a missing attribute", N("missing").AttributeType(expression.Null), false},
		{"begins_with", N("s").BeginsWith("hé"), true},
		{"begins_with empty", N("s").BeginsWith(""), true},
		{"begins_with other", N("s").BeginsWith("x"), false},
		{"begins_with on a number", N("n").BeginsWith("1"), false},
		{"begins_with on a missing attribute", N("missing").BeginsWith("h"), false},
		{"contains substring", N("s").Contains("él"), true},
		{"contains no substring", N("s").Contains("z"), false},
		{"contains set member", N("ss").Contains("x"), true},
		{"contains no set member", N("ss").Contains("z"), false},
		{"contains list element", expression.Contains(N("l"), beN("1.0")), true},
		{"contains list element map", expression.Contains(N("l"), beM("k", beS("v"))), true},
		{"contains on a map", N("m").Contains("k"), false},
		{"contains on a number", expression.Contains(N("n"), beN("1")), false},
		{"contains on a missing attribute", N("missing").Contains("x"), false},
		{"contains a number in a string", expression.Contains(N("s"), beN("1")), false},
		{"size of a string", N("s").Size().Equal(V(5)), true},
		{"size of a binary", N("b").Size().Equal(V(3)), true},
		{"size of a set", N("ss").Size().Equal(V(2)), true},
		{"size of a list", N("l").Size().Equal(V(3)), true},
		{"size of a map", N("m").Size().Equal(V(3)), true},
		{"size of an empty string", N("e").Size().Equal(V(0)), true},
		{"size of a number has none", N("n").Size().Equal(V(2)), false},
		{"size of a number <> anything", N("n").Size().NotEqual(V(2)), true},
		{"size of a bool has none", N("t").Size().Equal(V(1)), false},
		{"size of a missing attribute", N("missing").Size().Equal(V(0)), false},
		{"size compared", N("s").Size().GreaterThan(N("ss").Size()), true},
		{"size BETWEEN", N("l").Size().Between(V(1), V(3)), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := beCond(t, tc.c)
			err := b.Put(t.Context(), backend.PutInput{Item: item, Expr: e})
			if tc.want {
				require.NoError(t, err, "%s", e.Condition)
			} else {
				beRequireCondFailed(t, err, stored)
			}
			assert.Equal(t, stored, beGet(t, b, beKey(bePK, "expr#1")), "nothing changed")
		})
	}
}

// backendExprConditionsMissingItem: DynamoDB evaluates the condition of a
// write to a missing item on an item without attributes; a failed one
// returns no item.
func backendExprConditionsMissingItem(t *testing.T, h *harness) {
	b := h.b
	N := expression.Name
	for i, tc := range []struct {
		c    expression.ConditionBuilder
		want bool
	}{
		{expression.AttributeNotExists(N("PK")), true},
		{expression.AttributeExists(N("PK")), false},
		{N("n").NotEqual(expression.Value(1)), true},
		{N("n").Equal(expression.Value(1)), false},
		{expression.Not(N("s").Contains("x")), true},
		{N("l").Size().LessThan(expression.Value(1)), false},
	} {
		k := beKey(bePK, fmt.Sprintf("missing#%d", i))
		e := beCond(t, tc.c)
		err := b.Delete(t.Context(), backend.DeleteInput{Key: k, Expr: e})
		if tc.want {
			assert.NoError(t, err, e.Condition)
		} else {
			beRequireCondFailed(t, err, nil)
		}
		assert.Nil(t, beGet(t, b, k))
	}
}

// backendExprConditionsInvalid: DynamoDB refuses, with a
// ValidationException and before reading the item, a condition that is
// malformed, names an undefined placeholder or does not use a defined one,
// uses a reserved word as a plain name, compares a path with itself, uses
// an ordering comparison on a value of a type without order, has BETWEEN
// bounds reversed or of different types, has redundant parentheses, or
// calls a function that is unknown or used where it cannot be.
func backendExprConditionsInvalid(t *testing.T, h *harness) {
	b := h.b
	item := beExprItem("expr#1")
	bePut(t, b, item)
	stored := beGet(t, b, beKey(bePK, "expr#1"))
	type vals = map[string]types.AttributeValue
	type names = map[string]string
	for _, tc := range []struct {
		name string
		e    backend.Expressions
	}{
		{"syntax error", backend.Expressions{Condition: "#n = :v AND", Names: names{"#n": "n"}, Values: vals{":v": beN("1")}}},
		{"== operator", backend.Expressions{Condition: "#n == :v", Names: names{"#n": "n"}, Values: vals{":v": beN("1")}}},
		{"undefined value", backend.Expressions{Condition: "#n = :v", Names: names{"#n": "n"}}},
		{"undefined name", backend.Expressions{Condition: "#n = :v", Values: vals{":v": beN("1")}}},
		{"unused value", backend.Expressions{Condition: "#n = :v", Names: names{"#n": "n"}, Values: vals{":v": beN("1"), ":w": beN("2")}}},
		{"unused name", backend.Expressions{Condition: "#n = :v", Names: names{"#n": "n", "#m": "m"}, Values: vals{":v": beN("1")}}},
		{"reserved word", backend.Expressions{Condition: "name = :v", Values: vals{":v": beN("1")}}},
		{"path compared with itself", backend.Expressions{Condition: "#n = #n", Names: names{"#n": "n"}}},
		{"< on a bool value", backend.Expressions{Condition: "#n < :v", Names: names{"#n": "n"}, Values: vals{":v": &types.AttributeValueMemberBOOL{Value: true}}}},
		{"BETWEEN reversed", backend.Expressions{Condition: "#n BETWEEN :hi AND :lo", Names: names{"#n": "n"}, Values: vals{":lo": beN("1"), ":hi": beN("2")}}},
		{"BETWEEN of two types", backend.Expressions{Condition: "#n BETWEEN :lo AND :hi", Names: names{"#n": "n"}, Values: vals{":lo": beN("1"), ":hi": beS("2")}}},
		{"redundant parentheses", backend.Expressions{Condition: "((#n = :v))", Names: names{"#n": "n"}, Values: vals{":v": beN("1")}}},
		{"unknown function", backend.Expressions{Condition: "exists(#n)", Names: names{"#n": "n"}}},
		{"function name in upper case", backend.Expressions{Condition: "ATTRIBUTE_EXISTS(#n)", Names: names{"#n": "n"}}},
		{"size as a condition", backend.Expressions{Condition: "size(#n)", Names: names{"#n": "n"}}},
		{"size of a number value", backend.Expressions{Condition: "size(:v) > :v", Values: vals{":v": beN("1")}}},
		{"attribute_exists of a value", backend.Expressions{Condition: "attribute_exists(:v)", Values: vals{":v": beN("1")}}},
		{"begins_with a number", backend.Expressions{Condition: "begins_with(#s, :v)", Names: names{"#s": "s"}, Values: vals{":v": beN("1")}}},
		{"attribute_type of no type", backend.Expressions{Condition: "attribute_type(#s, :v)", Names: names{"#s": "s"}, Values: vals{":v": beS("STRING")}}},
		{"if_not_exists in a condition", backend.Expressions{Condition: "if_not_exists(#n, :v) = :v", Names: names{"#n": "n"}, Values: vals{":v": beN("1")}}},
		{"IN of 101 values", func() backend.Expressions {
			e := backend.Expressions{Names: names{"#n": "n"}, Values: vals{}}
			ph := make([]string, 101)
			for i := range ph {
				ph[i] = fmt.Sprintf(":v%d", i)
				e.Values[ph[i]] = beN(fmt.Sprint(i))
			}
			e.Condition = "#n IN (" + strings.Join(ph, ", ") + ")"
			return e
		}()},
		{"expression over 4 KB", backend.Expressions{Condition: "#n" + strings.Repeat(" ", 4096) + "= :v", Names: names{"#n": "n"}, Values: vals{":v": beN("1")}}},
		{"invalid value", backend.Expressions{Condition: "#n = :v", Names: names{"#n": "n"}, Values: vals{":v": &types.AttributeValueMemberSS{}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := b.Put(t.Context(), backend.PutInput{Item: beItem(bePK, "expr#1"), Expr: tc.e})
			require.ErrorIs(t, err, backend.ErrInvalidArgument)
			assert.NotErrorIs(t, err, backend.ErrConditionFailed)
			t.Log(err)
			assert.Equal(t, stored, beGet(t, b, beKey(bePK, "expr#1")), "nothing changed")
		})
	}
}

// backendExprUpdateActions: each action of update expressions, on an
// existing item; the result is compared with numbers by value and sets in
// any order. Every operand is read from the item as it was before the
// update, and list indices refer to the list as it was.
func backendExprUpdateActions(t *testing.T, h *harness) {
	b := h.b
	N := expression.Name
	V := expression.Value
	base := func() backend.Item {
		return beItem(bePK, "upd#1",
			"n", beN("10"),
			"s", beS("x"),
			"ss", beSS("x", "y"),
			"ns", beNS("1", "2"),
			"l", beL(beS("a"), beS("b"), beS("c")),
			"m", beM("k", beS("v"), "n", beN("5"), "l", beL(beN("1"))),
		)
	}
	with := func(kv ...any) backend.Item {
		it := base()
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(it, kv[i].(string))
			} else {
				it[kv[i].(string)] = kv[i+1].(types.AttributeValue)
			}
		}
		return it
	}
	bu := func(u expression.UpdateBuilder) backend.Expressions { return beUpdate(t, u, &beExists) }
	raw := func(update string) backend.Expressions {
		return backend.Expressions{
			Condition: "attribute_exists(#pk)", Update: update,
			Names:  map[string]string{"#pk": "PK", "#c": "c", "#n": "n"},
			Values: map[string]types.AttributeValue{":zero": beN("0"), ":one": beN("1")},
		}
	}
	for _, tc := range []struct {
		name string
		e    backend.Expressions
		want backend.Item
	}{
		{"SET a new attribute", bu(expression.Set(N("new"), V("z"))), with("new", beS("z"))},
		{"SET replaces a value of another type", bu(expression.Set(N("s"), V(beL(beN("1"))))), with("s", beL(beN("1")))},
		{"SET a map key", bu(expression.Set(N("m.x"), V("y"))), with("m", beM("k", beS("v"), "n", beN("5"), "l", beL(beN("1")), "x", beS("y")))},
		{"SET a list element", bu(expression.Set(N("l[1]"), V("B"))), with("l", beL(beS("a"), beS("B"), beS("c")))},
		{"SET past the end of a list appends", bu(expression.Set(N("l[10]"), V("d"))), with("l", beL(beS("a"), beS("b"), beS("c"), beS("d")))},
		{"SET a + b", bu(expression.Set(N("n"), N("n").Plus(V(1.5)))), with("n", beN("11.5"))},
		{"SET a - b", bu(expression.Set(N("n"), N("n").Minus(V(12)))), with("n", beN("-2"))},
		{"SET nested arithmetic", bu(expression.Set(N("m.n"), N("m.n").Plus(N("n")))), with("m", beM("k", beS("v"), "n", beN("15"), "l", beL(beN("1"))))},
		{"SET exact decimal arithmetic", bu(expression.Set(N("x"), V(beN("0.1")).Plus(V(beN("0.2"))))), with("x", beN("0.3"))},
		{"SET if_not_exists of a missing attribute", bu(expression.Set(N("c"), N("c").IfNotExists(V(7)))), with("c", beN("7"))},
		{"SET if_not_exists of an attribute", bu(expression.Set(N("n"), N("n").IfNotExists(V(7)))), with("n", beN("10"))},
		{"SET if_not_exists(...) + 1, a counter", raw("SET #c = if_not_exists(#c, :zero) + :one, #n = if_not_exists(#n, :zero) + :one"), with("c", beN("1"), "n", beN("11"))},
		{"SET list_append at the end", bu(expression.Set(N("l"), expression.ListAppend(N("l"), V([]string{"d"})))), with("l", beL(beS("a"), beS("b"), beS("c"), beS("d")))},
		{"SET list_append at the start", bu(expression.Set(N("l"), expression.ListAppend(V([]string{"z"}), N("l")))), with("l", beL(beS("z"), beS("a"), beS("b"), beS("c")))},
		{"SET list_append to a missing list", bu(expression.Set(N("q"), expression.ListAppend(N("q").IfNotExists(V([]string{})), V([]string{"e"})))), with("q", beL(beS("e")))},
		{"SET swaps, reading the item as it was", bu(expression.Set(N("n"), N("s")).Set(N("s"), N("n"))), with("n", beS("x"), "s", beN("10"))},
		{"REMOVE attributes, missing ones too", bu(expression.Remove(N("s")).Remove(N("missing"))), with("s", nil)},
		{"REMOVE a map key", bu(expression.Remove(N("m.k"))), with("m", beM("n", beN("5"), "l", beL(beN("1"))))},
		{"REMOVE list elements by their old index", bu(expression.Remove(N("l[0]")).Remove(N("l[2]")).Remove(N("l[9]"))), with("l", beL(beS("b")))},
		{"SET and REMOVE in one list", bu(expression.Set(N("l[1]"), V("X")).Remove(N("l[0]"))), with("l", beL(beS("X"), beS("c")))},
		{"ADD to a number", bu(expression.Add(N("n"), V(-2.5))), with("n", beN("7.5"))},
		{"ADD to a missing number", bu(expression.Add(N("count"), V(3))), with("count", beN("3"))},
		{"ADD to a nested number", bu(expression.Add(N("m.n"), V(1))), with("m", beM("k", beS("v"), "n", beN("6"), "l", beL(beN("1"))))},
		{"ADD to a string set", bu(expression.Add(N("ss"), V(beSS("y", "z")))), with("ss", beSS("x", "y", "z"))},
		{"ADD to a number set", bu(expression.Add(N("ns"), V(beNS("2.0", "3")))), with("ns", beNS("1", "2", "3"))},
		{"ADD to a missing set", bu(expression.Add(N("tags"), V(beSS("a")))), with("tags", beSS("a"))},
		{"DELETE from a set", bu(expression.Delete(N("ss"), V(beSS("x", "nope")))), with("ss", beSS("y"))},
		{"DELETE numbers by value", bu(expression.Delete(N("ns"), V(beNS("1.0")))), with("ns", beNS("2"))},
		{"DELETE every member removes the set", bu(expression.Delete(N("ss"), V(beSS("x", "y")))), with("ss", nil)},
		{"DELETE from a missing set", bu(expression.Delete(N("tags"), V(beSS("x")))), base()},
		{"every action at once",
			bu(expression.Set(N("n"), N("n").Plus(V(1))).Remove(N("s")).Add(N("ns"), V(beNS("3"))).Delete(N("ss"), V(beSS("x")))),
			with("n", beN("11"), "s", nil, "ns", beNS("1", "2", "3"), "ss", beSS("y"))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := beKey(bePK, "upd#1")
			bePut(t, b, base())
			e := tc.e
			got, err := b.Update(t.Context(), backend.UpdateInput{Key: k, Expr: e})
			require.NoError(t, err, e.Update)
			assert.Equal(t, beNormItem(tc.want), beNormItem(got), "Update returns the item after: %s", e.Update)
			assert.Equal(t, beNormItem(tc.want), beNormItem(beGet(t, b, k)), "stored")
		})
	}
}

// backendExprUpdateCreates: an update of a missing item starts from an item
// of just its key, whose key attributes its operands can read.
func backendExprUpdateCreates(t *testing.T, h *harness) {
	b := h.b
	N := expression.Name
	V := expression.Value
	k := beKey(bePK, "new#1")
	got, err := b.Update(t.Context(), backend.UpdateInput{Key: k, Expr: beUpdate(t,
		expression.Add(N("count"), V(2)).
			Add(N("tags"), V(beSS("a"))).
			Set(N("copy"), N("SK")).
			Set(N("v"), N("v").IfNotExists(V(1))).
			Remove(N("gone")).
			Delete(N("none"), V(beSS("x"))),
		&beNotExists)})
	require.NoError(t, err)
	want := beItem(bePK, "new#1", "count", beN("2"), "tags", beSS("a"), "copy", beS("new#1"), "v", beN("1"))
	assert.Equal(t, beNormItem(want), beNormItem(got))
	assert.Equal(t, beNormItem(want), beNormItem(beGet(t, b, k)))
}

// backendExprUpdateErrors: DynamoDB refuses with a ValidationException
// (ErrInvalidArgument), and changes nothing: arithmetic on a string,
// list_append of a non-list, an operand attribute that is missing, a path
// under a missing or non-map attribute, two actions on overlapping paths,
// an update of a key attribute, ADD to an attribute of another type, a
// value of the wrong type for ADD or DELETE, a result over 38 digits, and
// a function an update cannot use. A condition that fails is reported
// first, as ConditionalCheckFailed, whatever the update would do.
func backendExprUpdateErrors(t *testing.T, h *harness) {
	b := h.b
	N := expression.Name
	V := expression.Value
	k := beKey(bePK, "upd#1")
	orig := beItem(bePK, "upd#1", "n", beN("10"), "s", beS("x"), "ss", beSS("x"), "m", beM("k", beS("v")))
	bePut(t, b, orig)
	stored := beGet(t, b, k)
	type vals = map[string]types.AttributeValue
	for _, tc := range []struct {
		name string
		e    backend.Expressions
	}{
		{"arithmetic on a string", beUpdate(t, expression.Set(N("n"), N("s").Plus(V(1))), nil)},
		{"arithmetic on a string value", beUpdate(t, expression.Set(N("n"), V("1").Plus(V(1))), nil)},
		{"list_append of a string", beUpdate(t, expression.Set(N("l"), expression.ListAppend(N("s"), V([]string{"a"}))), nil)},
		{"a missing operand", beUpdate(t, expression.Set(N("n"), N("missing").Plus(V(1))), nil)},
		{"a missing if_not_exists fallback", beUpdate(t, expression.Set(N("n"), N("n").IfNotExists(N("missing"))), nil)},
		{"a path under a missing attribute", beUpdate(t, expression.Set(N("missing.x"), V(1)), nil)},
		{"a path under a string", beUpdate(t, expression.Set(N("s.x"), V(1)), nil)},
		{"an index of a map", beUpdate(t, expression.Set(N("m[0]"), V(1)), nil)},
		{"REMOVE under a missing attribute", beUpdate(t, expression.Remove(N("missing.x")), nil)},
		{"overlapping paths", beUpdate(t, expression.Set(N("m.k"), V(1)).Remove(N("m")), nil)},
		{"one path twice", backend.Expressions{Update: "SET #n = :v, #n = :v", Names: map[string]string{"#n": "n"}, Values: vals{":v": beN("1")}}},
		{"SET PK", beUpdate(t, expression.Set(N("PK"), V("tenant#other")), nil)},
		{"REMOVE SK", beUpdate(t, expression.Remove(N("SK")), nil)},
		{"ADD to a string", beUpdate(t, expression.Add(N("s"), V(1)), nil)},
		{"ADD a number set to a string set", beUpdate(t, expression.Add(N("ss"), V(beNS("1"))), nil)},
		{"ADD a string", beUpdate(t, expression.Add(N("n"), V("1")), nil)},
		{"DELETE a number", beUpdate(t, expression.Delete(N("ss"), V(1)), nil)},
		{"DELETE from a number", beUpdate(t, expression.Delete(N("n"), V(beNS("1"))), nil)},
		{"over 38 digits", beUpdate(t, expression.Set(N("n"), V(beN("12345678901234567890123456789012345678")).Plus(V(0.5))), nil)},
		{"number overflow", beUpdate(t, expression.Set(N("n"), V(beN("9.9e125")).Plus(V(beN("9.9e125")))), nil)},
		{"size in an update", backend.Expressions{Update: "SET #n = size(#s)", Names: map[string]string{"#n": "n", "#s": "s"}}},
		{"SET section twice", backend.Expressions{Update: "SET #n = :v SET #s = :v", Names: map[string]string{"#n": "n", "#s": "s"}, Values: vals{":v": beN("1")}}},
		{"a + b + c", backend.Expressions{Update: "SET #n = #n + :v + :v", Names: map[string]string{"#n": "n"}, Values: vals{":v": beN("1")}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := b.Update(t.Context(), backend.UpdateInput{Key: k, Expr: tc.e})
			require.ErrorIs(t, err, backend.ErrInvalidArgument, tc.e.Update)
			t.Log(err)
			assert.Equal(t, stored, beGet(t, b, k), "nothing changed")
		})
	}

	// The condition comes first: a failed one is reported even when the
	// update could not be applied, or writes a key attribute.
	for _, u := range []expression.UpdateBuilder{
		expression.Set(N("n"), N("s").Plus(V(1))),
		expression.Set(N("PK"), V("tenant#other")),
	} {
		_, err := b.Update(t.Context(), backend.UpdateInput{Key: k, Expr: beUpdate(t, u, &beNotExists)})
		beRequireCondFailed(t, err, stored)
	}
	// An update that fails creates no item.
	k2 := beKey(bePK, "upd#2")
	_, err := b.Update(t.Context(), backend.UpdateInput{Key: k2, Expr: beUpdate(t, expression.Set(N("n"), N("s").Plus(V(1))), nil)})
	require.ErrorIs(t, err, backend.ErrInvalidArgument)
	assert.Nil(t, beGet(t, b, k2))
}

// backendExprUpdateValuesTooLarge: DynamoDB refuses an update whose values
// come to MaxItemBytes or more, counted once for each use, before it
// evaluates its condition ("Item size to update has exceeded the maximum
// allowed size", ErrItemTooLarge); values one byte smaller get as far as
// the condition.
func backendExprUpdateValuesTooLarge(t *testing.T, h *harness) {
	b := h.b
	k := beKey(bePK, "big#1")
	bePut(t, b, beItem(bePK, "big#1"))
	upd := func(update string, values map[string]types.AttributeValue) backend.UpdateInput {
		return backend.UpdateInput{Key: k, Expr: backend.Expressions{
			Condition: "attribute_exists(#missing)", Update: update,
			Names: map[string]string{"#missing": "missing"}, Values: values,
		}}
	}
	_, err := b.Update(t.Context(), upd("SET a = :v", map[string]types.AttributeValue{":v": beS(strings.Repeat("x", backend.MaxItemBytes))}))
	require.ErrorIs(t, err, backend.ErrItemTooLarge)
	_, err = b.Update(t.Context(), upd("SET a = :v, b = :v", map[string]types.AttributeValue{":v": beS(strings.Repeat("x", backend.MaxItemBytes/2))}))
	require.ErrorIs(t, err, backend.ErrItemTooLarge, "a value used twice counts twice")
	_, err = b.Update(t.Context(), upd("SET a = :v", map[string]types.AttributeValue{":v": beS(strings.Repeat("x", backend.MaxItemBytes-1))}))
	beRequireCondFailed(t, err, beItem(bePK, "big#1"))
}

// backendExprQueryFilter: a FilterExpression drops items after Limit and
// the 1 MB cut chose them: Limit counts the items read, not those
// returned, and LastKey is the key of the last item read, whether the
// filter kept it or not. A page can come back empty with a LastKey.
func backendExprQueryFilter(t *testing.T, h *harness) {
	b := h.b
	for i := 1; i <= 10; i++ {
		bePut(t, b, beItem(bePK, fmt.Sprintf("f#%02d", i), "v", beN(fmt.Sprint(i)), "odd", &types.AttributeValueMemberBOOL{Value: i%2 == 1}))
	}
	bePut(t, b, beItem(bePK, "g#01", "v", beN("100")))
	r := backend.SortRange{Op: backend.BeginsWith, Lo: "f#"}
	filter := func(c expression.ConditionBuilder) backend.Expressions {
		return beBuild(t, expression.NewBuilder().WithFilter(c))
	}
	odd := filter(expression.Name("odd").Equal(expression.Value(true)))
	big := filter(expression.Name("v").GreaterThan(expression.Value(8)))

	type page struct {
		sks  []string
		last string
	}
	pages := func(in backend.QueryInput) []page {
		var out []page
		for range 20 {
			res, err := b.Query(t.Context(), in)
			require.NoError(t, err)
			p := page{sks: beSortKeys(res.Items)}
			if res.LastKey != nil {
				p.last = res.LastKey.SK
			}
			out = append(out, p)
			if res.LastKey == nil {
				return out
			}
			in.StartKey = res.LastKey
		}
		t.Fatal("query did not end")
		return nil
	}
	for _, tc := range []struct {
		name string
		in   backend.QueryInput
		want []page
	}{
		{"limit counts items read", backend.QueryInput{PK: bePK, Range: r, Limit: 3, Expr: odd}, []page{
			{[]string{"f#01", "f#03"}, "f#03"},
			{[]string{"f#05"}, "f#06"},
			{[]string{"f#07", "f#09"}, "f#09"},
			{[]string{}, ""},
		}},
		{"empty pages with a LastKey", backend.QueryInput{PK: bePK, Range: r, Limit: 4, Expr: big}, []page{
			{[]string{}, "f#04"},
			{[]string{}, "f#08"},
			{[]string{"f#09", "f#10"}, ""},
		}},
		{"descending", backend.QueryInput{PK: bePK, Range: r, Limit: 4, Descending: true, Expr: odd}, []page{
			{[]string{"f#09", "f#07"}, "f#07"},
			{[]string{"f#05", "f#03"}, "f#03"},
			{[]string{"f#01"}, ""},
		}},
		{"no limit reached", backend.QueryInput{PK: bePK, Range: r, Limit: 100, Expr: big}, []page{
			{[]string{"f#09", "f#10"}, ""},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := pages(tc.in)
			for i := range got {
				if got[i].sks == nil {
					got[i].sks = []string{}
				}
			}
			assert.Equal(t, tc.want, got)
		})
	}

	// The filter's placeholders are its own: the builder numbers them
	// from zero, as it numbers the backend's key condition's.
	res, err := b.Query(t.Context(), backend.QueryInput{PK: bePK, Range: backend.SortRange{Op: backend.Between, Lo: "f#05", Hi: "g#99"}, Limit: 100,
		Expr: filter(expression.And(expression.Name("v").Between(expression.Value(6), expression.Value(100)), expression.Name("odd").AttributeType(expression.Boolean)))})
	require.NoError(t, err)
	assert.Equal(t, []string{"f#06", "f#07", "f#08", "f#09", "f#10"}, beSortKeys(res.Items))
	for _, it := range res.Items {
		assert.Len(t, it, 4, "whole items")
	}
}

// backendExprQueryFilterInvalid: DynamoDB refuses (ErrInvalidArgument) a
// filter that reads a key attribute, and a malformed one.
func backendExprQueryFilterInvalid(t *testing.T, h *harness) {
	b := h.b
	bePut(t, b, beItem(bePK, "f#01", "v", beN("1")))
	r := backend.SortRange{Op: backend.BeginsWith, Lo: "f#"}
	for _, f := range []backend.Expressions{
		beBuild(t, expression.NewBuilder().WithFilter(expression.Name("SK").BeginsWith("f#"))),
		beBuild(t, expression.NewBuilder().WithFilter(expression.AttributeExists(expression.Name("PK")))),
		{Filter: "#v = ", Names: map[string]string{"#v": "v"}},
		{Filter: "#v = :v", Names: map[string]string{"#v": "v"}, Values: map[string]types.AttributeValue{":v": beN("1"), ":unused": beN("2")}},
	} {
		_, err := b.Query(t.Context(), backend.QueryInput{PK: bePK, Range: r, Limit: 10, Expr: f})
		assert.ErrorIs(t, err, backend.ErrInvalidArgument, f.Filter)
		t.Log(err)
	}
}
