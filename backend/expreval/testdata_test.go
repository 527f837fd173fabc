package expreval_test

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/expreval"
)

// The cases of testdata/*.txt were recorded against DynamoDB Local 3.3.0;
// the same files drive a probe of DynamoDB Local (see the files' headers).

// tdCase is one case of a testdata file.
type tdCase struct {
	line   int
	kind   string // "cond" or "update"
	expr   string
	names  map[string]string
	values map[string]types.AttributeValue
	want   string // "true", "false", "invalid", "unsupported" or an item
	item   backend.Item
}

func loadCases(t *testing.T, file string) []tdCase {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []tdCase
	var item backend.Item
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "//") {
			continue
		}
		kind, rest, _ := strings.Cut(line, " ")
		if kind == "item" {
			item = nil
			if rest != "none" {
				item = jsonItem(t, rest)
			}
			continue
		}
		f := strings.Split(rest, "|")
		if len(f) != 4 {
			t.Fatalf("%s:%d: want 4 fields, got %d", file, n, len(f))
		}
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		c := tdCase{line: n, kind: kind, expr: strings.ReplaceAll(f[0], `\n`, "\n"), want: f[3], item: item}
		if f[1] != "" {
			if err := json.Unmarshal([]byte(f[1]), &c.names); err != nil {
				t.Fatalf("%s:%d: names: %v", file, n, err)
			}
		}
		if f[2] != "" {
			c.values = jsonItem(t, f[2])
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// jsonItem parses an item in DynamoDB's JSON format.
func jsonItem(t *testing.T, s string) backend.Item {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("item %s: %v", s, err)
	}
	out := backend.Item{}
	for k, v := range m {
		out[k] = jsonValue(t, v)
	}
	return out
}

func jsonValue(t *testing.T, x any) types.AttributeValue {
	m := x.(map[string]any)
	for k, v := range m {
		switch k {
		case "S":
			return &types.AttributeValueMemberS{Value: v.(string)}
		case "N":
			return &types.AttributeValueMemberN{Value: v.(string)}
		case "B":
			b, err := base64.StdEncoding.DecodeString(v.(string))
			if err != nil {
				t.Fatal(err)
			}
			return &types.AttributeValueMemberB{Value: b}
		case "BOOL":
			return &types.AttributeValueMemberBOOL{Value: v.(bool)}
		case "NULL":
			return &types.AttributeValueMemberNULL{Value: true}
		case "SS", "NS", "BS":
			ss := []string{}
			for _, e := range v.([]any) {
				ss = append(ss, e.(string))
			}
			switch k {
			case "SS":
				return &types.AttributeValueMemberSS{Value: ss}
			case "NS":
				return &types.AttributeValueMemberNS{Value: ss}
			}
			bs := [][]byte{}
			for _, s := range ss {
				b, err := base64.StdEncoding.DecodeString(s)
				if err != nil {
					t.Fatal(err)
				}
				bs = append(bs, b)
			}
			return &types.AttributeValueMemberBS{Value: bs}
		case "L":
			l := []types.AttributeValue{}
			for _, e := range v.([]any) {
				l = append(l, jsonValue(t, e))
			}
			return &types.AttributeValueMemberL{Value: l}
		case "M":
			mm := map[string]types.AttributeValue{}
			for kk, e := range v.(map[string]any) {
				mm[kk] = jsonValue(t, e)
			}
			return &types.AttributeValueMemberM{Value: mm}
		}
	}
	t.Fatalf("bad value %v", x)
	return nil
}

// render writes a value canonically: numbers by value, sets sorted, maps
// by key, so that equal values render alike.
func render(v types.AttributeValue) string {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return fmt.Sprintf("S%q", v.Value)
	case *types.AttributeValueMemberN:
		return "N" + backend.CanonicalNumber(v.Value)
	case *types.AttributeValueMemberB:
		return fmt.Sprintf("B%x", v.Value)
	case *types.AttributeValueMemberBOOL:
		return fmt.Sprint("BOOL", v.Value)
	case *types.AttributeValueMemberNULL:
		return "NULL"
	case *types.AttributeValueMemberSS:
		s := slices.Clone(v.Value)
		slices.Sort(s)
		return fmt.Sprintf("SS%q", s)
	case *types.AttributeValueMemberNS:
		s := make([]string, len(v.Value))
		for i, n := range v.Value {
			s[i] = backend.CanonicalNumber(n)
		}
		slices.Sort(s)
		return fmt.Sprintf("NS%q", s)
	case *types.AttributeValueMemberBS:
		s := make([]string, len(v.Value))
		for i, b := range v.Value {
			s[i] = fmt.Sprintf("%x", b)
		}
		slices.Sort(s)
		return fmt.Sprintf("BS%q", s)
	case *types.AttributeValueMemberL:
		parts := make([]string, len(v.Value))
		for i, e := range v.Value {
			parts[i] = render(e)
		}
		return "L[" + strings.Join(parts, ",") + "]"
	case *types.AttributeValueMemberM:
		return "M" + renderItem(v.Value)
	}
	return fmt.Sprintf("?%T", v)
}

func renderItem(item map[string]types.AttributeValue) string {
	keys := make([]string, 0, len(item))
	for k := range item {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%q:%s", k, render(item[k]))
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// outcome names the kind of an error, as the testdata files do.
func outcome(err error) string {
	switch {
	case errors.Is(err, backend.ErrUnsupported):
		return "unsupported"
	case errors.Is(err, backend.ErrInvalidArgument):
		return "invalid"
	}
	return "error: " + err.Error()
}

func TestConditionsRecorded(t *testing.T) {
	cases := loadCases(t, "testdata/conditions.txt")
	if len(cases) < 100 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("line%d", c.line), func(t *testing.T) {
			cond, err := expreval.ParseCondition(c.expr, c.names, c.values)
			var got string
			if err != nil {
				got = outcome(err)
			} else {
				ok, err := cond.Eval(c.item)
				if err != nil {
					t.Fatalf("Eval: %v", err)
				}
				got = fmt.Sprint(ok)
			}
			if got != c.want {
				t.Errorf("%s\nnames %v values %v\ngot %s (err %v), want %s", c.expr, c.names, c.values, got, err, c.want)
			}
		})
	}
}

func TestUpdatesRecorded(t *testing.T) {
	cases := loadCases(t, "testdata/updates.txt")
	if len(cases) < 80 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("line%d", c.line), func(t *testing.T) {
			item := c.item
			if item == nil {
				item = backend.Item{
					"PK": &types.AttributeValueMemberS{Value: "p"},
					"SK": &types.AttributeValueMemberS{Value: "a"},
				}
			}
			before := renderItem(item)
			var got string
			u, err := expreval.ParseUpdate(c.expr, c.names, c.values)
			if err == nil {
				var out backend.Item
				out, err = u.Apply(item)
				if err == nil {
					got = renderItem(out)
				}
			}
			if err != nil {
				got = outcome(err)
			}
			want := c.want
			if strings.HasPrefix(want, "{") {
				want = renderItem(jsonItem(t, want))
			}
			if got != want {
				t.Errorf("%s\nnames %v values %v\ngot  %s (err %v)\nwant %s", c.expr, c.names, c.values, got, err, want)
			}
			if after := renderItem(item); after != before {
				t.Errorf("Apply changed its input:\n%s\n%s", before, after)
			}
		})
	}
}
