package expreval

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/backend"
)

// invalidf returns an error wrapping backend.ErrInvalidArgument, for what
// DynamoDB refuses with a ValidationException.
func invalidf(format string, args ...any) error {
	return fmt.Errorf("memory: %w: %s", backend.ErrInvalidArgument, fmt.Sprintf(format, args...))
}

// unsupportedf returns an error wrapping backend.ErrUnsupported, for what
// this package does not evaluate.
func unsupportedf(format string, args ...any) error {
	return fmt.Errorf("memory: %w: %s is not supported by the memory backend", backend.ErrUnsupported, fmt.Sprintf(format, args...))
}

// Request holds the parsed expressions of one request. A nil field stands
// for an expression the request does not have.
type Request struct {
	Condition *Condition
	Update    *Update
	Filter    *Condition
}

// Parse parses and checks the expressions of one request as DynamoDB
// does before it reads anything: the syntax of each expression, the
// placeholders (each one used must be defined, each one defined must be
// used by one of the expressions, names must not be empty and values must
// be values DynamoDB stores), reserved words, and the operand types known
// from the values. Errors wrap backend.ErrInvalidArgument, or
// backend.ErrUnsupported for what this package does not evaluate (see the
// package documentation).
//
// Empty Names and Values maps count as absent, as the DynamoDB backend
// sends them.
func Parse(e backend.Expressions) (*Request, error) {
	ph := &placeholders{names: e.Names, values: e.Values}
	if e.Condition == "" && e.Update == "" && e.Filter == "" {
		if len(e.Names) > 0 {
			return nil, invalidf("ExpressionAttributeNames can only be specified when using expressions")
		}
		if len(e.Values) > 0 {
			return nil, invalidf("ExpressionAttributeValues can only be specified when using expressions")
		}
		return &Request{}, nil
	}
	if err := ph.check(); err != nil {
		return nil, err
	}
	var r Request
	var err error
	if e.Condition != "" {
		if r.Condition, err = parseCondition(exprCondition, e.Condition, ph); err != nil {
			return nil, err
		}
	}
	if e.Update != "" {
		if r.Update, err = parseUpdate(e.Update, ph); err != nil {
			return nil, err
		}
	}
	if e.Filter != "" {
		if r.Filter, err = parseCondition(exprFilter, e.Filter, ph); err != nil {
			return nil, err
		}
	}
	if err := ph.checkUsed(); err != nil {
		return nil, err
	}
	return &r, nil
}

// ParseCondition parses a condition expression alone, with its
// placeholders, as Parse does.
func ParseCondition(cond string, names map[string]string, values map[string]types.AttributeValue) (*Condition, error) {
	r, err := Parse(backend.Expressions{Condition: cond, Names: names, Values: values})
	if err != nil {
		return nil, err
	}
	if r.Condition == nil {
		return nil, invalidf("Invalid ConditionExpression: The expression can not be empty;")
	}
	return r.Condition, nil
}

// ParseUpdate parses an update expression alone, with its placeholders, as
// Parse does.
func ParseUpdate(update string, names map[string]string, values map[string]types.AttributeValue) (*Update, error) {
	r, err := Parse(backend.Expressions{Update: update, Names: names, Values: values})
	if err != nil {
		return nil, err
	}
	if r.Update == nil {
		return nil, invalidf("Invalid UpdateExpression: The expression can not be empty;")
	}
	return r.Update, nil
}

func parseCondition(what, src string, ph *placeholders) (*Condition, error) {
	p, err := newParser(what, src, ph)
	if err != nil {
		return nil, err
	}
	if strings.TrimLeft(src, " \t\r\n") == "" {
		return nil, p.errorf("The expression can not be empty;")
	}
	root, err := p.parseCondition()
	if err != nil {
		return nil, err
	}
	return &Condition{root: root, paths: p.paths}, nil
}

func parseUpdate(src string, ph *placeholders) (*Update, error) {
	p, err := newParser(exprUpdate, src, ph)
	if err != nil {
		return nil, err
	}
	acts, err := p.parseUpdate()
	if err != nil {
		return nil, err
	}
	return &Update{acts: acts}, nil
}

// placeholders are the expression attribute names and values of one
// request, shared by its expressions, and which of them were used.
type placeholders struct {
	names      map[string]string
	values     map[string]types.AttributeValue
	usedNames  []string
	usedValues []string
}

