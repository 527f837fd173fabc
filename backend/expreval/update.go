package expreval

import (
	"bytes"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/backend"
)

// Errors DynamoDB reports while applying an update.
var (
	errMissingOperand = "The provided expression refers to an attribute that does not exist in the item"
	errOperandType    = "An operand in the update expression has an incorrect data type"
	errInvalidPath    = "The document path provided in the update expression is invalid for update"
)

// write is what an update does at one path.
type writeOp uint8

const (
	opInner  writeOp = iota // paths under this one are written
	opSet                   // the path gets val
	opRemove                // the path is removed
	opCheck                 // nothing changes, but the path's parent must exist
)

// wnode is a node of the tree of the paths an update writes.
type wnode struct {
	op   writeOp
	val  types.AttributeValue
	keys map[string]*wnode // children by attribute or map key
	idx  map[int]*wnode    // children by list index
}

func (n *wnode) child(s step) *wnode {
	if s.isIndex() {
		if n.idx == nil {
			n.idx = make(map[int]*wnode)
		}
		c := n.idx[s.index]
		if c == nil {
			c = &wnode{}
			n.idx[s.index] = c
		}
		return c
	}
	if n.keys == nil {
		n.keys = make(map[string]*wnode)
	}
	c := n.keys[s.name]
	if c == nil {
		c = &wnode{}
		n.keys[s.name] = c
	}
	return c
}

// Apply returns item as the update leaves it, or an error wrapping
// backend.ErrInvalidArgument when DynamoDB would refuse the update for this
// item (an operand that is missing or of the wrong type, a path whose
// parent is missing or not a map or list, a number DynamoDB cannot store).
// Every operand is read from item as it was before the update, and list
// indices refer to the list as it was, as in DynamoDB. item is not
// changed; the result shares the values it does not change with item, and
// no memory with the expression's values. The result is not checked
// against DynamoDB's limits on items.
func (u *Update) Apply(item backend.Item) (backend.Item, error) {
	root := &wnode{}
	for _, a := range u.acts {
		op, val, err := a.eval(item)
		if err != nil {
			return nil, err
		}
		n := root
		for _, s := range a.target {
			n = n.child(s)
		}
		n.op, n.val = op, val
	}
	out := maps.Clone(item)
	if out == nil {
		out = make(backend.Item, len(root.keys))
	}
	for name, c := range root.keys {
		v, err := applyWrites(item[name], c)
		if err != nil {
			return nil, err
		}
		if v == nil {
			delete(out, name)
		} else {
			out[name] = v
		}
	}
	return out, nil
}

// applyWrites returns the value at a path after the writes of n, given
// the value before (nil when missing); nil for a removed value.
func applyWrites(old types.AttributeValue, n *wnode) (types.AttributeValue, error) {
	switch n.op {
	case opSet:
		return n.val, nil
	case opRemove:
		return nil, nil
	case opCheck:
		return old, nil
	}
	switch {
	case len(n.keys) > 0 && len(n.idx) > 0:
		return nil, invalidf("%s", errInvalidPath)
	case len(n.keys) > 0:
		m, ok := old.(*types.AttributeValueMemberM)
		if !ok {
			return nil, invalidf("%s", errInvalidPath)
		}
		out := maps.Clone(m.Value)
		if out == nil {
			out = make(map[string]types.AttributeValue, len(n.keys))
		}
		for k, c := range n.keys {
			v, err := applyWrites(m.Value[k], c)
			if err != nil {
				return nil, err
			}
			if v == nil {
				delete(out, k)
			} else {
				out[k] = v
			}
		}
		return &types.AttributeValueMemberM{Value: out}, nil
	}
	l, ok := old.(*types.AttributeValueMemberL)
	if !ok {
		return nil, invalidf("%s", errInvalidPath)
	}
	out := slices.Clone(l.Value)
	removed := 0
	var appended []int
	for i, c := range n.idx {
		if i >= len(l.Value) {
			appended = append(appended, i)
			continue
		}
		v, err := applyWrites(l.Value[i], c)
		if err != nil {
			return nil, err
		}
		out[i] = v
		if v == nil {
			removed++
		}
	}
	if removed > 0 {
		out = slices.DeleteFunc(out, func(v types.AttributeValue) bool { return v == nil })
	}
	// Writes past the end append, in the order of their indices.
	slices.Sort(appended)
	for _, i := range appended {
		v, err := applyWrites(nil, n.idx[i])
		if err != nil {
			return nil, err
		}
		if v != nil {
			out = append(out, v)
		}
	}
	if out == nil {
		out = []types.AttributeValue{}
	}
	return &types.AttributeValueMemberL{Value: out}, nil
}

// eval returns what action a writes at its target, reading item as it is
// before the update.
func (a action) eval(item backend.Item) (writeOp, types.AttributeValue, error) {
	switch a.kind {
	case actSet:
		v, err := evalSetValue(a.value, item)
		return opSet, v, err
	case actRemove:
		return opRemove, nil, nil
	}
	cur := resolve(item, a.target)
	val := a.value.val
	if a.kind == actAdd {
		if cur == nil {
			return opSet, backend.CopyValue(val), nil
		}
		v, err := addValues(cur, val)
		return opSet, v, err
	}
	// DELETE
	if cur == nil {
		return opCheck, nil, nil
	}
	v, err := deleteMembers(cur, val)
	if err != nil {
		return 0, nil, err
	}
	if v == nil {
		return opRemove, nil, nil
	}
	return opSet, v, nil
}

