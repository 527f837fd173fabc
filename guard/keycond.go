package guard

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// partitionValue returns the string that the key condition expr requires
// the attribute pkName to equal: expr must be one condition "pk = :v" (or
// ":v = pk"), alone or joined by AND to one condition on other attributes,
// in any parentheses, with names and values resolved through names and
// values. Anything else, or anything it cannot parse, is an error: the
// guard refuses a query it cannot read.
func partitionValue(expr, pkName string, names map[string]string, values map[string]types.AttributeValue) (string, error) {
	if len(expr) > maxExpressionBytes {
		return "", fmt.Errorf("a key condition over DynamoDB's %d bytes", maxExpressionBytes)
	}
	toks, err := tokenize(expr)
	if err != nil {
		return "", err
	}
	p := parser{toks: toks}
	conds, err := p.conditions()
	if err != nil {
		return "", err
	}
	if p.pos != len(p.toks) {
		return "", fmt.Errorf("unexpected %q in the key condition", p.toks[p.pos].text)
	}
	if len(conds) > 2 {
		return "", errors.New("a key condition of more than two conditions")
	}
	var found *atom
	for i := range conds {
		a := &conds[i]
		for _, o := range a.operands {
			if o.kind != tokName {
				continue
			}
			n, err := resolveName(o.text, names)
			if err != nil {
				return "", err
			}
			if n == pkName {
				if found != nil {
					return "", errors.New("the partition key in more than one condition")
				}
				found = a
			}
		}
	}
	if found == nil {
		return "", fmt.Errorf("no condition on the partition key %s", pkName)
	}
	if found.op != "=" || len(found.operands) != 2 {
		return "", fmt.Errorf("the condition on the partition key %s is not an equality", pkName)
	}
	val := found.operands[1]
	if val.kind == tokName {
		val = found.operands[0]
	}
	if val.kind != tokValue {
		return "", fmt.Errorf("the partition key %s is not compared with a value", pkName)
	}
	av, ok := values[val.text]
	if !ok {
		return "", fmt.Errorf("the value %s is not in ExpressionAttributeValues", val.text)
	}
	s, ok := av.(*types.AttributeValueMemberS)
	if !ok {
		return "", fmt.Errorf("the value %s of the partition key is not a string", val.text)
	}
	return s.Value, nil
}

// maxExpressionBytes is DynamoDB's limit on an expression's length.
const maxExpressionBytes = 4096

// resolveName returns the attribute name a name token stands for.
func resolveName(tok string, names map[string]string) (string, error) {
	if !strings.HasPrefix(tok, "#") {
		return tok, nil
	}
	n, ok := names[tok]
	if !ok {
		return "", fmt.Errorf("the name %s is not in ExpressionAttributeNames", tok)
	}
	return n, nil
}

type tokKind int

const (
	tokName    tokKind = iota // #n or a bare attribute name
	tokValue                  // :v
	tokKeyword                // AND, BETWEEN, begins_with
	tokComp                   // = < <= > >=
	tokOpen
	tokClose
	tokComma
)

type token struct {
	kind tokKind
	text string
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// tokenize splits a key condition expression into tokens. A byte it does
// not know is an error.
func tokenize(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(':
			toks = append(toks, token{tokOpen, "("})
			i++
		case c == ')':
			toks = append(toks, token{tokClose, ")"})
			i++
		case c == ',':
			toks = append(toks, token{tokComma, ","})
			i++
		case c == '=':
			toks = append(toks, token{tokComp, "="})
			i++
		case c == '<' || c == '>':
			j := i + 1
			if j < len(s) && (s[j] == '=' || c == '<' && s[j] == '>') {
				j++
			}
			toks = append(toks, token{tokComp, s[i:j]})
			i = j
		case c == '#' || c == ':':
			j := i + 1
			for j < len(s) && isWordByte(s[j]) {
				j++
			}
			if j == i+1 {
				return nil, fmt.Errorf("a bare %q in the key condition", c)
			}
			kind := tokName
			if c == ':' {
				kind = tokValue
			}
			toks = append(toks, token{kind, s[i:j]})
			i = j
		case isWordByte(c):
			j := i
			for j < len(s) && isWordByte(s[j]) {
				j++
			}
			w := s[i:j]
			switch {
			case strings.EqualFold(w, "AND"), strings.EqualFold(w, "BETWEEN"):
				toks = append(toks, token{tokKeyword, strings.ToUpper(w)})
			case w == "begins_with":
				toks = append(toks, token{tokKeyword, w})
			case c >= '0' && c <= '9':
				return nil, fmt.Errorf("a literal %q in the key condition", w)
			default:
				toks = append(toks, token{tokName, w})
			}
			i = j
		default:
			return nil, fmt.Errorf("an unexpected %q in the key condition", c)
		}
	}
	return toks, nil
}

