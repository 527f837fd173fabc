package expreval

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Limits DynamoDB puts on expressions.
const (
	maxExprBytes   = 4096      // bytes of one expression string
	maxPathDepth   = 32        // elements of one document path
	maxInOperands  = 100       // operands after IN
	maxOperators   = 300       // operators and functions of one expression
	maxSubstituted = 1 << 20   // bytes of an expression with its names and values
	maxListIndex   = 1<<31 - 1 // the largest list index in a path
	maxPlaceholder = 255       // bytes of a placeholder, sigil included
	numberTypeName = "N"       // the static type of size()
	unknownType    = ""        // the static type of a path: any
	exprCondition  = "ConditionExpression"
	exprFilter     = "FilterExpression"
	exprUpdate     = "UpdateExpression"
)

// nodeKind is the kind of a node of a parsed expression.
type nodeKind uint8

const (
	nPath    nodeKind = iota // a document path
	nValue                   // a value placeholder
	nCompare                 // args[0] op args[1]
	nBetween                 // args[0] BETWEEN args[1] AND args[2]
	nIn                      // args[0] IN (args[1:])
	nAnd                     // args[0] AND args[1]
	nOr                      // args[0] OR args[1]
	nNot                     // NOT args[0]
	nFunc                    // fn(args)
	nArith                   // args[0] op args[1], op + or -
)

// function is a function of the expression language.
type function uint8

const (
	fnNone function = iota
	fnExists
	fnNotExists
	fnType
	fnBeginsWith
	fnContains
	fnSize
	fnIfNotExists
	fnListAppend
)

// functions maps function names, which DynamoDB takes in lower case only,
// to functions and their number of arguments.
var functions = map[string]struct {
	fn    function
	nargs int
}{
	"attribute_exists":     {fnExists, 1},
	"attribute_not_exists": {fnNotExists, 1},
	"attribute_type":       {fnType, 2},
	"begins_with":          {fnBeginsWith, 2},
	"contains":             {fnContains, 2},
	"size":                 {fnSize, 1},
	"if_not_exists":        {fnIfNotExists, 2},
	"list_append":          {fnListAppend, 2},
}

func (f function) String() string {
	for name, d := range functions {
		if d.fn == f {
			return name
		}
	}
	return "?"
}

// step is one element of a document path: an attribute or map key name, or
// a list index (name "" and index >= 0).
type step struct {
	name  string
	index int
}

func (s step) isIndex() bool { return s.index >= 0 }

// path is a document path, resolved: placeholders replaced by the names
// they stand for.
type path []step

func (p path) String() string {
	var b strings.Builder
	b.WriteByte('[')
	for i, s := range p {
		if i > 0 {
			b.WriteString(", ")
		}
		if s.isIndex() {
			fmt.Fprintf(&b, "[%d]", s.index)
		} else {
			b.WriteString(s.name)
		}
	}
	b.WriteByte(']')
	return b.String()
}

func (p path) equal(q path) bool {
	if len(p) != len(q) {
		return false
	}
	for i := range p {
		if p[i] != q[i] {
			return false
		}
	}
	return true
}

// prefixOf reports whether p is q or a path that q is under.
func (p path) prefixOf(q path) bool {
	return len(p) <= len(q) && p.equal(q[:len(p)])
}

// node is one node of a parsed expression.
type node struct {
	kind  nodeKind
	op    tokKind  // nCompare, nArith
	fn    function // nFunc
	args  []*node
	path  path                 // nPath
	val   types.AttributeValue // nValue
	text  string               // nValue: the placeholder
	paren bool                 // written in parentheses
}

// parser parses one expression of a request.
type parser struct {
	what   string // "ConditionExpression", ...
	src    string
	toks   []token
	i      int
	ph     *placeholders
	update bool // parsing an update expression
	ops    int  // operators and functions parsed (see newNode)
	// substBytes adds up the names and values the expression uses, once
	// for each use (see checkLimits).
	substBytes int
	paths      []path // every path the expression reads or writes
	nodes      []node // storage for nodes, allocated in blocks
	steps      []step // storage for path steps
	tokBuf     [32]token
}

func newParser(what, src string, ph *placeholders) (*parser, error) {
	p := &parser{what: what, src: src, ph: ph}
	if len(src) > maxExprBytes {
		return nil, p.errorf("Expression size has exceeded the maximum allowed size; expression size: %d", len(src))
	}
	toks, err := lex(src, p.tokBuf[:0])
	if err != nil {
		return nil, p.wrap(err)
	}
	p.toks = toks
	return p, nil
}

