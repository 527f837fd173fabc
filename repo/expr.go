package repo

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/internal/exprname"
)

// exprNames hands out the names of the attributes the repository names
// itself (see package exprname). A placeholder could equal a name a caller
// gives, and the expression package gives equal names one alias, so the
// repository's expressions are built apart from the caller's (see
// callerExpr and merge): a caller's name is never read as one of these
// placeholders, whatever it is.
type exprNames = exprname.Names

// callerExpr builds a caller's condition or update on its own, so that its
// names are only the caller's, and renames the builder's placeholders
// ("#0", ":0", ...) to "#"+tag+"0", ":"+tag+"0", ..., which no placeholder
// of the repository's own expressions (the builder's, or addToUpdate's)
// is. The expression package writes names and values only as
// placeholders, so renaming the placeholders in the text renames them all.
func callerExpr(tag string, b expression.Builder) (backend.Expressions, error) {
	e, err := b.Build()
	if err != nil {
		return backend.Expressions{}, err
	}
	rename := func(s *string) string {
		if s == nil {
			return ""
		}
		return renameAliases(*s, tag)
	}
	out := backend.Expressions{Condition: rename(e.Condition()), Update: rename(e.Update())}
	if n := e.Names(); len(n) > 0 {
		out.Names = make(map[string]string, len(n))
		for alias, name := range n {
			out.Names[alias[:1]+tag+alias[1:]] = name
		}
	}
	if v := e.Values(); len(v) > 0 {
		out.Values = make(map[string]types.AttributeValue, len(v))
		for alias, val := range v {
			out.Values[alias[:1]+tag+alias[1:]] = val
		}
	}
	return out, nil
}

// renameAliases puts tag after the sigil of every placeholder ("#0", ":12")
// of an expression the expression package built.
func renameAliases(s, tag string) string {
	var b strings.Builder
	b.Grow(len(s) + 8*len(tag))
	for i := 0; i < len(s); i++ {
		c := s[i]
		b.WriteByte(c)
		if (c == '#' || c == ':') && i+1 < len(s) && '0' <= s[i+1] && s[i+1] <= '9' {
			b.WriteString(tag)
		}
	}
	return b.String()
}

// merge adds the caller's expressions (from callerExpr) to the
// repository's own: both conditions must hold, joined as expression.And
// joins two conditions; only one of them may have an update.
func merge(own, caller backend.Expressions) (backend.Expressions, error) {
	switch {
	case own.Condition == "":
		own.Condition = caller.Condition
	case caller.Condition != "":
		own.Condition = "(" + own.Condition + ") AND (" + caller.Condition + ")"
	}
	switch {
	case own.Update == "":
		own.Update = caller.Update
	case caller.Update != "":
		return backend.Expressions{}, fmt.Errorf("two update expressions")
	}
	if own.Filter != "" && caller.Filter != "" {
		return backend.Expressions{}, fmt.Errorf("two filter expressions")
	}
	if own.Filter == "" {
		own.Filter = caller.Filter
	}
	if len(caller.Names) > 0 {
		if own.Names == nil {
			own.Names = make(map[string]string, len(caller.Names))
		}
		for k, v := range caller.Names {
			own.Names[k] = v
		}
	}
	if len(caller.Values) > 0 {
		if own.Values == nil {
			own.Values = make(map[string]types.AttributeValue, len(caller.Values))
		}
		for k, v := range caller.Values {
			own.Values[k] = v
		}
	}
	return own, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// number returns the Number attribute value of n.
func number(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

// exists holds for a stored item that has not expired.
func (r *Repository[T]) exists(x *exprNames, now time.Time) expression.ConditionBuilder {
	c := expression.AttributeExists(x.Name(entity.PartitionKeyName))
	if r.expiryKey != "" {
		c = c.And(r.live(x, now))
	}
	return c
}

// absent holds where no item is stored, or only an expired one.
func (r *Repository[T]) absent(x *exprNames, now time.Time) expression.ConditionBuilder {
	c := expression.AttributeNotExists(x.Name(entity.PartitionKeyName))
	if r.expiryKey != "" {
		exp := x.Name(r.expiryKey)
		c = c.Or(exp.GreaterThan(expression.Value(number(0))).And(exp.LessThanEqual(expression.Value(number(now.Unix())))))
	}
	return c
}

// live holds for an item whose expiry, if any, is still ahead: the
// attribute is missing, not a positive number, or after now.
func (r *Repository[T]) live(x *exprNames, now time.Time) expression.ConditionBuilder {
	exp := x.Name(r.expiryKey)
	return expression.Or(
		expression.AttributeNotExists(exp),
		exp.LessThanEqual(expression.Value(number(0))),
		exp.GreaterThan(expression.Value(number(now.Unix()))),
		expression.Not(expression.AttributeType(exp, expression.Number)),
	)
}

// expired reports whether a stored item has passed its expiry: a positive
// Number of Unix seconds at or before now.
func (r *Repository[T]) expired(item backend.Item, now time.Time) bool {
	if r.expiryKey == "" {
		return false
	}
	n, ok := item[r.expiryKey].(*types.AttributeValueMemberN)
	if !ok {
		return false
	}
	return backend.CompareNumbers(n.Value, "0") > 0 && backend.CompareNumbers(n.Value, strconv.FormatInt(now.Unix(), 10)) <= 0
}

// versionOf returns the version an item holds; 0 when it has none.
func (r *Repository[T]) versionOf(item backend.Item) (int64, error) {
	av, ok := item[r.versionKey]
	if !ok {
		return 0, nil
	}
	n, ok := av.(*types.AttributeValueMemberN)
	if !ok {
		return 0, fmt.Errorf("version attribute %q is a %T, not a Number", r.versionKey, av)
	}
	v, err := strconv.ParseInt(n.Value, 10, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("version attribute %q holds %q, not a version", r.versionKey, n.Value)
	}
	return v, nil
}

// checkCallerNames refuses a caller's update that names the key or the
// version, which the library owns. Names are checked as the expression holds
// them, path part by path part, so a nested path with such a part is refused
// too: the price of never misreading a top-level one.
func (r *Repository[T]) checkCallerNames(names []string) error {
	for _, n := range names {
		if ownsAttribute(n) || (r.versionKey != "" && n == r.versionKey) {
			return fmt.Errorf("the update names %q, which the library owns", n)
		}
		for _, ix := range r.indexes {
			if n == ix.PartitionAttr || n == ix.SortAttr {
				return fmt.Errorf("the update names %q, which index %q is on: use Update, which moves the index with it", n, ix.Name)
			}
		}
	}
	return nil
}

// addToUpdate adds "name value" to the ADD clause of an update expression
// made by the expression package, whose clauses each start a line ("SET ...",
// "REMOVE ...", "ADD ...", "DELETE ..."). The placeholders are the caller's,
// chosen not to clash with the package's (#0, :0, ...); values travel in the
// Values map.
func addToUpdate(update, name, value string) string {
	lines := strings.Split(strings.TrimRight(update, "\n"), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "ADD ") {
			lines[i] = l + ", " + name + " " + value
			return strings.Join(lines, "\n") + "\n"
		}
	}
	return strings.Join(append(lines, "ADD "+name+" "+value), "\n") + "\n"
}
