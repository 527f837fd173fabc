package dynamodb

import (
	"fmt"
	"maps"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/backend"
)

// built holds the expression fields of one request as the SDK takes them:
// nil for an absent expression, and nil maps rather than empty ones, since
// DynamoDB refuses an empty ExpressionAttributeNames or
// ExpressionAttributeValues.
type built struct {
	condition    *string
	update       *string
	filter       *string
	keyCondition *string
	names        map[string]string
	values       map[string]types.AttributeValue
}

// passThrough returns the caller's expressions as request fields. The
// expressions come built by the repository and go to DynamoDB as they are;
// only what DynamoDB cannot take at all is refused here, with an error
// wrapping backend.ErrInvalidArgument: an expression the request has no
// field for (a filter on a put, say) and a nil value among the expression
// values (the SDK cannot serialize one).
func passThrough(e backend.Expressions, allowed backend.ExprParts) (built, error) {
	if err := e.CheckParts(allowed); err != nil {
		return built{}, err
	}
	for ph, v := range e.Values {
		if v == nil {
			return built{}, fmt.Errorf("%w: expression value %s is nil", backend.ErrInvalidArgument, ph)
		}
	}
	b := built{
		condition: optString(e.Condition),
		update:    optString(e.Update),
		filter:    optString(e.Filter),
	}
	if len(e.Names) > 0 {
		b.names = e.Names
	}
	if len(e.Values) > 0 {
		b.values = e.Values
	}
	return b, nil
}