// errorf returns a ValidationException of the expression.
func (p *parser) errorf(format string, args ...any) error {
	return invalidf("Invalid %s: "+format, append([]any{p.what}, args...)...)
}

// wrap turns a syntax error of the lexer into one of the expression.
func (p *parser) wrap(err error) error {
	if se, ok := err.(*syntaxErr); ok {
		return p.errorf("%s", se.msg)
	}
	return err
}

// syntaxErr is a syntax error found by the lexer.
type syntaxErr struct{ msg string }

func (e *syntaxErr) Error() string { return e.msg }

func syntaxError(src string, pos int, tok string) error {
	end := min(pos+len(tok)+8, len(src))
	return &syntaxErr{fmt.Sprintf("Syntax error; token: %q, near: %q", tok, src[max(pos-8, 0):end])}
}

func (p *parser) syntax(t token) error {
	return p.errorf("%s", syntaxError(p.src, t.pos, t.String()).Error())
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) peek2() token {
	if p.i+1 < len(p.toks) {
		return p.toks[p.i+1]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) expect(k tokKind) error {
	if t := p.next(); t.kind != k {
		return p.syntax(t)
	}
	return nil
}

// newNode stores a node of the expression. It counts the operators and
// functions among them as DynamoDB counts them against maxOperators:
// comparisons, BETWEEN, IN, AND, OR, NOT, function calls and the + and - of
// update expressions, one each (not the = of a SET action, nor commas or
// parentheses).
func (p *parser) newNode(n node) *node {
	switch n.kind {
	case nCompare, nBetween, nIn, nAnd, nOr, nNot, nFunc, nArith:
		p.ops++
	}
	if len(p.nodes) == cap(p.nodes) {
		p.nodes = make([]node, 0, 16)
	}
	p.nodes = append(p.nodes, n)
	return &p.nodes[len(p.nodes)-1]
}

// clauseKeywords can be no attribute names, in any expression.
var clauseKeywords = []string{"AND", "OR", "NOT", "BETWEEN", "IN", "SET", "REMOVE", "ADD", "DELETE"}

func isClauseKeyword(t token) bool {
	for _, kw := range clauseKeywords {
		if keyword(t, kw) {
			return true
		}
	}
	return false
}

// parsePath parses a document path starting at the next token.
func (p *parser) parsePath() (path, error) {
	start := len(p.steps)
	elem := func() error {
		t := p.next()
		switch t.kind {
		case tName:
			name, err := p.ph.name(p, t.text)
			if err != nil {
				return err
			}
			p.steps = append(p.steps, step{name: name, index: -1})
		case tIdent:
			if isClauseKeyword(t) {
				return p.syntax(t)
			}
			if err := p.checkPlainName(t.text); err != nil {
				return err
			}
			p.steps = append(p.steps, step{name: t.text, index: -1})
		default:
			return p.syntax(t)
		}
		return nil
	}
	if err := elem(); err != nil {
		return nil, err
	}
	for {
		switch p.peek().kind {
		case tDot:
			p.next()
			if err := elem(); err != nil {
				return nil, err
			}
			continue
		case tLBrack:
			p.next()
			t := p.next()
			if t.kind != tNumber || len(t.text) > 1 && t.text[0] == '0' {
				return nil, p.syntax(t)
			}
			i, err := strconv.ParseInt(t.text, 10, 64)
			if err != nil || i > maxListIndex {
				return nil, p.errorf("List index is not within the allowable range; index: [%s]", t.text)
			}
			if err := p.expect(tRBrack); err != nil {
				return nil, err
			}
			p.steps = append(p.steps, step{index: int(i)})
			continue
		}
		break
	}
	// Copy out of the shared buffer: later paths may grow it.
	pth := path(append([]step(nil), p.steps[start:]...))
	p.steps = p.steps[:start]
	if len(pth) > maxPathDepth {
		return nil, p.errorf("The document path has too many nesting levels; nesting levels: %d", len(pth))
	}
	p.paths = append(p.paths, pth)
	return pth, nil
}

// checkPlainName refuses a name written without a placeholder that
// DynamoDB refuses: its reserved words. DynamoDB Local takes "size" and
// "convert", which DynamoDB's documentation lists as reserved: they are
// ErrUnsupported, as we cannot tell which DynamoDB does.
func (p *parser) checkPlainName(name string) error {
	upper := strings.ToUpper(name)
	if upper == "SIZE" || upper == "CONVERT" {
		return unsupportedf("the plain attribute name %q in an expression (reserved by DynamoDB's documentation, but not by DynamoDB Local; use an expression attribute name)", name)
	}
	if isReserved(upper) {
		return p.errorf("Attribute name is a reserved keyword; reserved keyword: %s", name)
	}
	return nil
}

// parseAtom parses a path, a value placeholder, a function call (sub
// parses its arguments) or an expression in parentheses (parsed by sub).
func (p *parser) parseAtom(sub func() (*node, error)) (*node, error) {
	t := p.peek()
	switch t.kind {
	case tLParen:
		p.next()
		x, err := sub()
		if err != nil {
			return nil, err
		}
		if err := p.expect(tRParen); err != nil {
			return nil, err
		}
		if x.paren {
			return nil, p.errorf("The expression has redundant parentheses;")
		}
		x.paren = true
		return x, nil
	case tValue:
		p.next()
		v, err := p.ph.value(p, t.text)
		if err != nil {
			return nil, err
		}
		return p.newNode(node{kind: nValue, val: v, text: t.text}), nil
	case tIdent:
		if p.peek2().kind == tLParen {
			return p.parseCall(sub)
		}
		fallthrough
	case tName:
		pth, err := p.parsePath()
		if err != nil {
			return nil, err
		}
		return p.newNode(node{kind: nPath, path: pth}), nil
	}
	return nil, p.syntax(t)
}

// parseCall parses a function call; sub parses each argument.
func (p *parser) parseCall(sub func() (*node, error)) (*node, error) {
	t := p.next()
	p.next() // (
	d, ok := functions[t.text]
	if !ok {
		return nil, p.errorf("Invalid function name; function: %s", t.text)
	}
	switch {
	case p.update && d.fn != fnIfNotExists && d.fn != fnListAppend:
		return nil, p.errorf("The function is not allowed in an update expression; function: %s", t.text)
	case !p.update && (d.fn == fnIfNotExists || d.fn == fnListAppend):
		return nil, p.errorf("The function is not allowed in a condition expression; function: %s", t.text)
	}
	var args []*node
	for {
		a, err := sub()
		if err != nil {
			return nil, err
		}
		args = append(args, a)
		if p.peek().kind == tComma {
			p.next()
			continue
		}
		if err := p.expect(tRParen); err != nil {
			return nil, err
		}
		break
	}
	if len(args) != d.nargs {
		return nil, p.errorf("Incorrect number of operands for operator or function; operator or function: %s, number of operands: %d", t.text, len(args))
	}
	return p.newNode(node{kind: nFunc, fn: d.fn, args: args}), nil
}

// Conditions.

func (p *parser) parseCondition() (*node, error) {
	n, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if err := p.checkLimits(); err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.syntax(t)
	}
	if err := p.checkCond(n); err != nil {
		return nil, err
	}
	return n, nil
}

