package dynamodb

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/backend"
)

// built holds the parts of a request that an expression fills in. Absent
// parts are nil, as the SDK's request fields expect.
type built struct {
	condition    *string
	update       *string
	keyCondition *string
	names        map[string]string
	values       map[string]types.AttributeValue
}

// attrNames hands out expression names for top-level attributes. The
// expression package reads '.' in a name as a path separator and a trailing
// "[n]" as a list index, so each attribute is given a plain placeholder, and
// the real names replace the placeholders in ExpressionAttributeNames once
// the expression is built. Names travel only in ExpressionAttributeNames, so
// any attribute name is safe.
type attrNames struct {
	placeholder map[string]string // real name -> placeholder
	real        map[string]string // placeholder -> real name
}

func (a *attrNames) name(attr string) expression.NameBuilder {
	if a.placeholder == nil {
		a.placeholder = make(map[string]string)
		a.real = make(map[string]string)
	}
	p, ok := a.placeholder[attr]
	if !ok {
		// Placeholders never equal "PK", the only other name an
		// expression of this package holds.
		p = "attr" + strconv.Itoa(len(a.placeholder))
		a.placeholder[attr] = p
		a.real[p] = attr
	}
	return expression.NameNoDotSplit(p)
}

// restore puts the real attribute names in place of the placeholders in an
// expression's names.
func (a *attrNames) restore(names map[string]string) map[string]string {
	for alias, n := range names {
		if r, ok := a.real[n]; ok {
			names[alias] = r
		}
	}
	return names
}

// conditionOn returns the condition expression for c, and whether there is
// one.
func conditionOn(c backend.Condition) (expression.ConditionBuilder, bool, error) {
	switch c {
	case backend.Always:
		return expression.ConditionBuilder{}, false, nil
	case backend.IfExists:
		return expression.AttributeExists(expression.Name(pkName)), true, nil
	case backend.IfNotExists:
		return expression.AttributeNotExists(expression.Name(pkName)), true, nil
	}
	return expression.ConditionBuilder{}, false, fmt.Errorf("%w: unknown condition %d", backend.ErrInvalidArgument, c)
}

// buildExpression builds the condition expression for cond and the update
// expression that sets set and removes remove. With no condition and no
// change it returns an empty built.
func buildExpression(cond backend.Condition, set backend.Item, remove []string) (built, error) {
	condExpr, hasCond, err := conditionOn(cond)
	if err != nil {
		return built{}, err
	}
	b := expression.NewBuilder()
	if hasCond {
		b = b.WithCondition(condExpr)
	}
	var names attrNames
	if len(set) > 0 || len(remove) > 0 {
		var ub expression.UpdateBuilder
		// Sorted, so that one change always makes one expression.
		keys := make([]string, 0, len(set))
		for k := range set {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if set[k] == nil {
				return built{}, fmt.Errorf("%w: attribute %q has no value", backend.ErrInvalidArgument, k)
			}
			ub = ub.Set(names.name(k), expression.Value(set[k]))
		}
		for _, k := range remove {
			ub = ub.Remove(names.name(k))
		}
		b = b.WithUpdate(ub)
	} else if !hasCond {
		return built{}, nil
	}
	e, err := b.Build()
	if err != nil {
		return built{}, fmt.Errorf("%w: %w", backend.ErrInvalidArgument, err)
	}
	return built{
		condition: e.Condition(),
		update:    e.Update(),
		names:     names.restore(e.Names()),
		values:    e.Values(),
	}, nil
}

// buildKeyCondition builds the key condition of a query of partition pk
// over the sort keys in r.
func buildKeyCondition(pk string, r backend.SortRange) (built, error) {
	kc := expression.Key(pkName).Equal(expression.Value(&types.AttributeValueMemberS{Value: pk}))
	switch r.Op {
	case backend.BeginsWith:
		// begins_with(SK, "") would be rejected; every key begins with "".
		if r.Lo != "" {
			kc = kc.And(expression.Key(skName).BeginsWith(r.Lo))
		}
	case backend.Between:
		kc = kc.And(expression.Key(skName).Between(
			expression.Value(&types.AttributeValueMemberS{Value: r.Lo}),
			expression.Value(&types.AttributeValueMemberS{Value: r.Hi})))
	default:
		return built{}, fmt.Errorf("%w: unknown range operator %d", backend.ErrInvalidArgument, r.Op)
	}
	e, err := expression.NewBuilder().WithKeyCondition(kc).Build()
	if err != nil {
		return built{}, fmt.Errorf("%w: %w", backend.ErrInvalidArgument, err)
	}
	return built{
		keyCondition: e.KeyCondition(),
		names:        e.Names(),
		values:       e.Values(),
	}, nil
}
