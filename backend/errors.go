package backend

import (
	"errors"
	"fmt"
)

// ErrorKind is the kind of a backend's error, one of a closed set. The
// repository passes each kind on as one error kind of its own (package
// repo), one for one, without reading messages or the store's own codes:
// a backend maps its store's errors to these kinds, and nothing above it
// classifies them again. KindOf returns the kind of an error.
type ErrorKind uint8

// The kinds. KindNone is no error (the reason of a transaction's action
// that was fine); KindUnknown an error of no kind below.
const (
	KindNone ErrorKind = iota
	KindUnknown
	KindNotFound
	KindConditionFailed
	KindItemTooLarge
	KindInvalidArgument
	KindMissingIndex
	KindInvalidStartKey
	KindConflict
	KindThrottled
	KindTxCanceled
	KindUnsupported
	KindDuplicatePrefix
	// NumErrorKinds is the number of kinds: every kind is below it.
	NumErrorKinds
)

var kindNames = [NumErrorKinds]string{
	KindNone:            "none",
	KindUnknown:         "unknown",
	KindNotFound:        "not found",
	KindConditionFailed: "condition failed",
	KindItemTooLarge:    "item too large",
	KindInvalidArgument: "invalid argument",
	KindMissingIndex:    "missing index",
	KindInvalidStartKey: "invalid start key",
	KindConflict:        "conflict",
	KindThrottled:       "throttled",
	KindTxCanceled:      "transaction canceled",
	KindUnsupported:     "unsupported",
	KindDuplicatePrefix: "duplicate prefix",
}

func (k ErrorKind) String() string {
	if k < NumErrorKinds {
		return kindNames[k]
	}
	return fmt.Sprintf("ErrorKind(%d)", uint8(k))
}

// Err returns the error of kind k declared in this package (ErrNotFound
// for KindNotFound, ...), or nil for KindNone, KindUnknown and values
// outside the set.
func (k ErrorKind) Err() error {
	for _, e := range kindErrors {
		if e.kind == k {
			return e
		}
	}
	return nil
}

// KindOf returns the kind of err: that of the first error in err's tree
// (as errors.As walks it) with a method ErrorKind() ErrorKind, as every
// error of a kind declared in this package, *ConditionFailedError and
// *TxCanceledError have. It is KindNone for a nil err and KindUnknown for
// an error of no kind, such as a context's error.
func KindOf(err error) ErrorKind {
	if err == nil {
		return KindNone
	}
	var k interface{ ErrorKind() ErrorKind }
	if errors.As(err, &k) {
		return k.ErrorKind()
	}
	return KindUnknown
}

// kindError is an error of one kind. parent, when set, is a broader kind
// that errors.Is finds too.
type kindError struct {
	kind   ErrorKind
	msg    string
	parent error
}

func (e *kindError) Error() string        { return e.msg }
func (e *kindError) Unwrap() error        { return e.parent }
func (e *kindError) ErrorKind() ErrorKind { return e.kind }

// The errors of each kind. Backends wrap them with what failed; the
// repository passes their kind on (see ErrorKind).
var (
	// ErrNotFound reports that no item has the key.
	ErrNotFound error = &kindError{kind: KindNotFound, msg: "backend: item not found"}
	// ErrConditionFailed reports a write whose condition did not hold.
	ErrConditionFailed error = &kindError{kind: KindConditionFailed, msg: "backend: condition failed"}
	// ErrItemTooLarge reports an item over MaxItemBytes.
	ErrItemTooLarge error = &kindError{kind: KindItemTooLarge, msg: "backend: item too large"}
	// ErrInvalidArgument reports a request the store rejects as invalid
	// (DynamoDB's ValidationException).
	ErrInvalidArgument error = &kindError{kind: KindInvalidArgument, msg: "backend: invalid argument"}
	// ErrMissingIndex reports a query of a secondary index the table does
	// not have. It wraps ErrInvalidArgument, as DynamoDB refuses such a
	// query with a ValidationException.
	ErrMissingIndex error = &kindError{kind: KindMissingIndex, msg: "backend: the table does not have the index: backend: invalid argument", parent: ErrInvalidArgument}
	// ErrConflict reports a single-item write or delete that the store
	// refused because a transaction was changing the item at the time
	// (DynamoDB's transaction conflict error), or, as the kind of a
	// transaction's action, a transaction that collided with another. The
	// SDK does not retry it; reading the item again and retrying once the
	// transaction is over is the remedy.
	ErrConflict error = &kindError{kind: KindConflict, msg: "backend: item is being changed by a transaction"}
	// ErrInvalidStartKey reports a query start key the store rejects.
	ErrInvalidStartKey error = &kindError{kind: KindInvalidStartKey, msg: "backend: invalid start key"}
	// ErrThrottled reports a request the store kept refusing for load after
	// every retry.
	ErrThrottled error = &kindError{kind: KindThrottled, msg: "backend: throttled"}
	// ErrTxCanceled reports a transaction that changed nothing; the error is
	// a *TxCanceledError with the reasons.
	ErrTxCanceled error = &kindError{kind: KindTxCanceled, msg: "backend: transaction canceled"}
	// ErrUnsupported reports an expression or request a backend cannot
	// carry out, such as an expression function the memory backend does not
	// evaluate. It never stands for a wrong answer.
	ErrUnsupported error = &kindError{kind: KindUnsupported, msg: "backend: not supported by this backend"}
	// ErrDuplicatePrefix reports two entity types with one sort-key prefix
	// in one store.
	ErrDuplicatePrefix error = &kindError{kind: KindDuplicatePrefix, msg: "backend: sort-key prefix already registered"}
)

// kindErrors are the errors above, for ErrorKind.Err.
var kindErrors = [...]*kindError{
	ErrNotFound.(*kindError), ErrConditionFailed.(*kindError), ErrItemTooLarge.(*kindError),
	ErrInvalidArgument.(*kindError), ErrMissingIndex.(*kindError), ErrConflict.(*kindError),
	ErrInvalidStartKey.(*kindError), ErrThrottled.(*kindError), ErrTxCanceled.(*kindError),
	ErrUnsupported.(*kindError), ErrDuplicatePrefix.(*kindError),
}
