package expreval

import "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

// Action is one action of a parsed update, as Update.Actions shows it to a
// caller that checks what an update writes before it is sent.
type Action struct {
	Kind   string     // "SET", "REMOVE", "ADD" or "DELETE"
	Target []PathStep // the path written, from its top-level attribute
	// Value is the operand of a SET (its new value), an ADD or a DELETE
	// (a value); nil for a REMOVE.
	Value *Operand
}

// PathStep is one step of a document path: a name (an attribute or a map
// key), or a list index when Index is 0 or more.
type PathStep struct {
	Name  string
	Index int // -1 for a name
}

// Operand is an operand of a SET, ADD or DELETE action.
type Operand struct {
	// Kind is "value" (an expression attribute value), "path" (an
	// attribute read from the item), "if_not_exists", "list_append", "+"
	// or "-".
	Kind  string
	Value types.AttributeValue // for "value"
	Path  []PathStep           // for "path"
	Args  []*Operand           // for the functions and arithmetic
}

// Actions returns the update's actions, in the order written.
func (u *Update) Actions() []Action {
	out := make([]Action, len(u.acts))
	for i, a := range u.acts {
		out[i] = Action{Kind: actionNames[a.kind], Target: pathSteps(a.target)}
		if a.value != nil {
			out[i].Value = operandOf(a.value)
		}
	}
	return out
}

func pathSteps(p path) []PathStep {
	out := make([]PathStep, len(p))
	for i, s := range p {
		out[i] = PathStep{Name: s.name, Index: s.index}
	}
	return out
}

func operandOf(n *node) *Operand {
	o := &Operand{}
	switch n.kind {
	case nValue:
		o.Kind, o.Value = "value", n.val
	case nPath:
		o.Kind, o.Path = "path", pathSteps(n.path)
	case nArith:
		o.Kind = "+"
		if n.op == tMinus {
			o.Kind = "-"
		}
	case nFunc:
		switch n.fn {
		case fnIfNotExists:
			o.Kind = "if_not_exists"
		case fnListAppend:
			o.Kind = "list_append"
		default:
			o.Kind = "function"
		}
	default:
		o.Kind = "other"
	}
	for _, a := range n.args {
		o.Args = append(o.Args, operandOf(a))
	}
	return o
}