// optString returns nil for "" and a pointer to s otherwise.
func optString(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

// queryExpression builds the key condition of a query of partition pk over
// the sort keys in r, of the table or of an index (keys names the key
// attributes), and joins it to the caller's filter expression.
//
// Both come from the SDK's expression builder, which numbers placeholders
// from zero in each expression it builds (#0, :0, ...), so the key
// condition's would clash with the filter's. The filter is passed on
// byte for byte; the key condition, whose text this package controls, has
// its placeholders renamed to ones the caller's maps do not hold.
func queryExpression(keys queryKeys, pk string, r backend.SortRange, filter backend.Expressions) (built, error) {
	res, err := passThrough(filter, backend.QueryParts)
	if err != nil {
		return built{}, err
	}
	t, err := keyConditionOf(keys, r)
	if err != nil {
		return built{}, err
	}
	roles := [...]string{pk, r.Lo, r.Hi}

	// Rename the key condition's placeholders to fresh ones, then merge.
	names := make(map[string]string, len(filter.Names)+len(t.names))
	maps.Copy(names, filter.Names)
	values := make(map[string]types.AttributeValue, len(filter.Values)+len(t.values))
	maps.Copy(values, filter.Values)
	if len(filter.Names) == 0 && len(filter.Values) == 0 {
		// Nothing to keep apart from: the renaming is always the same.
		for ph, n := range t.names {
			names[t.fresh[ph]] = n
		}
		for ph, role := range t.values {
			values[t.fresh[ph]] = &types.AttributeValueMemberS{Value: roles[role]}
		}
		res.keyCondition = aws.String(t.renamed)
		res.names = names
		res.values = values
		return res, nil
	}
	rename := make(map[string]string)
	for ph, n := range t.names {
		fresh := freshPlaceholder(ph, func(c string) bool { _, ok := names[c]; return ok })
		rename[ph] = fresh
		names[fresh] = n
	}
	for ph, role := range t.values {
		fresh := freshPlaceholder(ph, func(c string) bool { _, ok := values[c]; return ok })
		rename[ph] = fresh
		values[fresh] = &types.AttributeValueMemberS{Value: roles[role]}
	}
	res.keyCondition = aws.String(renamePlaceholders(t.text, rename))
	res.names = names
	res.values = values
	return res, nil
}

// keyCondition is the key condition expression of one shape of query, as
// the SDK's expression builder makes it, with its value placeholders by
// role: 0 for the partition key, 1 for the range's Lo, 2 for its Hi.
type keyCondition struct {
	text   string
	names  map[string]string // placeholder -> attribute name
	values map[string]int    // placeholder -> role
	// Without a filter expression: the placeholders' fresh names, and
	// the text with them.
	fresh   map[string]string
	renamed string
}

// keyConditionShape is what the key condition's text depends on: the key
// attributes and the range's operator, and whether a BeginsWith range has
// a prefix. The values go in ExpressionAttributeValues.
type keyConditionShape struct {
	keys  queryKeys
	op    backend.RangeOp
	begin bool
}

// keyConditions caches the key conditions by shape, so that the builder
// runs once per shape rather than on every query.
var keyConditions sync.Map // keyConditionShape -> *keyCondition

// keyConditionOf returns the key condition of a query of the range r, as
// the builder makes it.
func keyConditionOf(keys queryKeys, r backend.SortRange) (*keyCondition, error) {
	shape := keyConditionShape{keys: keys, op: r.Op, begin: r.Op == backend.BeginsWith && r.Lo != ""}
	if kc, ok := keyConditions.Load(shape); ok {
		return kc.(*keyCondition), nil
	}
	// Build with a value of each role that says which it is.
	roleValue := [...]string{"\x00pk", "\x00lo", "\x00hi"}
	value := func(role int) expression.ValueBuilder {
		return expression.Value(&types.AttributeValueMemberS{Value: roleValue[role]})
	}
	kc := expression.Key(keys.pk).Equal(value(0))
	switch r.Op {
	case backend.BeginsWith:
		// begins_with(SK, "") would be refused; every key begins with "".
		if shape.begin {
			kc = kc.And(expression.Key(keys.sk).BeginsWith(roleValue[1]))
		}
	case backend.Between:
		kc = kc.And(expression.Key(keys.sk).Between(value(1), value(2)))
	default:
		return nil, fmt.Errorf("%w: unknown range operator %d", backend.ErrInvalidArgument, r.Op)
	}
	e, err := expression.NewBuilder().WithKeyCondition(kc).Build()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", backend.ErrInvalidArgument, err)
	}
	t := &keyCondition{
		text:   aws.ToString(e.KeyCondition()),
		names:  e.Names(),
		values: make(map[string]int),
		fresh:  make(map[string]string),
	}
	for ph, v := range e.Values() {
		s, _ := v.(*types.AttributeValueMemberS)
		role := -1
		for i, rv := range roleValue {
			if s != nil && s.Value == rv {
				role = i
			}
		}
		if role < 0 {
			return nil, fmt.Errorf("%w: key condition value %s has no role", backend.ErrInvalidArgument, ph)
		}
		t.values[ph] = role
	}
	none := func(string) bool { return false }
	for ph := range t.names {
		t.fresh[ph] = freshPlaceholder(ph, none)
	}
	for ph := range t.values {
		t.fresh[ph] = freshPlaceholder(ph, none)
	}
	t.renamed = renamePlaceholders(t.text, t.fresh)
	kcs, _ := keyConditions.LoadOrStore(shape, t)
	return kcs.(*keyCondition), nil
}

// freshPlaceholder returns a placeholder for ph ("#0" or ":1") that taken
// does not report: ph with "k" and, if need be, more "k"s after its sigil
// ("#k0", "#kk0", ...). Builder placeholders are a sigil and digits, so the
// results for distinct ph are distinct.
func freshPlaceholder(ph string, taken func(string) bool) string {
	sigil, rest := ph[:1], ph[1:]
	for {
		rest = "k" + rest
		if c := sigil + rest; !taken(c) {
			return c
		}
	}
}

// renamePlaceholders replaces in expr every whole placeholder token (a '#'
// or ':' and the letters, digits and underscores after it) that rename
// holds. DynamoDB's expression language has no string literals, so every
// such token is a placeholder; matching whole tokens keeps "#1" from
// touching "#10".
func renamePlaceholders(expr string, rename map[string]string) string {
	var sb strings.Builder
	sb.Grow(len(expr) + 8)
	for i := 0; i < len(expr); {
		c := expr[i]
		if c != '#' && c != ':' {
			sb.WriteByte(c)
			i++
			continue
		}
		j := i + 1
		for j < len(expr) && isPlaceholderByte(expr[j]) {
			j++
		}
		tok := expr[i:j]
		if to, ok := rename[tok]; ok {
			tok = to
		}
		sb.WriteString(tok)
		i = j
	}
	return sb.String()
}

func isPlaceholderByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}
