package repo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// The kinds of error a Repository returns. Every error wraps exactly one of
// them (or a context error), so callers test with errors.Is and never read
// messages; ErrMissingIndex and ErrUnknownIndex are kinds of
// ErrInvalidArgument, which
// errors.Is finds too, and ErrApplied comes with ErrDecode, never alone. No
// call that returns an error has changed anything stored, except one whose
// error wraps ErrApplied.
var (
	// ErrNotFound reports that the tenant has no entity of the type with
	// the ID (Get, Update).
	ErrNotFound = errors.New("repo: entity not found")
	// ErrAlreadyExists reports that Create found an entity with the ID.
	ErrAlreadyExists = errors.New("repo: entity already exists")
	// ErrNoTenant reports a context without a tenant; see package
	// tenantctx. It is the same value as tenantctx.ErrNoTenant.
	ErrNoTenant = tenantctx.ErrNoTenant
	// ErrInvalidTenant reports a tenant ID that breaks the key rules. It is
	// the same value as tenantctx.ErrInvalidTenant and
	// entity.ErrInvalidTenant.
	ErrInvalidTenant = entity.ErrInvalidTenant
	// ErrInvalidID reports an entity ID that breaks the key rules, or an
	// empty ID where one is needed. It is the same value as
	// entity.ErrInvalidID.
	ErrInvalidID = entity.ErrInvalidID
	// ErrInvalidCursor reports a cursor that this repository did not make
	// for this tenant and entity type, was changed, or does not fit the
	// query it was given to.
	ErrInvalidCursor = errors.New("repo: invalid cursor")
	// ErrItemTooLarge reports an entity whose item would be over DynamoDB's
	// 400 KB limit (backend.MaxItemBytes).
	ErrItemTooLarge = errors.New("repo: item too large")
	// ErrInvalidArgument reports any other input the repository refuses: a
	// page size out of range, an unknown attribute name, a value DynamoDB
	// cannot store, an entity type that cannot be used.
	ErrInvalidArgument = errors.New("repo: invalid argument")
	// ErrMissingIndex reports an entity type with an index (see
	// entity.Indexed) in a slot the table does not have: New returns it
	// when the backend knows which slots the table has, and an index's
	// Query or All at the first query of the index otherwise. The message
	// names the index (GSI<n>) and how to add it. It is a kind of
	// ErrInvalidArgument: errors.Is(err, ErrInvalidArgument) holds too.
	ErrMissingIndex error = &subKind{"repo: the table lacks a secondary index", ErrInvalidArgument}
	// ErrUnknownIndex reports a query through Repository.Index of a name
	// that none of the entity type's indexes (entity.Indexed) has. It is a
	// kind of ErrInvalidArgument: errors.Is(err, ErrInvalidArgument) holds
	// too.
	ErrUnknownIndex error = &subKind{"repo: the entity type has no index of that name", ErrInvalidArgument}
	// ErrDuplicatePrefix reports a second entity type using a sort-key
	// prefix that another type already uses in the same store.
	ErrDuplicatePrefix = errors.New("repo: sort-key prefix used by another entity type")
	// ErrDecode reports a stored item that does not decode into the entity
	// type, such as a string where the type has a number.
	ErrDecode = errors.New("repo: stored item does not decode")
	// ErrApplied comes with ErrDecode in the error of a write (Create,
	// Put, Update, UpdateExpr) that was applied and stored, after which
	// the stored item did not decode into the entity type: an UpdateExpr
	// whose effect depends on the stored item (SET a = b, copying an
	// attribute of another type; arithmetic or ADD past the range of an
	// integer field) can do it; values written as given are checked
	// before the write (see UpdateExpr). The entity stays as stored, and reads of it fail
	// with ErrDecode, until it is mended: Put the whole entity, or
	// UpdateExpr its attributes to values of their fields' types.
	ErrApplied = errors.New("repo: the write was applied and stored")
	// ErrThrottled reports a request the store kept refusing for load after
	// the client's retries, or that a limiter (package limit) refused
	// because the tenant was over its limits. The error holds the
	// *backend.ThrottledError saying why (errors.As finds it); RetryAfter
	// reads how long to wait.
	ErrThrottled = errors.New("repo: throttled")
	// ErrConflict reports a write or delete of a versioned entity made from
	// a copy whose version is no longer the stored one, a transaction that
	// collided with another, or a single-entity write or delete that
	// DynamoDB refused because a transaction was changing the item at the
	// time (a transaction conflict, which the SDK does not retry; see
	// backend/dynamodb/errors.go).
	// Read the entity again and retry.
	ErrConflict = errors.New("repo: version conflict")
	// ErrConditionFailed reports a write whose WithCondition condition did
	// not hold.
	ErrConditionFailed = errors.New("repo: condition failed")
	// ErrTxCanceled reports a transaction that changed nothing; the error is
	// a *TxError saying which action failed and why.
	ErrTxCanceled = errors.New("repo: transaction canceled")
	// ErrUnsupported reports an expression the backend cannot carry out,
	// such as a function the memory backend does not evaluate.
	ErrUnsupported = errors.New("repo: not supported by the backend")
)

