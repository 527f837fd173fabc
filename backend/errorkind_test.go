package backend_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tenantrepo/tenantrepo/backend"
)

// TestErrorKinds: every error of a kind, wrapped as backends wrap it,
// reports its kind, and each kind's Err is its error.
func TestErrorKinds(t *testing.T) {
	for _, tc := range []struct {
		err  error
		kind backend.ErrorKind
	}{
		{backend.ErrNotFound, backend.KindNotFound},
		{backend.ErrConditionFailed, backend.KindConditionFailed},
		{backend.ErrItemTooLarge, backend.KindItemTooLarge},
		{backend.ErrInvalidArgument, backend.KindInvalidArgument},
		{backend.ErrMissingIndex, backend.KindMissingIndex},
		{backend.ErrInvalidStartKey, backend.KindInvalidStartKey},
		{backend.ErrConflict, backend.KindConflict},
		{backend.ErrThrottled, backend.KindThrottled},
		{backend.ErrTxCanceled, backend.KindTxCanceled},
		{backend.ErrUnsupported, backend.KindUnsupported},
		{backend.ErrDuplicatePrefix, backend.KindDuplicatePrefix},
		{&backend.ConditionFailedError{}, backend.KindConditionFailed},
		{&backend.TxCanceledError{}, backend.KindTxCanceled},
	} {
		wrapped := fmt.Errorf("memory: get: %w: details", tc.err)
		assert.Equal(t, tc.kind, backend.KindOf(tc.err), "%v", tc.err)
		assert.Equal(t, tc.kind, backend.KindOf(wrapped), "%v", wrapped)
		assert.Equal(t, tc.kind, backend.KindOf(fmt.Errorf("op: %w: %w", tc.err, errors.New("cause"))))
		assert.ErrorIs(t, wrapped, tc.kind.Err())
		assert.NotEqual(t, "", tc.kind.String())
	}
	assert.Equal(t, backend.KindNone, backend.KindOf(nil))
	assert.Equal(t, backend.KindUnknown, backend.KindOf(errors.New("x")))
	assert.Equal(t, backend.KindUnknown, backend.KindOf(context.Canceled))
	assert.ErrorIs(t, backend.ErrMissingIndex, backend.ErrInvalidArgument, "a missing index is an invalid argument")
	for k := backend.KindNotFound; k < backend.NumErrorKinds; k++ {
		assert.NotNil(t, k.Err(), "kind %v has an error", k)
		assert.Equal(t, k, backend.KindOf(k.Err()))
	}
	assert.Nil(t, backend.KindNone.Err())
	assert.Nil(t, backend.KindUnknown.Err())
	assert.Nil(t, backend.NumErrorKinds.Err())
}

// TestTxCanceledErrorNamesFailedActions: the message lists the actions
// whose reason has a kind, by code, or by kind when the backend gave none.
func TestTxCanceledErrorNamesFailedActions(t *testing.T) {
	err := &backend.TxCanceledError{Reasons: []backend.TxReason{
		{Kind: backend.KindNone, Code: "None"},
		{Kind: backend.KindConditionFailed, Code: "StoreCodeA"},
		{Kind: backend.KindConflict},
	}}
	assert.Equal(t, "backend: transaction canceled: action 1: StoreCodeA, action 2: conflict", err.Error())
}