// checkLimits refuses an expression with more than maxOperators
// operators and functions, as DynamoDB does, each expression of a request
// on its own.
//
// It also refuses an expression whose text, with the names and values it
// uses substituted (names by their length, values by backend.ValueSize,
// once for each use), comes to more than maxSubstituted bytes.
func (p *parser) checkLimits() error {
	if p.ops > maxOperators {
		return p.errorf("The expression contains too many operators; operator count: %d", p.ops)
	}
	if n := len(p.src) + p.substBytes; n > maxSubstituted {
		return p.errorf("Expression size has exceeded the maximum allowed size; expression size: %d", n)
	}
	return nil
}

func (p *parser) parseOr() (*node, error) {
	l, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for keyword(p.peek(), "OR") {
		p.next()
		r, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		l = p.newNode(node{kind: nOr, args: []*node{l, r}})
	}
	return l, nil
}

func (p *parser) parseAnd() (*node, error) {
	l, err := p.parseNot()
	if err != nil {
		return nil, err
	}
	for keyword(p.peek(), "AND") {
		p.next()
		r, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		l = p.newNode(node{kind: nAnd, args: []*node{l, r}})
	}
	return l, nil
}

func (p *parser) parseNot() (*node, error) {
	if keyword(p.peek(), "NOT") {
		p.next()
		x, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		return p.newNode(node{kind: nNot, args: []*node{x}}), nil
	}
	return p.parseComparison()
}