// evalSetValue returns the value of the operand or function of a SET
// action for item.
func evalSetValue(n *node, item backend.Item) (types.AttributeValue, error) {
	switch n.kind {
	case nPath:
		v := resolve(item, n.path)
		if v == nil {
			return nil, invalidf("%s", errMissingOperand)
		}
		return v, nil
	case nValue:
		return backend.CopyValue(n.val), nil
	case nArith:
		a, err := evalSetValue(n.args[0], item)
		if err != nil {
			return nil, err
		}
		b, err := evalSetValue(n.args[1], item)
		if err != nil {
			return nil, err
		}
		an, ok1 := a.(*types.AttributeValueMemberN)
		bn, ok2 := b.(*types.AttributeValueMemberN)
		if !ok1 || !ok2 {
			return nil, invalidf("%s", errOperandType)
		}
		s, err := addNumbers(an.Value, bn.Value, n.op == tMinus)
		if err != nil {
			return nil, err
		}
		return &types.AttributeValueMemberN{Value: s}, nil
	}
	switch n.fn {
	case fnIfNotExists:
		alt, err := evalSetValue(n.args[1], item)
		if err != nil {
			return nil, err
		}
		if v := resolve(item, n.args[0].path); v != nil {
			return v, nil
		}
		return alt, nil
	case fnListAppend:
		a, err := evalSetValue(n.args[0], item)
		if err != nil {
			return nil, err
		}
		b, err := evalSetValue(n.args[1], item)
		if err != nil {
			return nil, err
		}
		al, ok1 := a.(*types.AttributeValueMemberL)
		bl, ok2 := b.(*types.AttributeValueMemberL)
		if !ok1 || !ok2 {
			return nil, invalidf("%s", errOperandType)
		}
		out := make([]types.AttributeValue, 0, len(al.Value)+len(bl.Value))
		out = append(append(out, al.Value...), bl.Value...)
		return &types.AttributeValueMemberL{Value: out}, nil
	}
	return nil, invalidf("%s", errOperandType)
}

// addValues is ADD on an existing value: the sum of two numbers, or the
// union of two sets of one type.
func addValues(cur, val types.AttributeValue) (types.AttributeValue, error) {
	switch cur := cur.(type) {
	case *types.AttributeValueMemberN:
		if v, ok := val.(*types.AttributeValueMemberN); ok {
			s, err := addNumbers(cur.Value, v.Value, false)
			if err != nil {
				return nil, err
			}
			return &types.AttributeValueMemberN{Value: s}, nil
		}
	case *types.AttributeValueMemberSS:
		if v, ok := val.(*types.AttributeValueMemberSS); ok {
			return &types.AttributeValueMemberSS{Value: union(cur.Value, v.Value, func(s string) string { return s }, func(s string) string { return s })}, nil
		}
	case *types.AttributeValueMemberNS:
		if v, ok := val.(*types.AttributeValueMemberNS); ok {
			return &types.AttributeValueMemberNS{Value: union(cur.Value, v.Value, backend.CanonicalNumber, func(s string) string { return s })}, nil
		}
	case *types.AttributeValueMemberBS:
		if v, ok := val.(*types.AttributeValueMemberBS); ok {
			return &types.AttributeValueMemberBS{Value: union(cur.Value, v.Value, func(b []byte) string { return string(b) }, bytes.Clone)}, nil
		}
	}
	return nil, invalidf("%s", errOperandType)
}

// union returns the members of a followed by those of b that a lacks.
func union[E any](a, b []E, key func(E) string, clone func(E) E) []E {
	out := slices.Clone(a)
	seen := make(map[string]struct{}, len(a)+len(b))
	for _, e := range a {
		seen[key(e)] = struct{}{}
	}
	for _, e := range b {
		k := key(e)
		if _, ok := seen[k]; !ok {
			seen[k] = struct{}{}
			out = append(out, clone(e))
		}
	}
	return out
}

// deleteMembers is DELETE on an existing value: the members of a set that
// val, a set of the same type, does not hold; nil when none are left.
func deleteMembers(cur, val types.AttributeValue) (types.AttributeValue, error) {
	switch cur := cur.(type) {
	case *types.AttributeValueMemberSS:
		if v, ok := val.(*types.AttributeValueMemberSS); ok {
			if rest := minus(cur.Value, v.Value, func(s string) string { return s }); len(rest) > 0 {
				return &types.AttributeValueMemberSS{Value: rest}, nil
			}
			return nil, nil
		}
	case *types.AttributeValueMemberNS:
		if v, ok := val.(*types.AttributeValueMemberNS); ok {
			if rest := minus(cur.Value, v.Value, backend.CanonicalNumber); len(rest) > 0 {
				return &types.AttributeValueMemberNS{Value: rest}, nil
			}
			return nil, nil
		}
	case *types.AttributeValueMemberBS:
		if v, ok := val.(*types.AttributeValueMemberBS); ok {
			if rest := minus(cur.Value, v.Value, func(b []byte) string { return string(b) }); len(rest) > 0 {
				return &types.AttributeValueMemberBS{Value: rest}, nil
			}
			return nil, nil
		}
	}
	return nil, invalidf("%s", errOperandType)
}

// minus returns the members of a that b does not hold.
func minus[E any](a, b []E, key func(E) string) []E {
	drop := make(map[string]struct{}, len(b))
	for _, e := range b {
		drop[key(e)] = struct{}{}
	}
	var out []E
	for _, e := range a {
		if _, ok := drop[key(e)]; !ok {
			out = append(out, e)
		}
	}
	return out
}
