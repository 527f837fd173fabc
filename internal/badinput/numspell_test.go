package badinput_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/repo"
)

// spelled has numbers of every kind at every depth: integer and float
// fields, in maps, lists, number sets and nested structs.
type spelled struct {
	ID     string                    `dynamodbav:"-"`
	N      int64                     `dynamodbav:"n"`
	U      uint8                     `dynamodbav:"u"`
	F      float64                   `dynamodbav:"f"`
	Tags   map[string]int            `dynamodbav:"tags"`
	List   []int                     `dynamodbav:"list"`
	Set    []int                     `dynamodbav:"set,numberset"`
	FSet   []float64                 `dynamodbav:"fset,numberset"`
	Inner  spelledInner              `dynamodbav:"inner"`
	Deep   map[string][]spelledInner `dynamodbav:"deep"`
	Floats []float64                 `dynamodbav:"floats"`
	Any    any                       `dynamodbav:"any"`
	At     time.Time                 `dynamodbav:"at,unixtime"`
}

type spelledInner struct {
	K int      `dynamodbav:"k"`
	F float32  `dynamodbav:"f"`
	L []uint16 `dynamodbav:"l"`
}

func (spelled) EntityPrefix() string     { return "spelled" }
func (v spelled) EntityID() string       { return v.ID }
func (v *spelled) SetEntityID(id string) { v.ID = id }

// numberSpellings are numbers as a caller may spell them: plain integers,
// signs, leading and trailing zeros, decimal points, exponents, digits
// other than ASCII, values out of the integer fields' ranges.
var numberSpellings = []string{
	"7", "-12", "0", "255", "256", "-1", "99999999999999999999",
	"-0", "+7", "007", "7.0", "7.", ".5", "0.5", "1.5", "-1.0", "13.0",
	"1E2", "1e2", "1E+2", "5E0", "0.5E1", "70E-1", "1.30E1", "1e-2", "1e40",
	"١", "１２",
}

// plainInteger reports whether n is an integer spelled as DynamoDB returns
// it: an optional "-" and ASCII digits without leading zeros, not "-0".
func plainInteger(n string) bool {
	return backend.ValidateNumber(n) == nil && backend.NormalizeNumber(n) == n && !strings.Contains(n, ".")
}

// spellingCase is an update that writes a number x somewhere.
type spellingCase struct {
	name string
	// into is what x becomes: "int" (stored, as given, into an integer
	// field), "addend" (added to or subtracted from an integer field:
	// the sum depends on the stored item), "other" (a float, an any, a
	// unixtime, or nothing stored).
	into string
	u    func(x types.AttributeValue) expression.UpdateBuilder
}