func (p *parser) parseComparison() (*node, error) {
	l, err := p.parseAtom(p.parseOr)
	if err != nil {
		return nil, err
	}
	t := p.peek()
	switch {
	case t.kind >= tEq && t.kind <= tGe:
		p.next()
		r, err := p.parseAtom(p.parseOr)
		if err != nil {
			return nil, err
		}
		return p.newNode(node{kind: nCompare, op: t.kind, args: []*node{l, r}}), nil
	case keyword(t, "BETWEEN"):
		p.next()
		lo, err := p.parseAtom(p.parseOr)
		if err != nil {
			return nil, err
		}
		if t := p.next(); !keyword(t, "AND") {
			return nil, p.syntax(t)
		}
		hi, err := p.parseAtom(p.parseOr)
		if err != nil {
			return nil, err
		}
		return p.newNode(node{kind: nBetween, args: []*node{l, lo, hi}}), nil
	case keyword(t, "IN"):
		p.next()
		if err := p.expect(tLParen); err != nil {
			return nil, err
		}
		args := []*node{l}
		for {
			x, err := p.parseOr()
			if err != nil {
				return nil, err
			}
			args = append(args, x)
			if p.peek().kind == tComma {
				p.next()
				continue
			}
			if err := p.expect(tRParen); err != nil {
				return nil, err
			}
			break
		}
		return p.newNode(node{kind: nIn, args: args}), nil
	}
	return l, nil
}

// isCondition reports whether n is true or false rather than a value.
func isCondition(n *node) bool {
	switch n.kind {
	case nCompare, nBetween, nIn, nAnd, nOr, nNot:
		return true
	case nFunc:
		return n.fn != fnSize && n.fn != fnIfNotExists && n.fn != fnListAppend
	}
	return false
}

// staticType returns the type of an operand as far as it is known before
// evaluation: a value's type, "N" for size(), unknownType for a path.
func staticType(n *node) string {
	switch n.kind {
	case nValue:
		return typeName(n.val)
	case nFunc:
		if n.fn == fnSize {
			return numberTypeName
		}
	}
	return unknownType
}

func (p *parser) operandTypeError(op string, n *node) error {
	return p.errorf("Incorrect operand type for operator or function; operator or function: %s, operand type: %s", op, staticType(n))
}

// checkCond checks a condition as DynamoDB does before evaluating it.
func (p *parser) checkCond(n *node) error {
	if !isCondition(n) {
		if n.kind == nFunc {
			return p.errorf("The function is not allowed to be used this way in an expression; function: %s", n.fn)
		}
		return p.syntax(token{kind: tEOF, pos: len(p.src)})
	}
	switch n.kind {
	case nAnd, nOr, nNot:
		for _, a := range n.args {
			if err := p.checkCond(a); err != nil {
				return err
			}
		}
		return nil
	case nCompare:
		op := tokText[n.op]
		if err := p.checkOperands(op, n.args); err != nil {
			return err
		}
		if n.op != tEq && n.op != tNe {
			for _, a := range n.args {
				if !orderable(staticType(a)) {
					return p.operandTypeError(op, a)
				}
			}
		}
		return p.checkDistinct(op, n.args)
	case nBetween:
		if err := p.checkOperands("BETWEEN", n.args); err != nil {
			return err
		}
		for _, a := range n.args {
			if !orderable(staticType(a)) {
				return p.operandTypeError("BETWEEN", a)
			}
		}
		lo, hi := n.args[1], n.args[2]
		if lt, ht := staticType(lo), staticType(hi); lt != unknownType && ht != unknownType && lt != ht {
			return p.errorf("The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: %s, upper bound operand: %s", lt, ht)
		}
		if lo.kind == nValue && hi.kind == nValue && compare(lo.val, hi.val) > 0 {
			return p.errorf("The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: %s, upper bound operand: %s", lo.text, hi.text)
		}
		return p.checkDistinct("BETWEEN", n.args)
	case nIn:
		if len(n.args)-1 > maxInOperands {
			return p.errorf("The IN operator is provided with too many operands; number of operands: %d", len(n.args)-1)
		}
		if err := p.checkOperands("IN", n.args); err != nil {
			return err
		}
		return p.checkDistinct("IN", n.args)
	}
	// A function.
	name := n.fn.String()
	switch n.fn {
	case fnExists, fnNotExists:
		if n.args[0].kind != nPath {
			return p.errorf("Operator or function requires a document path; operator or function: %s", name)
		}
		return nil
	case fnType:
		if err := p.checkOperands(name, n.args[:1]); err != nil {
			return err
		}
		t := n.args[1]
		if t.kind != nValue || typeName(t.val) != "S" {
			return p.errorf("Incorrect operand type for operator or function; operator or function: %s, operand type: %s", name, staticType(t))
		}
		if !validTypeName(t.val.(*types.AttributeValueMemberS).Value) {
			return p.errorf("Invalid attribute type name found; type: %s, valid types: {B,BOOL,BS,L,M,N,NS,NULL,S,SS}", t.val.(*types.AttributeValueMemberS).Value)
		}
		return nil
	case fnBeginsWith:
		if err := p.checkOperands(name, n.args); err != nil {
			return err
		}
		for _, a := range n.args {
			if t := staticType(a); t != unknownType && t != "S" && t != "B" {
				return p.operandTypeError(name, a)
			}
		}
		return p.checkDistinct(name, n.args)
	case fnContains:
		if err := p.checkOperands(name, n.args); err != nil {
			return err
		}
		return p.checkDistinct(name, n.args)
	}
	return p.syntax(token{kind: tEOF, pos: len(p.src)})
}

