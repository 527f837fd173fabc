package iampolicy

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tenantrepo/tenantrepo/entity"
)

var update = flag.Bool("update", false, "rewrite the golden documents in testdata")

const (
	arn      = "arn:aws:dynamodb:eu-west-1:123456789012:table/shop"
	otherARN = "arn:aws:dynamodb:eu-west-1:123456789012:table/shop2"
)

func mustJSON(t testing.TB, d *Document, err error) []byte {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	b, err := d.JSON()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGolden(t *testing.T) {
	for _, c := range []struct {
		file string
		doc  func() (*Document, error)
	}{
		{"abac-tenant.json", func() (*Document, error) { return ForTag(arn, "") }},
		{"abac-org-tenant.json", func() (*Document, error) { return ForTag(arn, "org/tenant") }},
		{"inline-acme.json", func() (*Document, error) { return ForTenant(arn, "acme") }},
		{"inline-special.json", func() (*Document, error) { return ForTenant(arn, "a$b*c?{x}<&>") }},
		{"inline-china.json", func() (*Document, error) {
			a, err := TableARN("aws-cn", "cn-north-1", "123456789012", "shop")
			if err != nil {
				return nil, err
			}
			return ForTenant(a, "acme")
		}},
	} {
		t.Run(c.file, func(t *testing.T) {
			d, err := c.doc()
			got := mustJSON(t, d, err)
			again := js(t)(c.doc())
			if !bytes.Equal(got, again) {
				t.Fatal("two calls gave different bytes")
			}
			path := filepath.Join("testdata", c.file)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s differs:\n%s", path, got)
			}
		})
	}
}

// keys builds leading keys with the layout's functions.
func pk(tenant string) string { return entity.PartitionKey(tenant) }
func ixpk(tenant string) string {
	return entity.IndexPartitionKey(tenant, "order", "by-user", "u1")
}

func tag(v string) map[string]string { return map[string]string{"tenant": v} }

type reqCase struct {
	name  string
	req   request
	allow bool
}

func runCases(t *testing.T, doc []byte, cases []reqCase) {
	t.Helper()
	stmts := parseDoc(t, doc)
	for _, c := range cases {
		got, why := evaluate(stmts, c.req)
		if got != c.allow {
			t.Errorf("%s: %+v: allowed=%v (%s), want %v", c.name, c.req, got, why, c.allow)
		}
	}
}

