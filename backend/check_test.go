package backend_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"

	"github.com/tenantrepo/tenantrepo/backend"
)

// TestCheckParts: a request refuses an expression part it has no field
// for, and takes the others.
func TestCheckParts(t *testing.T) {
	e := backend.Expressions{Condition: "c", Update: "u", Filter: "f"}
	for _, tc := range []struct {
		allowed backend.ExprParts
		e       backend.Expressions
		ok      bool
	}{
		{backend.PutParts, backend.Expressions{Condition: "c"}, true},
		{backend.PutParts, backend.Expressions{Update: "u"}, false},
		{backend.PutParts, backend.Expressions{Filter: "f"}, false},
		{backend.UpdateParts, backend.Expressions{Condition: "c", Update: "u"}, true},
		{backend.UpdateParts, e, false},
		{backend.DeleteParts, backend.Expressions{Update: "u"}, false},
		{backend.QueryParts, backend.Expressions{Filter: "f"}, true},
		{backend.QueryParts, backend.Expressions{Condition: "c"}, false},
		{0, backend.Expressions{}, true},
	} {
		err := tc.e.CheckParts(tc.allowed)
		if tc.ok {
			assert.NoError(t, err, "%+v", tc)
		} else {
			assert.ErrorIs(t, err, backend.ErrInvalidArgument, "%+v", tc)
		}
	}
}

// TestTxActionCheckExpr: each kind of action takes its parts; an update
// needs an update expression, a check a condition; other kinds are refused.
func TestTxActionCheckExpr(t *testing.T) {
	for _, tc := range []struct {
		a  backend.TxAction
		ok bool
	}{
		{backend.TxAction{Kind: backend.TxPut}, true},
		{backend.TxAction{Kind: backend.TxPut, Expr: backend.Expressions{Condition: "c"}}, true},
		{backend.TxAction{Kind: backend.TxPut, Expr: backend.Expressions{Update: "u"}}, false},
		{backend.TxAction{Kind: backend.TxUpdate}, false},
		{backend.TxAction{Kind: backend.TxUpdate, Expr: backend.Expressions{Update: "u", Condition: "c"}}, true},
		{backend.TxAction{Kind: backend.TxUpdate, Expr: backend.Expressions{Update: "u", Filter: "f"}}, false},
		{backend.TxAction{Kind: backend.TxDelete}, true},
		{backend.TxAction{Kind: backend.TxDelete, Expr: backend.Expressions{Filter: "f"}}, false},
		{backend.TxAction{Kind: backend.TxCheck}, false},
		{backend.TxAction{Kind: backend.TxCheck, Expr: backend.Expressions{Condition: "c"}}, true},
		{backend.TxAction{Kind: backend.TxCheck, Expr: backend.Expressions{Condition: "c", Update: "u"}}, false},
		{backend.TxAction{Kind: 9}, false},
	} {
		err := tc.a.CheckExpr()
		if tc.ok {
			assert.NoError(t, err, "%+v", tc.a)
		} else {
			assert.ErrorIs(t, err, backend.ErrInvalidArgument, "%+v", tc.a)
		}
	}
}

// TestKeyCheckAndItem: keys DynamoDB refuses are refused; a key's item
// holds just PK and SK, and KeyOf reads them back.
func TestKeyCheckAndItem(t *testing.T) {
	assert.NoError(t, backend.Key{PK: "tenant#a", SK: "user#1"}.Check())
	for _, k := range []backend.Key{
		{PK: "", SK: "user#1"}, {PK: "tenant#a", SK: ""},
		{PK: strings.Repeat("p", 2049), SK: "user#1"}, {PK: "tenant#a", SK: strings.Repeat("s", 1025)},
		{PK: "tenant#\xff", SK: "user#1"}, {PK: "tenant#a", SK: "user#\xff"},
	} {
		assert.ErrorIs(t, k.Check(), backend.ErrInvalidArgument, "%q", k)
	}
	k := backend.Key{PK: "tenant#a", SK: "user#1"}
	it := k.Item()
	assert.Equal(t, backend.Item{"PK": &types.AttributeValueMemberS{Value: "tenant#a"}, "SK": &types.AttributeValueMemberS{Value: "user#1"}}, it)
	got, ok := backend.KeyOf(it)
	assert.True(t, ok)
	assert.Equal(t, k, got)
	_, ok = backend.KeyOf(backend.Item{"PK": &types.AttributeValueMemberN{Value: "1"}, "SK": &types.AttributeValueMemberS{Value: "x"}})
	assert.False(t, ok)
}