func spellingCases() []spellingCase {
	name := expression.Name
	val := func(v types.AttributeValue) expression.ValueBuilder { return expression.Value(v) }
	l := func(vs ...types.AttributeValue) types.AttributeValue { return &types.AttributeValueMemberL{Value: vs} }
	m := func(kv ...any) types.AttributeValue {
		out := map[string]types.AttributeValue{}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i].(string)] = kv[i+1].(types.AttributeValue)
		}
		return &types.AttributeValueMemberM{Value: out}
	}
	ns := func(x types.AttributeValue) types.AttributeValue {
		return &types.AttributeValueMemberNS{Value: []string{x.(*typesN).Value}}
	}
	set := func(path string, o expression.OperandBuilder) expression.UpdateBuilder {
		return expression.Set(name(path), o)
	}
	return []spellingCase{
		// Into integer fields, as given, at every depth.
		{"SET n = x", "int", func(x types.AttributeValue) expression.UpdateBuilder { return set("n", val(x)) }},
		{"SET u = x", "int", func(x types.AttributeValue) expression.UpdateBuilder { return set("u", val(x)) }},
		{"SET tags.k = x", "int", func(x types.AttributeValue) expression.UpdateBuilder { return set("tags.k", val(x)) }},
		{"SET tags = {k: x}", "int", func(x types.AttributeValue) expression.UpdateBuilder { return set("tags", val(m("k", x))) }},
		{"SET list[0] = x", "int", func(x types.AttributeValue) expression.UpdateBuilder { return set("list[0]", val(x)) }},
		{"SET list = [x]", "int", func(x types.AttributeValue) expression.UpdateBuilder { return set("list", val(l(x))) }},
		{"SET list = list_append(list, [x])", "int", func(x types.AttributeValue) expression.UpdateBuilder {
			return set("list", expression.ListAppend(name("list"), val(l(x))))
		}},
		{"SET list = list_append([x], list)", "int", func(x types.AttributeValue) expression.UpdateBuilder {
			return set("list", expression.ListAppend(val(l(x)), name("list")))
		}},
		{"SET inner.k = x", "int", func(x types.AttributeValue) expression.UpdateBuilder { return set("inner.k", val(x)) }},
		{"SET inner = {k: x}", "int", func(x types.AttributeValue) expression.UpdateBuilder { return set("inner", val(m("k", x))) }},
		{"SET inner.l = [x]", "int", func(x types.AttributeValue) expression.UpdateBuilder { return set("inner.l", val(l(x))) }},
		{"SET inner.l[0] = x", "int", func(x types.AttributeValue) expression.UpdateBuilder { return set("inner.l[0]", val(x)) }},
		{"SET deep.a[0].k = x", "int", func(x types.AttributeValue) expression.UpdateBuilder { return set("deep.a[0].k", val(x)) }},
		{"SET deep.b = [{k: x}]", "int", func(x types.AttributeValue) expression.UpdateBuilder { return set("deep.b", val(l(m("k", x)))) }},
		{"SET deep = {c: [{l: [x]}]}", "int", func(x types.AttributeValue) expression.UpdateBuilder {
			return set("deep", val(m("c", l(m("l", l(x))))))
		}},
		{"SET n = if_not_exists(nope, x)", "int", func(x types.AttributeValue) expression.UpdateBuilder {
			return set("n", expression.IfNotExists(name("nope"), val(x)))
		}},
		{"SET tags.z = if_not_exists(tags.z, x)", "int", func(x types.AttributeValue) expression.UpdateBuilder {
			return set("tags.z", expression.IfNotExists(name("tags.z"), val(x)))
		}},
		{"SET list = if_not_exists(nope, [x])", "int", func(x types.AttributeValue) expression.UpdateBuilder {
			return set("list", expression.IfNotExists(name("nope"), val(l(x))))
		}},
		{"SET set = {x}", "int", func(x types.AttributeValue) expression.UpdateBuilder { return set("set", val(ns(x))) }},
		{"ADD set {x}", "int", func(x types.AttributeValue) expression.UpdateBuilder { return expression.Add(name("set"), val(ns(x))) }},
		// Added to integer fields.
		{"SET n = n + x", "addend", func(x types.AttributeValue) expression.UpdateBuilder { return set("n", name("n").Plus(val(x))) }},
		{"SET n = n - x", "addend", func(x types.AttributeValue) expression.UpdateBuilder { return set("n", name("n").Minus(val(x))) }},
		{"SET u = x + u", "addend", func(x types.AttributeValue) expression.UpdateBuilder { return set("u", val(x).Plus(name("u"))) }},
		{"SET tags.k = n + x", "addend", func(x types.AttributeValue) expression.UpdateBuilder { return set("tags.k", name("n").Plus(val(x))) }},
		{"SET list[0] = list[0] - x", "addend", func(x types.AttributeValue) expression.UpdateBuilder {
			return set("list[0]", name("list[0]").Minus(val(x)))
		}},
		{"SET inner.k = if_not_exists(nope, x) + n", "addend", func(x types.AttributeValue) expression.UpdateBuilder {
			return set("inner.k", expression.Plus(expression.IfNotExists(name("nope"), val(x)), name("n")))
		}},
		{"ADD n x", "addend", func(x types.AttributeValue) expression.UpdateBuilder { return expression.Add(name("n"), val(x)) }},
		{"ADD u x", "addend", func(x types.AttributeValue) expression.UpdateBuilder { return expression.Add(name("u"), val(x)) }},
		// Floats, any, unixtime, and nothing stored: judged as before.
		{"SET f = x", "other", func(x types.AttributeValue) expression.UpdateBuilder { return set("f", val(x)) }},
		{"SET inner.f = x", "other", func(x types.AttributeValue) expression.UpdateBuilder { return set("inner.f", val(x)) }},
		{"SET floats = [x]", "other", func(x types.AttributeValue) expression.UpdateBuilder { return set("floats", val(l(x))) }},
		{"SET fset = {x}", "other", func(x types.AttributeValue) expression.UpdateBuilder { return set("fset", val(ns(x))) }},
		{"SET f = f + x", "other", func(x types.AttributeValue) expression.UpdateBuilder { return set("f", name("f").Plus(val(x))) }},
		{"SET any = x", "other", func(x types.AttributeValue) expression.UpdateBuilder { return set("any", val(x)) }},
		{"SET any = {k: [x]}", "other", func(x types.AttributeValue) expression.UpdateBuilder { return set("any", val(m("k", l(x)))) }},
		{"SET at = x", "other", func(x types.AttributeValue) expression.UpdateBuilder { return set("at", val(x)) }},
		{"DELETE set {x}", "other", func(x types.AttributeValue) expression.UpdateBuilder {
			return expression.Delete(name("set"), val(ns(x)))
		}},
	}
}