// commonCases are the requests of tenant acme, whose principal carries
// tags (nil for an inline policy, whose tags do not matter).
func commonCases(tags map[string]string) []reqCase {
	r := func(action, res string, keys ...string) request {
		if keys == nil {
			keys = []string{}
		}
		return request{action: "dynamodb:" + action, resource: res, leadingKeys: keys, tags: tags}
	}
	idx := arn + "/index/GSI1"
	var cs []reqCase
	for _, a := range ItemActions() {
		cs = append(cs,
			reqCase{a + " own partition", r(a[len("dynamodb:"):], arn, pk("acme")), true},
			reqCase{a + " other tenant", r(a[len("dynamodb:"):], arn, pk("acme-corp")), false},
		)
	}
	return append(cs,
		reqCase{"Query own index key", r("Query", idx, ixpk("acme")), true},
		reqCase{"Query acme-corp index key", r("Query", idx, ixpk("acme-corp")), false},
		reqCase{"Query acme-corp partition on index", r("Query", idx, pk("acme-corp")), false},
		reqCase{"Query acme index key on the table", r("Query", arn, ixpk("acme")), true},
		reqCase{"BatchGetItem own keys", r("BatchGetItem", arn, pk("acme"), ixpk("acme")), true},
		reqCase{"BatchGetItem one foreign key", r("BatchGetItem", arn, pk("acme"), pk("acme-corp")), false},
		reqCase{"BatchWriteItem foreign index-shaped key", r("BatchWriteItem", arn, pk("acme"), "tenant#acme-corp#x"), false},
		reqCase{"TransactWrite ConditionCheck foreign", r("ConditionCheckItem", arn, pk("acme-corp")), false},
		reqCase{"prefix collision acmex", r("GetItem", arn, "tenant#acmex"), false},
		reqCase{"shorter acm", r("GetItem", arn, "tenant#acm"), false},
		reqCase{"case ACME", r("GetItem", arn, "tenant#ACME"), false},
		reqCase{"no prefix", r("GetItem", arn, "acme"), false},
		reqCase{"leading junk", r("GetItem", arn, "xtenant#acme"), false},
		reqCase{"bare separator after tenant", r("GetItem", arn, "tenant#acme#"), true},
		reqCase{"tenant#acme* literal key", r("GetItem", arn, "tenant#acme*"), false},
		reqCase{"empty tenant key", r("GetItem", arn, "tenant#"), false},
		reqCase{"no leading keys", request{action: "dynamodb:GetItem", resource: arn, tags: tags}, false},
		reqCase{"empty set of leading keys", r("BatchGetItem", arn), false},
		reqCase{"action case-insensitive", request{action: "DynamoDB:getitem", resource: arn, leadingKeys: []string{pk("acme")}, tags: tags}, true},
		reqCase{"Scan without keys", request{action: "dynamodb:Scan", resource: arn, tags: tags}, false},
		reqCase{"Scan with own keys", r("Scan", arn, pk("acme")), false},
		reqCase{"Scan index", r("Scan", idx, pk("acme")), false},
		reqCase{"PartiQLSelect", r("PartiQLSelect", arn, pk("acme")), false},
		reqCase{"PartiQLInsert", r("PartiQLInsert", arn, pk("acme")), false},
		reqCase{"PartiQLUpdate", r("PartiQLUpdate", arn, pk("acme")), false},
		reqCase{"PartiQLDelete", r("PartiQLDelete", arn, pk("acme")), false},
		reqCase{"DeleteTable", r("DeleteTable", arn), false},
		reqCase{"UpdateTable", r("UpdateTable", arn), false},
		reqCase{"ExportTableToPointInTime", r("ExportTableToPointInTime", arn), false},
		reqCase{"stream GetRecords", r("GetRecords", arn+"/stream/2026-01-01T00:00:00.000"), false},
		reqCase{"another table", r("GetItem", otherARN, pk("acme")), false},
		reqCase{"another table's index", r("Query", otherARN+"/index/GSI1", ixpk("acme")), false},
		reqCase{"same table, other region", r("GetItem", strings.Replace(arn, "eu-west-1", "us-east-1", 1), pk("acme")), false},
		reqCase{"unlisted action", r("DescribeTable", arn), false},
	)
}

func TestABACRequests(t *testing.T) {
	doc := js(t)(ForTag(arn, ""))
	cases := commonCases(tag("acme"))
	noTag := func(keys ...string) request {
		return request{action: "dynamodb:GetItem", resource: arn, leadingKeys: keys}
	}
	cases = append(cases,
		reqCase{"tag acme-corp, own key", request{action: "dynamodb:GetItem", resource: arn, leadingKeys: []string{pk("acme-corp")}, tags: tag("acme-corp")}, true},
		reqCase{"tag acme-corp, acme key", request{action: "dynamodb:GetItem", resource: arn, leadingKeys: []string{pk("acme")}, tags: tag("acme-corp")}, false},
		reqCase{"tag acme-corp, acme index key", request{action: "dynamodb:Query", resource: arn + "/index/GSI1", leadingKeys: []string{ixpk("acme")}, tags: tag("acme-corp")}, false},
		reqCase{"no tags", noTag(pk("acme")), false},
		reqCase{"no tags, empty tenant key", noTag("tenant#"), false},
		reqCase{"other tag only", request{action: "dynamodb:GetItem", resource: arn, leadingKeys: []string{pk("acme")}, tags: map[string]string{"team": "acme"}}, false},
		reqCase{"empty tag, tenant#", request{action: "dynamodb:GetItem", resource: arn, leadingKeys: []string{"tenant#"}, tags: tag("")}, false},
		reqCase{"empty tag, tenant##x", request{action: "dynamodb:GetItem", resource: arn, leadingKeys: []string{"tenant##x"}, tags: tag("")}, false},
		reqCase{"tag Acme (case)", request{action: "dynamodb:GetItem", resource: arn, leadingKeys: []string{pk("acme")}, tags: tag("Acme")}, false},
	)
	runCases(t, doc, cases)
}

func TestInlineRequests(t *testing.T) {
	doc := js(t)(ForTenant(arn, "acme"))
	cases := commonCases(nil)
	cases = append(cases,
		// The inline policy names its tenant: tags change nothing.
		reqCase{"tag acme-corp on acme's policy", request{action: "dynamodb:GetItem", resource: arn, leadingKeys: []string{pk("acme-corp")}, tags: tag("acme-corp")}, false},
		reqCase{"tag acme-corp, acme key", request{action: "dynamodb:GetItem", resource: arn, leadingKeys: []string{pk("acme")}, tags: tag("acme-corp")}, true},
	)
	runCases(t, doc, cases)
}

