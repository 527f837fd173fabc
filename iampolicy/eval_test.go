package iampolicy

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// This file is a test-only evaluator of exactly the IAM semantics the
// generated policies rely on, written from AWS's documentation:
//
//   - Evaluation: an explicit Deny in any matching statement wins; else an
//     Allow allows; else the request is denied by default.
//     https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
//   - Action names are case-insensitive and may hold '*' and '?'
//     wildcards; Resource ARNs are case-sensitive, with the same wildcards.
//     https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
//     https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
//   - Condition: every operator block, and every key in a block, must hold
//     (AND); a key holds when any of its values matches (OR).
//     StringEquals compares exactly (case-sensitive), StringLike with '*'
//     (any run of characters, also none) and '?' (one character); a
//     single-valued key missing from the request makes them false. Null
//     "true" holds when the key is absent, "false" when it is present.
//     https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_logic_multiple_context_keys_or_values.html
//     https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
//   - ForAllValues:<op> holds when every value of the multivalued key in the
//     request matches some value of the policy, and also when the key has
//     no values or is absent (AWS's warning: hence the Null guard).
//     https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
//   - Policy variables ${key} in condition values are replaced by the
//     request's value of key; ${*}, ${?} and ${$} are a literal '*', '?' and
//     '$'. AWS: "If AWS cannot resolve a variable this might cause the
//     entire statement to be invalid"; here such a value matches nothing,
//     which for our Allow statement has the same outcome (not allowed),
//     and the policy's Null guard on the tag denies the request under
//     either reading.
//     https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
//   - dynamodb:LeadingKeys is the multivalued set of partition key values a
//     request names (one per item, or the Query's partition key value);
//     session tags are aws:PrincipalTag/<key>.
//     https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html
//     https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html
//
// Where the documentation leaves a choice, the evaluator takes the one
// that allows more, so a pass is not owed to a lenient reading: a
// substituted variable's value keeps its wildcards in StringLike, and an
// empty set of leading keys counts as absent for Null only because
// DynamoDB has no item request without a key (see TestEvaluatorChoices).

// request is what the evaluator decides on.
type request struct {
	action, resource string
	// leadingKeys is nil when the request has no dynamodb:LeadingKeys.
	leadingKeys []string
	// tags are the principal's tags; nil: none.
	tags map[string]string
}

// jsonStatement is a statement as read back from a document's JSON.
type jsonStatement struct {
	Effect    string
	Action    stringList
	Resource  stringList
	Condition map[string]map[string]stringList
}

// stringList is a JSON string or array of strings.
type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*l = []string{s}
		return nil
	}
	return json.Unmarshal(b, (*[]string)(l))
}

// parseDoc reads a policy document's JSON.
func parseDoc(t testing.TB, b []byte) []jsonStatement {
	t.Helper()
	var d struct {
		Version   string
		Statement []jsonStatement
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("policy JSON: %v\n%s", err, b)
	}
	if d.Version != "2012-10-17" {
		t.Fatalf("Version %q: policy variables need 2012-10-17", d.Version)
	}
	return d.Statement
}

// evaluate returns whether the statements allow req, and why.
func evaluate(stmts []jsonStatement, req request) (bool, string) {
	allowed := false
	for i, s := range stmts {
		if !anyMatch(s.Action, req.action, true) || !anyMatch(s.Resource, req.resource, false) {
			continue
		}
		ok, err := conditionsHold(s.Condition, req)
		if err != nil {
			return false, fmt.Sprintf("statement %d: %v", i, err)
		}
		if !ok {
			continue
		}
		switch s.Effect {
		case "Deny":
			return false, fmt.Sprintf("explicit deny (statement %d)", i)
		case "Allow":
			allowed = true
		}
	}
	if allowed {
		return true, "allowed"
	}
	return false, "implicit deny"
}

func anyMatch(patterns []string, s string, foldCase bool) bool {
	for _, p := range patterns {
		if foldCase {
			p, s = strings.ToLower(p), strings.ToLower(s)
		}
		if globMatch(literalTokens(p, true), s) {
			return true
		}
	}
	return false
}

// token is a character of a value: a literal, or a wildcard ('*', '?').
type token struct {
	r        rune
	wildcard bool
}

