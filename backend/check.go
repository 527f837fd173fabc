package backend

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/entity"
)

// The checks of a request that do not depend on the store, which every
// backend makes before it reads or writes anything, so that backends refuse
// the same requests: the expression parts a request may carry, the actions
// of a transaction, and keys. Their errors wrap ErrInvalidArgument.

// ExprParts names parts of Expressions: the ones a request may carry.
type ExprParts uint8

// The parts.
const (
	ExprCondition ExprParts = 1 << iota
	ExprUpdate
	ExprFilter
)

// CheckParts reports an expression of e that is not among the parts
// allowed: a request has no field for it (DynamoDB's PutItem takes no
// update or filter expression, say), so no backend takes it.
func (e Expressions) CheckParts(allowed ExprParts) error {
	for _, p := range [...]struct {
		part ExprParts
		name string
		expr string
	}{
		{ExprCondition, "condition", e.Condition},
		{ExprUpdate, "update", e.Update},
		{ExprFilter, "filter", e.Filter},
	} {
		if p.expr != "" && allowed&p.part == 0 {
			return fmt.Errorf("%w: this request takes no %s expression", ErrInvalidArgument, p.name)
		}
	}
	return nil
}

// The parts of expressions each request may carry.
const (
	// PutParts are the parts a PutInput may carry.
	PutParts = ExprCondition
	// UpdateParts are the parts an UpdateInput may carry.
	UpdateParts = ExprCondition | ExprUpdate
	// DeleteParts are the parts a DeleteInput may carry.
	DeleteParts = ExprCondition
	// QueryParts are the parts a QueryInput may carry.
	QueryParts = ExprFilter
)

// CheckExpr reports what is wrong with the action's kind and expressions:
// an unknown kind, an expression part its kind has no field for (only
// TxUpdate takes an update; none takes a filter), a TxUpdate without an
// update expression, a TxCheck without a condition.
func (a TxAction) CheckExpr() error {
	switch a.Kind {
	case TxPut, TxDelete:
		return a.Expr.CheckParts(ExprCondition)
	case TxUpdate:
		if a.Expr.Update == "" {
			return fmt.Errorf("%w: an update action needs an update expression", ErrInvalidArgument)
		}
		return a.Expr.CheckParts(ExprCondition | ExprUpdate)
	case TxCheck:
		if a.Expr.Condition == "" {
			return fmt.Errorf("%w: a check action needs a condition expression", ErrInvalidArgument)
		}
		return a.Expr.CheckParts(ExprCondition)
	}
	return fmt.Errorf("%w: unknown action kind %d", ErrInvalidArgument, a.Kind)
}

// Check reports a table key DynamoDB refuses, or the backends refuse before
// sending: an empty PK or SK, one over entity.MaxPartitionKeyBytes or
// entity.MaxSortKeyBytes, or one that is not valid UTF-8 (see CheckSendable).
func (k Key) Check() error {
	switch {
	case k.PK == "" || k.SK == "":
		return fmt.Errorf("%w: empty key attribute", ErrInvalidArgument)
	case len(k.PK) > entity.MaxPartitionKeyBytes:
		return fmt.Errorf("%w: partition key of %d bytes exceeds %d", ErrInvalidArgument, len(k.PK), entity.MaxPartitionKeyBytes)
	case len(k.SK) > entity.MaxSortKeyBytes:
		return fmt.Errorf("%w: sort key of %d bytes exceeds %d", ErrInvalidArgument, len(k.SK), entity.MaxSortKeyBytes)
	}
	return k.CheckSendable()
}

// Item returns the item of just the table key k: its PK and SK attributes.
func (k Key) Item() Item {
	return Item{
		entity.PartitionKeyName: &types.AttributeValueMemberS{Value: k.PK},
		entity.SortKeyName:      &types.AttributeValueMemberS{Value: k.SK},
	}
}

// KeyOf returns the table key of item, the values of its PK and SK
// attributes; ok is false unless both are strings.
func KeyOf(item Item) (k Key, ok bool) {
	pk, ok1 := item[entity.PartitionKeyName].(*types.AttributeValueMemberS)
	sk, ok2 := item[entity.SortKeyName].(*types.AttributeValueMemberS)
	if ok1 {
		k.PK = pk.Value
	}
	if ok2 {
		k.SK = sk.Value
	}
	return k, ok1 && ok2
}