// TestInlineSpecialIDs: IDs holding IAM's special characters match only
// themselves.
func TestInlineSpecialIDs(t *testing.T) {
	get := func(keys ...string) request {
		return request{action: "dynamodb:GetItem", resource: arn, leadingKeys: keys, tags: tag("acme")}
	}
	for _, c := range []struct {
		id          string
		allow, deny []string
	}{
		{"acme*", []string{"tenant#acme*", "tenant#acme*#order#by-user#u1"},
			[]string{"tenant#acme", "tenant#acme-corp", "tenant#acme-corp#order#by-user#u1", "tenant#acme*x", "tenant#acme#x"}},
		{"acme?", []string{"tenant#acme?", ixpk("acme?")},
			[]string{"tenant#acmex", "tenant#acme", "tenant#acmex#order#by-user#u1"}},
		{"*", []string{"tenant#*", ixpk("*")}, []string{"tenant#acme", "tenant#", ixpk("acme")}},
		{"a$b", []string{"tenant#a$b"}, []string{"tenant#ab", "tenant#a$bc"}},
		{"${aws:PrincipalTag/tenant}", []string{"tenant#${aws:PrincipalTag/tenant}"}, []string{"tenant#acme", ixpk("acme")}},
		{"${*}", []string{"tenant#${*}"}, []string{"tenant#*", "tenant#acme"}},
		{"{x}", []string{"tenant#{x}"}, []string{"tenant#x"}},
	} {
		doc := js(t)(ForTenant(arn, c.id))
		var cases []reqCase
		for _, k := range c.allow {
			cases = append(cases, reqCase{c.id + " own " + k, get(k), true})
		}
		for _, k := range c.deny {
			cases = append(cases, reqCase{c.id + " foreign " + k, get(k), false})
		}
		runCases(t, doc, cases)
	}
}

// TestIsolationMatrix: for every pair of near-collision tenants, a
// tenant's policy allows a key of the other's partition or index
// partition exactly when they are the same tenant.
func TestIsolationMatrix(t *testing.T) {
	ids := []string{"acme", "acme-corp", "acme*", "acme?", "acm", "acmex", "a$b", "ab", "${x}", "ac me", "é", "e", "acme.corp", "acme@x"}
	abac := parseDoc(t, js(t)(ForTag(arn, "")))
	n := 0
	for _, a := range ids {
		inline := parseDoc(t, js(t)(ForTenant(arn, a)))
		tagOK := ValidateTagValue(a) == nil
		for _, b := range ids {
			for _, k := range []string{pk(b), ixpk(b), entity.IndexPartitionKey(b, "user", "by-email", "x@y")} {
				for _, res := range []string{arn, arn + "/index/GSI2"} {
					req := request{action: "dynamodb:Query", resource: res, leadingKeys: []string{k}, tags: tag(a)}
					if got, why := evaluate(inline, req); got != (a == b) {
						t.Errorf("inline %q, key %q: allowed=%v (%s)", a, k, got, why)
					}
					if tagOK {
						if got, why := evaluate(abac, req); got != (a == b) {
							t.Errorf("tag %q, key %q: allowed=%v (%s)", a, k, got, why)
						}
					}
					n++
				}
			}
		}
	}
	if n < 1000 {
		t.Fatalf("only %d requests", n)
	}
}

