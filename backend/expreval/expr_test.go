package expreval_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/expreval"
)

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }

// TestParseRequest checks the checks Parse makes across the expressions of
// one request (limits recorded against DynamoDB Local 3.3.0).
func TestParseRequest(t *testing.T) {
	vals := func(kv ...string) map[string]types.AttributeValue {
		m := map[string]types.AttributeValue{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = n(kv[i+1])
		}
		return m
	}
	many := func(k int, sep, f string) string {
		parts := make([]string, k)
		for i := range parts {
			parts[i] = fmt.Sprintf(f, i)
		}
		return strings.Join(parts, sep)
	}
	manyVals := func(k int) map[string]types.AttributeValue {
		m := map[string]types.AttributeValue{}
		for i := range k {
			m[fmt.Sprintf(":v%d", i)] = n("1")
		}
		return m
	}
	long := strings.Repeat("a", 254)
	for _, tc := range []struct {
		name string
		e    backend.Expressions
		want string // "" for success, else "invalid" or "unsupported"
	}{
		{"nothing", backend.Expressions{}, ""},
		{"empty maps count as none", backend.Expressions{Names: map[string]string{}, Values: map[string]types.AttributeValue{}}, ""},
		{"names without expressions", backend.Expressions{Names: map[string]string{"#a": "a"}}, "invalid"},
		{"values without expressions", backend.Expressions{Values: vals(":a", "1")}, "invalid"},
		{"placeholders shared by condition and update", backend.Expressions{
			Condition: "#a = :v", Update: "SET #b = :v", Names: map[string]string{"#a": "a", "#b": "b"}, Values: vals(":v", "1"),
		}, ""},
		{"a name used by the update only", backend.Expressions{
			Condition: "attribute_exists(#a)", Update: "SET #b = :v", Names: map[string]string{"#a": "a", "#b": "b"}, Values: vals(":v", "1"),
		}, ""},
		{"a name no expression uses", backend.Expressions{
			Condition: "attribute_exists(#a)", Update: "SET #a = :v", Names: map[string]string{"#a": "a", "#b": "b"}, Values: vals(":v", "1"),
		}, "invalid"},
		{"a value no expression uses", backend.Expressions{
			Filter: "#a = :v", Names: map[string]string{"#a": "a"}, Values: vals(":v", "1", ":w", "2"),
		}, "invalid"},
		{"white space only", backend.Expressions{Condition: " \n"}, "invalid"},
		{"update of white space only", backend.Expressions{Update: " "}, "invalid"},
		{"4096 bytes", backend.Expressions{Condition: "a" + strings.Repeat(" ", 4091) + "= :v", Values: vals(":v", "1")}, ""},
		{"4097 bytes", backend.Expressions{Condition: "a" + strings.Repeat(" ", 4092) + "= :v", Values: vals(":v", "1")}, "invalid"},
		{"IN with 100 operands", backend.Expressions{Condition: "a IN (" + many(100, ", ", ":v%d") + ")", Values: manyVals(100)}, ""},
		{"IN with 101 operands", backend.Expressions{Condition: "a IN (" + many(101, ", ", ":v%d") + ")", Values: manyVals(101)}, "invalid"},
		{"path of 32 elements", backend.Expressions{Condition: strings.Repeat("a.", 31) + "a = :v0", Values: manyVals(1)}, ""},
		{"path of 33 elements", backend.Expressions{Condition: strings.Repeat("a.", 32) + "a = :v0", Values: manyVals(1)}, "invalid"},
		{"placeholder of 255 bytes", backend.Expressions{Condition: "#" + long + " = :v", Names: map[string]string{"#" + long: "a"}, Values: vals(":v", "1")}, ""},
		{"placeholder of 256 bytes", backend.Expressions{Condition: "#" + long + "a = :v", Names: map[string]string{"#" + long + "a": "a"}, Values: vals(":v", "1")}, "invalid"},
		{"nil value", backend.Expressions{Condition: "a = :v", Values: map[string]types.AttributeValue{":v": nil}}, "invalid"},
		{"plain name convert", backend.Expressions{Condition: "convert = :v", Values: vals(":v", "1")}, "unsupported"},
		{"plain name size in an update", backend.Expressions{Update: "SET size = :v", Values: vals(":v", "1")}, "unsupported"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := expreval.Parse(tc.e)
			got := ""
			if err != nil {
				got = outcome(err)
			}
			if got != tc.want {
				t.Errorf("got %q (%v), want %q", got, err, tc.want)
			}
		})
	}
}