// subKind is a kind of error that is also a kind of a broader one, so
// errors.Is finds both.
type subKind struct {
	msg    string
	parent error
}

func (k *subKind) Error() string { return k.msg }
func (k *subKind) Unwrap() error { return k.parent }

// opName says what a call was doing, for its errors: `get user "42"`. Calls
// make one on every call, and it is formatted only when an error is.
type opName struct {
	text             string // the whole name, when set
	verb, prefix, id string // `verb prefix "id"`, or `verb prefix` when id is ""
	// A query: `query prefix (cond)`, or with an index
	// `query prefix index "index" partition "partition" (cond)`.
	query            bool
	index, partition string
	cond             KeyCondition
}

// opText returns the opName whose text is s.
func opText(s string) opName { return opName{text: s} }

func (o opName) String() string {
	switch {
	case o.text != "":
		return o.text
	case o.query && o.index != "":
		return fmt.Sprintf("query %s index %q partition %q (%s)", o.prefix, o.index, o.partition, o.cond.describe("sort value"))
	case o.query:
		return "query " + o.prefix + " (" + o.cond.describe("ID") + ")"
	case o.id == "":
		return o.verb + " " + o.prefix
	}
	return fmt.Sprintf("%s %s %q", o.verb, o.prefix, o.id)
}

// opError is the error every method returns: what was being done, the kind,
// and the cause.
type opError struct {
	op   opName // e.g. `get user "42"`
	kind error  // a sentinel above, or nil for context and unknown errors
	err  error  // the cause, or nil
}

func (e *opError) Error() string {
	var b strings.Builder
	b.WriteString("repo: ")
	b.WriteString(e.op.String())
	if e.kind != nil {
		b.WriteString(": ")
		b.WriteString(strings.TrimPrefix(e.kind.Error(), "repo: "))
	}
	if e.err != nil {
		b.WriteString(": ")
		b.WriteString(e.err.Error())
	}
	return b.String()
}

func (e *opError) Unwrap() []error {
	if e.kind == nil {
		return []error{e.err}
	}
	if e.err == nil {
		return []error{e.kind}
	}
	return []error{e.kind, e.err}
}

// RetryAfter returns how long to wait before retrying the call whose error
// is err, when err is a throttle (ErrThrottled) that says: a limiter's
// refusal of a tenant over its limits does (package limit). It returns
// false for other errors and for throttles that do not say; then back off
// as for any throttle.
func RetryAfter(err error) (time.Duration, bool) {
	var te *backend.ThrottledError
	if errors.As(err, &te) && te != nil && te.RetryAfter > 0 {
		return te.RetryAfter, true
	}
	return 0, false
}

// fail wraps err for op with kind.
func fail(op opName, kind, err error) error {
	return &opError{op: op, kind: kind, err: err}
}

// failBackend maps an error from a backend to the repository's kinds.
// (Failed conditions of writes are read more closely by the write's plan.)
func failBackend(op opName, err error) error {
	if backend.KindOf(err) == backend.KindNotFound {
		return fail(op, ErrNotFound, nil) // an expected outcome: no cause to show
	}
	return fail(op, kindOf(err), err)
}

// kinds maps each kind of backend error to the repository's, one for one:
// the backend has classified the error, and the repository only renames
// the kind. KindNone and KindUnknown have none.
var kinds = [backend.NumErrorKinds]error{
	backend.KindNotFound:        ErrNotFound,
	backend.KindConditionFailed: ErrConditionFailed,
	backend.KindItemTooLarge:    ErrItemTooLarge,
	backend.KindInvalidArgument: ErrInvalidArgument,
	backend.KindMissingIndex:    ErrMissingIndex,
	backend.KindInvalidStartKey: ErrInvalidCursor,
	backend.KindConflict:        ErrConflict,
	backend.KindThrottled:       ErrThrottled,
	backend.KindTxCanceled:      ErrTxCanceled,
	backend.KindUnsupported:     ErrUnsupported,
	backend.KindDuplicatePrefix: ErrDuplicatePrefix,
}

// repoKind returns the repository's kind of a backend error kind, or nil.
func repoKind(k backend.ErrorKind) error {
	if k < backend.NumErrorKinds {
		return kinds[k]
	}
	return nil
}

// kindOf returns the repository's kind of a backend error, or nil for
// context errors and errors of no known kind.
func kindOf(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return nil
	}
	return repoKind(backend.KindOf(err))
}