// checkOperands checks that each of args is an operand: a path, a value or
// size() of an operand that may have a size.
func (p *parser) checkOperands(op string, args []*node) error {
	for _, a := range args {
		switch {
		case a.kind == nPath || a.kind == nValue:
		case a.kind == nFunc && a.fn == fnSize:
			x := a.args[0]
			if err := p.checkOperands("size", a.args); err != nil {
				return err
			}
			switch staticType(x) {
			case unknownType, "S", "B", "SS", "NS", "BS", "L", "M":
			default:
				return p.operandTypeError("size", x)
			}
		case a.kind == nFunc:
			return p.errorf("The function is not allowed to be used this way in an expression; function: %s", a.fn)
		default:
			return p.syntax(token{kind: tEOF, pos: len(p.src)})
		}
	}
	return nil
}

// checkDistinct refuses a first operand that is a path also given as a
// later operand, as DynamoDB does ("#a = #a").
func (p *parser) checkDistinct(op string, args []*node) error {
	if args[0].kind != nPath {
		return nil
	}
	for _, a := range args[1:] {
		if a.kind == nPath && a.path.equal(args[0].path) {
			return p.errorf("The first operand must be distinct from the remaining operands for this operator or function; operator: %s, first operand: %s", op, args[0].path)
		}
	}
	return nil
}

func orderable(t string) bool { return t == unknownType || t == "N" || t == "S" || t == "B" }

func validTypeName(s string) bool {
	switch s {
	case "S", "SS", "N", "NS", "B", "BS", "BOOL", "NULL", "L", "M":
		return true
	}
	return false
}

// Updates.

// actionKind is the kind of one action of an update expression.
type actionKind uint8

const (
	actSet actionKind = iota
	actRemove
	actAdd
	actDelete
)

var actionNames = [...]string{actSet: "SET", actRemove: "REMOVE", actAdd: "ADD", actDelete: "DELETE"}

// action is one action of an update expression.
type action struct {
	kind   actionKind
	target path
	value  *node // SET: the new value; ADD, DELETE: the value placeholder
}

