package backend

import (
	"errors"
	"fmt"
)

// The kinds of error a backend reports. Backends wrap them with what failed;
// the repository maps them to its own errors.
var (
	// ErrNotFound reports that no item has the key.
	ErrNotFound = errors.New("backend: item not found")
	// ErrConditionFailed reports a write whose condition did not hold.
	ErrConditionFailed = errors.New("backend: condition failed")
	// ErrItemTooLarge reports an item over MaxItemBytes.
	ErrItemTooLarge = errors.New("backend: item too large")
	// ErrInvalidArgument reports a request the store rejects as invalid
	// (DynamoDB's ValidationException).
	ErrInvalidArgument = errors.New("backend: invalid argument")
	// ErrMissingIndex reports a query of a secondary index the table does
	// not have. It wraps ErrInvalidArgument, as DynamoDB refuses such a
	// query with a ValidationException.
	ErrMissingIndex = fmt.Errorf("backend: the table does not have the index: %w", ErrInvalidArgument)
	// ErrConflict reports a single-item write or delete that DynamoDB
	// refused because a transaction was changing the item at the time
	// (TransactionConflictException). The SDK does not retry it; reading
	// the item again and retrying once the transaction is over is the
	// remedy.
	ErrConflict = errors.New("backend: item is being changed by a transaction")
	// ErrInvalidStartKey reports a query start key the store rejects.
	ErrInvalidStartKey = errors.New("backend: invalid start key")
	// ErrThrottled reports a request the store kept refusing for load after
	// every retry.
	ErrThrottled = errors.New("backend: throttled")
	// ErrTxCanceled reports a transaction that changed nothing; the error is
	// a *TxCanceledError with the reasons.
	ErrTxCanceled = errors.New("backend: transaction canceled")
	// ErrUnsupported reports an expression or request a backend cannot
	// carry out, such as an expression function the memory backend does not
	// evaluate. It never stands for a wrong answer.
	ErrUnsupported = errors.New("backend: not supported by this backend")
	// ErrDuplicatePrefix reports two entity types with one sort-key prefix
	// in one store.
	ErrDuplicatePrefix = errors.New("backend: sort-key prefix already registered")
)
