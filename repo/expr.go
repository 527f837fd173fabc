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
)

// exprNames hands out expression names for top-level attributes the
// repository names itself. The expression package reads '.' as a path
// separator and "[n]" as a list index, so each attribute gets a placeholder
// no attribute name is likely to be ("\x00" and a number), and finish puts
// the real names back into ExpressionAttributeNames. Names only ever travel
// in that map, never in expression text.
type exprNames struct {
	real map[string]string // placeholder -> attribute name
	ph   map[string]string // attribute name -> placeholder
}

func (x *exprNames) name(attr string) expression.NameBuilder {
	if x.ph == nil {
		x.real, x.ph = map[string]string{}, map[string]string{}
	}
	p, ok := x.ph[attr]
	if !ok {
		p = "\x00" + strconv.Itoa(len(x.ph))
		x.ph[attr], x.real[p] = p, attr
	}
	return expression.NameNoDotSplit(p)
}

// build builds the expression and returns it with the real names restored,
// and the names the caller's builders put in (not the repository's own).
func (x *exprNames) build(b expression.Builder) (backend.Expressions, []string, error) {
	e, err := b.Build()
	if err != nil {
		return backend.Expressions{}, nil, err
	}
	names := e.Names()
	var callers []string
	for alias, n := range names {
		if real, ok := x.real[n]; ok {
			names[alias] = real
		} else {
			callers = append(callers, n)
		}
	}
	return backend.Expressions{
		Condition: deref(e.Condition()),
		Update:    deref(e.Update()),
		Filter:    deref(e.Filter()),
		Names:     names,
		Values:    e.Values(),
	}, callers, nil
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
	c := expression.AttributeExists(x.name(entity.PartitionKeyName))
	if r.expiryKey != "" {
		c = c.And(r.live(x, now))
	}
	return c
}

// absent holds where no item is stored, or only an expired one.
func (r *Repository[T]) absent(x *exprNames, now time.Time) expression.ConditionBuilder {
	c := expression.AttributeNotExists(x.name(entity.PartitionKeyName))
	if r.expiryKey != "" {
		exp := x.name(r.expiryKey)
		c = c.Or(exp.GreaterThan(expression.Value(number(0))).And(exp.LessThanEqual(expression.Value(number(now.Unix())))))
	}
	return c
}

// live holds for an item whose expiry, if any, is still ahead: the
// attribute is missing, not a positive number, or after now.
func (r *Repository[T]) live(x *exprNames, now time.Time) expression.ConditionBuilder {
	exp := x.name(r.expiryKey)
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