// TestBuilderOutput parses what aws-sdk-go-v2's expression builder writes,
// which is what the repository sends.
func TestBuilderOutput(t *testing.T) {
	item := backend.Item{
		"PK": s("p"), "SK": s("a"), "version": n("3"), "name": s("Ada"),
		"tags": &types.AttributeValueMemberSS{Value: []string{"x"}},
		"log":  &types.AttributeValueMemberL{Value: []types.AttributeValue{s("one")}},
		"addr": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"city": s("Oslo")}},
	}
	cond := expression.And(
		expression.AttributeExists(expression.Name("PK")),
		expression.Name("version").Equal(expression.Value(3)),
		expression.Or(
			expression.Name("name").BeginsWith("A"),
			expression.Not(expression.Name("addr.city").In(expression.Value("Bergen"), expression.Value("Rome"))),
		),
		expression.Name("version").Between(expression.Value(1), expression.Value(5)),
		expression.Name("tags").Contains("x"),
		expression.Name("name").Size().GreaterThan(expression.Value(2)),
		expression.Name("log").AttributeType(expression.List),
	)
	upd := expression.Set(expression.Name("version"), expression.Name("version").Plus(expression.Value(1))).
		Set(expression.Name("log"), expression.ListAppend(expression.Name("log"), expression.Value([]string{"two"}))).
		Set(expression.Name("addr.zip"), expression.IfNotExists(expression.Name("addr.zip"), expression.Value("0150"))).
		Remove(expression.Name("name")).
		Add(expression.Name("count"), expression.Value(2)).
		Delete(expression.Name("tags"), expression.Value(&types.AttributeValueMemberSS{Value: []string{"x"}}))
	built, err := expression.NewBuilder().WithCondition(cond).WithUpdate(upd).Build()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("condition: %q\nupdate: %q", *built.Condition(), *built.Update())
	r, err := expreval.Parse(backend.Expressions{
		Condition: *built.Condition(), Update: *built.Update(), Names: built.Names(), Values: built.Values(),
	})
	if err != nil {
		t.Fatal(err)
	}
	ok, err := r.Condition.Eval(item)
	if err != nil || !ok {
		t.Fatalf("condition: %v, %v", ok, err)
	}
	if ok, _ := r.Condition.Eval(nil); ok {
		t.Error("condition holds for a missing item")
	}
	got, err := r.Update.Apply(item)
	if err != nil {
		t.Fatal(err)
	}
	want := backend.Item{
		"PK": s("p"), "SK": s("a"), "version": n("4"),
		"log":   &types.AttributeValueMemberL{Value: []types.AttributeValue{s("one"), s("two")}},
		"addr":  &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"city": s("Oslo"), "zip": s("0150")}},
		"count": n("2"),
	}
	if renderItem(got) != renderItem(want) {
		t.Errorf("got  %s\nwant %s", renderItem(got), renderItem(want))
	}
	if !r.Update.Writes("version") || r.Update.Writes("PK") || !r.Update.Writes("addr") {
		t.Error("Writes")
	}
	if !r.Condition.References("PK") || !r.Condition.References("addr") || r.Condition.References("count") {
		t.Error("References")
	}
}

// TestApplySharesNoMemoryWithValues checks that an updated item holds
// copies of the expression's values.
func TestApplySharesNoMemoryWithValues(t *testing.T) {
	v := &types.AttributeValueMemberL{Value: []types.AttributeValue{s("x")}}
	ss := &types.AttributeValueMemberSS{Value: []string{"a"}}
	u, err := expreval.ParseUpdate("SET l = :l ADD s :s", nil, map[string]types.AttributeValue{":l": v, ":s": ss})
	if err != nil {
		t.Fatal(err)
	}
	out, err := u.Apply(backend.Item{"PK": s("p"), "SK": s("a")})
	if err != nil {
		t.Fatal(err)
	}
	v.Value[0] = s("changed")
	ss.Value[0] = "changed"
	if got := renderItem(out); got != `{"PK":S"p","SK":S"a","l":L[S"x"],"s":SS["a"]}` {
		t.Errorf("the item changed with the values: %s", got)
	}
}

func TestErrorsWrapKinds(t *testing.T) {
	_, err := expreval.ParseCondition("a = ", nil, nil)
	if !errors.Is(err, backend.ErrInvalidArgument) || errors.Is(err, backend.ErrUnsupported) {
		t.Errorf("syntax error: %v", err)
	}
	if !strings.Contains(err.Error(), "Invalid ConditionExpression: Syntax error") {
		t.Errorf("message: %v", err)
	}
	_, err = expreval.ParseCondition("size = :v", nil, map[string]types.AttributeValue{":v": n("1")})
	if !errors.Is(err, backend.ErrUnsupported) || !strings.Contains(err.Error(), "is not supported by the memory backend") {
		t.Errorf("unsupported: %v", err)
	}
	u, err := expreval.ParseUpdate("SET a = b + :v", nil, map[string]types.AttributeValue{":v": n("1")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = u.Apply(backend.Item{"b": s("x")})
	if !errors.Is(err, backend.ErrInvalidArgument) {
		t.Errorf("arithmetic on a string: %v", err)
	}
}

func BenchmarkParseAndEval(b *testing.B) {
	names := map[string]string{"#0": "PK", "#1": "version"}
	values := map[string]types.AttributeValue{":0": n("3")}
	item := backend.Item{"PK": s("p"), "SK": s("a"), "version": n("3")}
	b.ReportAllocs()
	for range b.N {
		c, err := expreval.ParseCondition("(attribute_exists (#0)) AND (#1 = :0)", names, values)
		if err != nil {
			b.Fatal(err)
		}
		if ok, _ := c.Eval(item); !ok {
			b.Fatal("false")
		}
	}
}