// TestRegressionUpdateExprNumberSpellings (issue 10, attack finding F4):
// UpdateExpr judged the numbers it writes as given as DynamoDB normalizes
// top-level numbers ("1E2" as 100), but numbers inside maps and lists are
// stored as spelled (and DynamoDB Local keeps the spelling even at the top
// level), so SET tags.k = 1E2 on a map[string]int, list_append of [2.0],
// SET inner = {k: 0.5E1} were stored, failed with ErrApplied, and every
// later Get failed. For every spelling of a number and every place it can
// land: a number stored as given into an integer field is refused with
// ErrInvalidArgument, changing nothing, unless spelled as a plain integer
// (and then it is stored and reads back); a number added to an integer
// field likewise, with ErrApplied only for a sum out of the field's range;
// anywhere else the update is refused or stored and read back.
// TxUpdateExpr refuses what UpdateExpr refuses for integer fields.
func TestRegressionUpdateExprNumberSpellings(t *testing.T) {
	for _, st := range stores(t) {
		t.Run(st.name, func(t *testing.T) {
			r := repo.MustNew[spelled](st.b)
			ctx := acme()
			seed := spelled{ID: "s1", N: 7, U: 1, F: 1.5, Tags: map[string]int{"k": 1}, List: []int{1}, Set: []int{1}, FSet: []float64{1.5},
				Inner: spelledInner{K: 1, F: 1, L: []uint16{1}}, Deep: map[string][]spelledInner{"a": {{K: 1}}},
				Floats: []float64{1.5}, At: time.Unix(1, 0)}
			counts := map[string]int{}
			for _, c := range spellingCases() {
				for _, x := range numberSpellings {
					what := fmt.Sprintf("%s with x = %q", c.name, x)
					_, err := r.Put(ctx, seed)
					require.NoError(t, err)
					before := st.snapshot(t)
					if c.into != "other" && !plainInteger(x) {
						// The transaction form is refused alike.
						err = repo.Transact(ctx, r.TxUpdateExpr("s1", c.u(&typesN{Value: x})))
						assert.ErrorIs(t, err, repo.ErrInvalidArgument, "%s: TxUpdateExpr", what)
						assert.Equal(t, before, st.snapshot(t), "%s: TxUpdateExpr changed the store", what)
					}
					_, err = r.UpdateExpr(ctx, "s1", c.u(&typesN{Value: x}))
					_, gerr := r.Get(ctx, "s1")
					switch {
					case errors.Is(err, repo.ErrInvalidArgument):
						counts["refused"]++
						assert.Equal(t, before, st.snapshot(t), "%s: refused, and changed the store", what)
						assert.NoError(t, gerr, "%s: refused, and Get fails", what)
						continue
					case errors.Is(err, repo.ErrApplied):
						if c.into == "addend" && plainInteger(x) {
							// The sum is out of the field's range: that
							// depends on the stored value.
							counts["sum out of range"]++
							continue
						}
						t.Errorf("%s: stored a value that does not decode (%v; Get: %v)", what, err, gerr)
						continue
					}
					if !assert.NoError(t, err, what) {
						continue
					}
					counts["stored"]++
					assert.NoError(t, gerr, "%s: stored, and Get fails", what)
					if c.into != "other" && !plainInteger(x) {
						t.Errorf("%s: stored %q into an integer field; only plain integers are taken", what, x)
					}
				}
			}
			t.Logf("%v", counts)
			assert.Greater(t, counts["refused"], 300)
			assert.Greater(t, counts["stored"], 200)
		})
	}
}