// check checks the placeholders themselves as DynamoDB does.
func (ph *placeholders) check() error {
	for k, v := range ph.names {
		if !validPlaceholder(k, '#') {
			return invalidf("ExpressionAttributeNames contains invalid key: Syntax error; key: %q", k)
		}
		if len(k) > maxPlaceholder {
			return invalidf("ExpressionAttributeNames contains invalid key: The expression attribute map contains a key that is too long; size of key: %d", len(k))
		}
		if v == "" {
			return invalidf("ExpressionAttributeNames contains invalid value: Empty attribute name for key %s", k)
		}
	}
	for k, v := range ph.values {
		if !validPlaceholder(k, ':') {
			return invalidf("ExpressionAttributeValues contains invalid key: Syntax error; key: %q", k)
		}
		if len(k) > maxPlaceholder {
			return invalidf("ExpressionAttributeValues contains invalid key: The expression attribute map contains a key that is too long; size of key: %d", len(k))
		}
		if typeName(v) == "" {
			return invalidf("ExpressionAttributeValues contains invalid value: no value for key %s", k)
		}
		if err := backend.ValidateValue(v); errors.Is(err, backend.ErrItemTooLarge) {
			return fmt.Errorf("memory: %w: ExpressionAttributeValues contains invalid value: %v for key %s", backend.ErrItemTooLarge, err, k)
		} else if err != nil {
			return invalidf("ExpressionAttributeValues contains invalid value: %v for key %s", err, k)
		}
	}
	return nil
}

func (ph *placeholders) name(p *parser, key string) (string, error) {
	n, ok := ph.names[key]
	if !ok {
		return "", p.errorf("An expression attribute name used in the document path is not defined; attribute name: %s", key)
	}
	if !slices.Contains(ph.usedNames, key) {
		ph.usedNames = append(ph.usedNames, key)
	}
	p.substBytes += len(n)
	return n, nil
}

func (ph *placeholders) value(p *parser, key string) (types.AttributeValue, error) {
	v, ok := ph.values[key]
	if !ok {
		return nil, p.errorf("An expression attribute value used in expression is not defined; attribute value: %s", key)
	}
	if !slices.Contains(ph.usedValues, key) {
		ph.usedValues = append(ph.usedValues, key)
	}
	p.substBytes += backend.ValueSize(v)
	return v, nil
}

// checkUsed refuses placeholders that no expression of the request used.
func (ph *placeholders) checkUsed() error {
	if len(ph.usedNames) < len(ph.names) {
		var unused []string
		for k := range ph.names {
			if !slices.Contains(ph.usedNames, k) {
				unused = append(unused, k)
			}
		}
		slices.Sort(unused)
		return invalidf("Value provided in ExpressionAttributeNames unused in expressions: keys: {%s}", strings.Join(unused, ", "))
	}
	if len(ph.usedValues) < len(ph.values) {
		var unused []string
		for k := range ph.values {
			if !slices.Contains(ph.usedValues, k) {
				unused = append(unused, k)
			}
		}
		slices.Sort(unused)
		return invalidf("Value provided in ExpressionAttributeValues unused in expressions: keys: {%s}", strings.Join(unused, ", "))
	}
	return nil
}

// Condition is a parsed condition or filter expression.
type Condition struct {
	root  *node
	paths []path
}

// Eval reports whether the condition holds for item; a nil item stands for
// a missing one, which has no attributes. Comparisons of values of
// different types, or with a missing attribute, are false, not errors, as
// in DynamoDB.
func (c *Condition) Eval(item backend.Item) (bool, error) {
	return evalCond(c.root, item), nil
}

// References reports whether the expression reads the top-level attribute
// name (DynamoDB refuses a filter that reads a key attribute).
func (c *Condition) References(name string) bool {
	for _, p := range c.paths {
		if p[0].name == name {
			return true
		}
	}
	return false
}

// Update is a parsed update expression.
type Update struct {
	acts []action
}

// Writes reports whether the update writes the top-level attribute name,
// or a path under it (DynamoDB refuses an update of a key attribute).
func (u *Update) Writes(name string) bool {
	for _, a := range u.acts {
		if a.target[0].name == name {
			return true
		}
	}
	return false
}

// WriteBytes returns the size of what the update writes, as DynamoDB
// counts it against backend.MaxItemBytes before it evaluates the request's
// condition ("Item size to update has exceeded the maximum allowed size"):
// for each SET, ADD and DELETE action, the bytes of the names of its target
// path and the size of the values it uses (backend.ValueSize), once for
// each use. Recorded against DynamoDB Local 3.3.0: "SET a = :v" may write a
// value of MaxItemBytes-1 bytes, "SET m.kkkkk = :v" one of MaxItemBytes-6.
func (u *Update) WriteBytes() int {
	n := 0
	var walk func(*node)
	walk = func(x *node) {
		if x.kind == nValue {
			n += backend.ValueSize(x.val)
		}
		for _, a := range x.args {
			walk(a)
		}
	}
	for _, a := range u.acts {
		if a.value == nil {
			continue
		}
		for _, st := range a.target {
			if !st.isIndex() {
				n += len(st.name)
			}
		}
		walk(a.value)
	}
	return n
}