// atom is one comparison of a key condition.
type atom struct {
	op       string // "=", "<", ..., "BETWEEN", "begins_with"
	operands []token
}

type parser struct {
	toks []token
	pos  int
}

func (p *parser) peek() (token, bool) {
	if p.pos < len(p.toks) {
		return p.toks[p.pos], true
	}
	return token{}, false
}

func (p *parser) next() (token, error) {
	t, ok := p.peek()
	if !ok {
		return token{}, errors.New("the key condition ends early")
	}
	p.pos++
	return t, nil
}

// conditions parses primary (AND primary)*.
func (p *parser) conditions() ([]atom, error) {
	var out []atom
	for {
		as, err := p.primary()
		if err != nil {
			return nil, err
		}
		out = append(out, as...)
		if t, ok := p.peek(); ok && t.kind == tokKeyword && t.text == "AND" {
			p.pos++
			continue
		}
		return out, nil
	}
}

func (p *parser) operand() (token, error) {
	t, err := p.next()
	if err != nil {
		return token{}, err
	}
	if t.kind != tokName && t.kind != tokValue {
		return token{}, fmt.Errorf("%q where an attribute name or value belongs", t.text)
	}
	return t, nil
}

func (p *parser) expect(kind tokKind, text string) error {
	t, err := p.next()
	if err != nil {
		return err
	}
	if t.kind != kind || t.text != text {
		return fmt.Errorf("%q where %q belongs", t.text, text)
	}
	return nil
}

// primary parses '(' conditions ')', begins_with(a, b), a <comp> b or
// a BETWEEN b AND c.
func (p *parser) primary() ([]atom, error) {
	t, ok := p.peek()
	if !ok {
		return nil, errors.New("the key condition ends early")
	}
	switch {
	case t.kind == tokOpen:
		p.pos++
		as, err := p.conditions()
		if err != nil {
			return nil, err
		}
		return as, p.expect(tokClose, ")")
	case t.kind == tokKeyword && t.text == "begins_with":
		p.pos++
		if err := p.expect(tokOpen, "("); err != nil {
			return nil, err
		}
		a, err := p.operand()
		if err != nil {
			return nil, err
		}
		if err := p.expect(tokComma, ","); err != nil {
			return nil, err
		}
		b, err := p.operand()
		if err != nil {
			return nil, err
		}
		return []atom{{op: "begins_with", operands: []token{a, b}}}, p.expect(tokClose, ")")
	}
	a, err := p.operand()
	if err != nil {
		return nil, err
	}
	op, err := p.next()
	if err != nil {
		return nil, err
	}
	switch {
	case op.kind == tokComp && op.text != "<>":
		b, err := p.operand()
		if err != nil {
			return nil, err
		}
		return []atom{{op: op.text, operands: []token{a, b}}}, nil
	case op.kind == tokKeyword && op.text == "BETWEEN":
		lo, err := p.operand()
		if err != nil {
			return nil, err
		}
		if err := p.expect(tokKeyword, "AND"); err != nil {
			return nil, err
		}
		hi, err := p.operand()
		if err != nil {
			return nil, err
		}
		return []atom{{op: "BETWEEN", operands: []token{a, lo, hi}}}, nil
	}
	return nil, fmt.Errorf("%q where a comparison belongs", op.text)
}