// literalTokens reads p with '*' and '?' as wildcards when glob is set.
func literalTokens(p string, glob bool) []token {
	var ts []token
	for _, r := range p {
		ts = append(ts, token{r, glob && (r == '*' || r == '?')})
	}
	return ts
}

// substitute reads a condition value: policy variables replaced, ${*}
// ${?} ${$} literal. ok is false when a variable's key is missing.
func substitute(v string, req request, glob bool) (ts []token, ok bool, err error) {
	for v != "" {
		i := strings.Index(v, "${")
		if i < 0 {
			return append(ts, literalTokens(v, glob)...), true, nil
		}
		ts = append(ts, literalTokens(v[:i], glob)...)
		j := strings.IndexByte(v[i:], '}')
		if j < 0 {
			return nil, false, fmt.Errorf("unterminated variable in %q", v)
		}
		name := v[i+2 : i+j]
		v = v[i+j+1:]
		switch name {
		case "*", "?", "$":
			ts = append(ts, token{rune(name[0]), false})
			continue
		}
		val, present := contextValue(name, req)
		if !present || len(val) != 1 {
			return nil, false, nil
		}
		// The worst case: the substituted value keeps its wildcards.
		ts = append(ts, literalTokens(val[0], glob)...)
	}
	return ts, true, nil
}

// contextValue returns the values of a context key in req.
func contextValue(key string, req request) ([]string, bool) {
	switch {
	case key == "dynamodb:LeadingKeys":
		return req.leadingKeys, len(req.leadingKeys) > 0
	case strings.HasPrefix(key, "aws:PrincipalTag/"):
		v, ok := req.tags[strings.TrimPrefix(key, "aws:PrincipalTag/")]
		return []string{v}, ok
	}
	return nil, false
}

// globMatch matches s against the tokens, '*' any run, '?' one character.
func globMatch(p []token, s string) bool {
	rs := []rune(s)
	// m[i][j]: p[i:] matches rs[j:].
	m := make([][]bool, len(p)+1)
	for i := range m {
		m[i] = make([]bool, len(rs)+1)
	}
	m[len(p)][len(rs)] = true
	for i := len(p) - 1; i >= 0; i-- {
		for j := len(rs); j >= 0; j-- {
			t := p[i]
			switch {
			case t.wildcard && t.r == '*':
				m[i][j] = m[i+1][j] || (j < len(rs) && m[i][j+1])
			case j == len(rs):
				m[i][j] = false
			case t.wildcard && t.r == '?':
				m[i][j] = m[i+1][j+1]
			default:
				m[i][j] = t.r == rs[j] && m[i+1][j+1]
			}
		}
	}
	return m[0][0]
}

// conditionsHold evaluates a Condition element.
func conditionsHold(cond map[string]map[string]stringList, req request) (bool, error) {
	for op, keys := range cond {
		for key, values := range keys {
			ok, err := operatorHolds(op, key, values, req)
			if err != nil || !ok {
				return false, err
			}
		}
	}
	return true, nil
}

func operatorHolds(op, key string, values []string, req request) (bool, error) {
	got, present := contextValue(key, req)
	if op == "Null" {
		if len(values) != 1 || (values[0] != "true" && values[0] != "false") {
			return false, fmt.Errorf("Null %s: %q", key, values)
		}
		return present == (values[0] == "false"), nil
	}
	forAll := false
	if rest, ok := strings.CutPrefix(op, "ForAllValues:"); ok {
		forAll, op = true, rest
	}
	var glob bool
	switch op {
	case "StringEquals":
	case "StringLike":
		glob = true
	default:
		return false, fmt.Errorf("operator %s is not in the evaluator", op)
	}
	matchesOne := func(s string) (bool, error) {
		for _, v := range values {
			ts, ok, err := substitute(v, req, glob)
			if err != nil {
				return false, err
			}
			if ok && globMatch(ts, s) {
				return true, nil
			}
		}
		return false, nil
	}
	if forAll {
		for _, s := range got {
			ok, err := matchesOne(s)
			if err != nil || !ok {
				return false, err
			}
		}
		return true, nil // also when got is empty: AWS's documented hazard
	}
	if key == "dynamodb:LeadingKeys" {
		return false, fmt.Errorf("%s on the multivalued %s without a set operator", op, key)
	}
	if !present {
		return false, nil
	}
	return matchesOne(got[0])
}