func (p *parser) parseUpdate() ([]action, error) {
	p.update = true
	var acts []action
	var seen [4]bool
	for p.peek().kind != tEOF {
		t := p.next()
		kind := -1
		for k, kw := range actionNames {
			if keyword(t, kw) {
				kind = k
			}
		}
		if kind < 0 {
			return nil, p.syntax(t)
		}
		if seen[kind] {
			return nil, p.errorf("The %q section can only be used once in an update expression;", actionNames[kind])
		}
		seen[kind] = true
		for {
			a := action{kind: actionKind(kind)}
			var err error
			if a.target, err = p.parsePath(); err != nil {
				return nil, err
			}
			switch a.kind {
			case actSet:
				if err := p.expect(tEq); err != nil {
					return nil, err
				}
				if a.value, err = p.parseSetValue(); err != nil {
					return nil, err
				}
				if err := p.checkSetValue(a.value); err != nil {
					return nil, err
				}
			case actAdd, actDelete:
				t := p.next()
				if t.kind != tValue {
					return nil, p.syntax(t)
				}
				v, err := p.ph.value(p, t.text)
				if err != nil {
					return nil, err
				}
				a.value = p.newNode(node{kind: nValue, val: v, text: t.text})
				if err := p.checkAddDelete(a); err != nil {
					return nil, err
				}
			}
			acts = append(acts, a)
			if p.peek().kind != tComma {
				break
			}
			p.next()
		}
		if t := p.peek(); t.kind != tEOF && (t.kind != tIdent || !isActionKeyword(t)) {
			return nil, p.syntax(t)
		}
	}
	if len(acts) == 0 {
		return nil, p.errorf("The expression can not be empty;")
	}
	if err := p.checkLimits(); err != nil {
		return nil, err
	}
	// No two actions may write paths that overlap.
	for i := range acts {
		for j := i + 1; j < len(acts); j++ {
			a, b := acts[i].target, acts[j].target
			if a.prefixOf(b) || b.prefixOf(a) {
				return nil, p.errorf("Two document paths overlap with each other; must remove or rewrite one of these paths; path one: %s, path two: %s", a, b)
			}
		}
	}
	return acts, nil
}

func isActionKeyword(t token) bool {
	for _, kw := range actionNames {
		if keyword(t, kw) {
			return true
		}
	}
	return false
}

// parseSetValue parses the value of a SET action, or an argument of a
// function in one.
func (p *parser) parseSetValue() (*node, error) {
	l, err := p.parseAtom(p.parseSetValue)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind == tPlus || t.kind == tMinus {
		p.next()
		r, err := p.parseAtom(p.parseSetValue)
		if err != nil {
			return nil, err
		}
		return p.newNode(node{kind: nArith, op: t.kind, args: []*node{l, r}}), nil
	}
	return l, nil
}

// checkSetValue checks the value of a SET action: an operand, a sum or
// difference of two, or list_append of two; an operand is a path, a value
// or if_not_exists(path, operand).
func (p *parser) checkSetValue(n *node) error {
	switch {
	case n.kind == nArith:
		op := tokText[n.op]
		for _, a := range n.args {
			if a.kind == nArith {
				return p.syntax(token{kind: n.op, pos: 0})
			}
			if err := p.checkUpdateOperand(a); err != nil {
				return err
			}
			if t := staticType(a); t != unknownType && t != "N" {
				return p.operandTypeError(op, a)
			}
		}
		return nil
	case n.kind == nFunc && n.fn == fnListAppend:
		for _, a := range n.args {
			if a.kind == nArith {
				return p.syntax(token{kind: a.op, pos: 0})
			}
			if err := p.checkUpdateOperand(a); err != nil {
				return err
			}
			if t := staticType(a); t != unknownType && t != "L" {
				return p.operandTypeError("list_append", a)
			}
		}
		return nil
	}
	return p.checkUpdateOperand(n)
}

func (p *parser) checkUpdateOperand(n *node) error {
	switch n.kind {
	case nPath, nValue:
		return nil
	case nArith:
		return p.syntax(token{kind: n.op, pos: 0})
	case nFunc:
		if n.fn != fnIfNotExists {
			return p.errorf("The function is not allowed to be used this way in an expression; function: %s", n.fn)
		}
		if n.args[0].kind != nPath {
			return p.errorf("Operator or function requires a document path; operator or function: if_not_exists")
		}
		if err := p.checkUpdateOperand(n.args[1]); err != nil {
			return err
		}
		return p.checkDistinct("if_not_exists", n.args)
	}
	return p.syntax(token{kind: tEOF, pos: len(p.src)})
}

// checkAddDelete checks the value of an ADD action (a number or a set) or a
// DELETE action (a set).
func (p *parser) checkAddDelete(a action) error {
	t := typeName(a.value.val)
	ok := t == "SS" || t == "NS" || t == "BS" || a.kind == actAdd && t == "N"
	if !ok {
		return p.errorf("Incorrect operand type for operator or function; operator: %s, operand type: %s", actionNames[a.kind], t)
	}
	return nil
}