// TestEvaluatorChoices: the evaluator is not lenient by construction: a
// policy without the guards would allow what ours refuses.
func TestEvaluatorChoices(t *testing.T) {
	d, err := ForTag(arn, "")
	if err != nil {
		t.Fatal(err)
	}
	delete(d.Statement[0].Condition, "Null")
	delete(d.Statement[0].Condition, "StringLike")
	stmts := parseDoc(t, mustJSON(t, d, nil))
	if ok, _ := evaluate(stmts, request{action: "dynamodb:GetItem", resource: arn}); !ok {
		t.Error("without the Null guard, ForAllValues should hold vacuously for a request without leading keys")
	}
	if ok, _ := evaluate(stmts, request{action: "dynamodb:GetItem", resource: arn, leadingKeys: []string{"tenant##x"}, tags: tag("")}); !ok {
		t.Error("without the non-empty tag guard, an empty tag should match tenant##x")
	}
	// A tag value with a wildcard would widen the match: why ForTag's
	// tenants must pass ValidateTagValue (STS refuses such values).
	full := parseDoc(t, js(t)(ForTag(arn, "")))
	if ok, _ := evaluate(full, request{action: "dynamodb:GetItem", resource: arn, leadingKeys: []string{ixpk("acme-corp")}, tags: tag("acme*")}); !ok {
		t.Error("the evaluator should keep a substituted value's wildcards (worst case)")
	}
	for _, id := range []string{"acme*", "acme?", "a$b", "{x}", "a,b", strings.Repeat("a", 257)} {
		if err := ValidateTagValue(id); !errors.Is(err, ErrInvalidTagValue) {
			t.Errorf("ValidateTagValue(%q) = %v, want ErrInvalidTagValue", id, err)
		}
	}
	for _, id := range []string{"acme", "acme-corp", "ac me", "é", "a.b:c/d=e+f@g_h", strings.Repeat("é", 256)} {
		if err := ValidateTagValue(id); err != nil {
			t.Errorf("ValidateTagValue(%q) = %v", id, err)
		}
	}
	// A wrong operator name is an error, not a silent pass.
	bad := []jsonStatement{{Effect: "Allow", Action: stringList{"dynamodb:GetItem"}, Resource: stringList{arn},
		Condition: map[string]map[string]stringList{"StringEqualz": {"aws:PrincipalTag/tenant": {"acme"}}}}}
	if ok, _ := evaluate(bad, request{action: "dynamodb:GetItem", resource: arn, tags: tag("acme")}); ok {
		t.Error("an unknown operator allowed the request")
	}
}

func TestGlobMatch(t *testing.T) {
	for _, c := range []struct {
		p, s string
		want bool
	}{
		{"a*", "a", true}, {"a*", "abc", true}, {"a?", "a", false}, {"a?", "ab", true},
		{"*#*", "#", true}, {"a*b", "acb", true}, {"a*b", "acbd", false}, {"é?", "éé", true}, {"", "", true}, {"", "a", false},
	} {
		if got := globMatch(literalTokens(c.p, true), c.s); got != c.want {
			t.Errorf("globMatch(%q, %q) = %v", c.p, c.s, got)
		}
	}
}

func TestErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want error
	}{
		{"empty tenant", second(ForTenant(arn, "")), entity.ErrInvalidTenant},
		{"tenant with #", second(ForTenant(arn, "a#b")), entity.ErrInvalidTenant},
		{"tenant with control", second(ForTenant(arn, "a\nb")), entity.ErrInvalidTenant},
		{"not an ARN", second(ForTenant("shop", "acme")), ErrInvalidARN},
		{"s3 ARN", second(ForTenant("arn:aws:s3:::bucket", "acme")), ErrInvalidARN},
		{"index ARN", second(ForTenant(arn+"/index/GSI1", "acme")), ErrInvalidARN},
		{"wildcard table", second(ForTag("arn:aws:dynamodb:eu-west-1:123456789012:table/*", "")), ErrInvalidARN},
		{"bad account", second(TableARN("", "eu-west-1", "1234", "shop")), ErrInvalidARN},
		{"bad region", second(TableARN("", "*", "123456789012", "shop")), ErrInvalidARN},
		{"bad table", second(TableARN("", "eu-west-1", "123456789012", "a/b")), ErrInvalidARN},
		{"tag key with }", second(ForTag(arn, "a}b")), ErrInvalidTagKey},
		{"tag key aws:", second(ForTag(arn, "aws:x")), ErrInvalidTagKey},
		{"tag key long", second(ForTag(arn, strings.Repeat("k", 129))), ErrInvalidTagKey},
		{"tag value", ValidateTagValue("a*"), ErrInvalidTagValue},
	} {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, c.err, c.want)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func TestEscapeLike(t *testing.T) {
	for in, want := range map[string]string{"acme": "acme", "a*": "a${*}", "?": "${?}", "$": "${$}", "${x}": "${$}{x}", "é*é": "é${*}é"} {
		if got := EscapeLike(in); got != want {
			t.Errorf("EscapeLike(%q) = %q, want %q", in, got, want)
		}
	}
}

// js returns mustJSON for a generator's two results: js(t)(ForTag(...)).
func js(t testing.TB) func(*Document, error) []byte {
	return func(d *Document, err error) []byte { t.Helper(); return mustJSON(t, d, err) }
}
