// Package exprname names attributes in expressions built with
// aws-sdk-go-v2's expression package, whatever the names hold.
//
// The expression package reads '.' in a name as a path separator and
// "[n]" as a list index, and has no way to name an attribute such as
// "a[0]" literally. Names gives each attribute a placeholder name ("\x00"
// and a number), which the builder takes as it is, and Build puts the real
// names back into ExpressionAttributeNames. Names only ever travel in that
// map, never in expression text. Package repo builds its own expressions
// with it, and package ops its reindex updates.
package exprname

import (
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/tenantrepo/tenantrepo/backend"
)

// Names hands out expression names for top-level attributes. The zero
// Names is ready. Every name of an expression built with Build must come
// from Name: a placeholder could equal a name from elsewhere, and the
// expression package gives equal names one alias, so expressions with
// names of other origins (a caller's) are built apart.
type Names struct {
	real map[string]string // placeholder -> attribute name
	ph   map[string]string // attribute name -> placeholder
}

// Name returns the name of the top-level attribute attr, as a placeholder.
func (x *Names) Name(attr string) expression.NameBuilder {
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

// Build builds b, every name of which is one of x's placeholders, and
// returns the expressions with the real names restored. A name that is not
// x's is an error.
func (x *Names) Build(b expression.Builder) (backend.Expressions, error) {
	e, err := b.Build()
	if err != nil {
		return backend.Expressions{}, err
	}
	names := e.Names()
	for alias, n := range names {
		real, ok := x.real[n]
		if !ok {
			return backend.Expressions{}, fmt.Errorf("expression name %q is not a placeholder of exprname.Names", n)
		}
		names[alias] = real
	}
	return backend.Expressions{
		Condition: deref(e.Condition()),
		Update:    deref(e.Update()),
		Filter:    deref(e.Filter()),
		Names:     names,
		Values:    e.Values(),
	}, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
