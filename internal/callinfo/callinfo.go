// Package callinfo holds what the observers of package tenantotel and
// package tenantslog say alike about a repository call: the name of its
// error's kind and how serious the error is. It imports no telemetry
// library, so each observer package stays independent of the other's.
package callinfo

import (
	"context"
	"errors"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/repo"
)

// Other is the kind name of an error that is none of the repository's
// kinds nor a context error: OpenTelemetry's fallback value of error.type.
const Other = "_OTHER"

// kindNames names each of the repository's kinds. Sub-kinds come before
// their parents, and ErrApplied before ErrDecode, which comes with it:
// KindName takes the first that an error is.
var kindNames = []struct {
	kind error
	name string
}{
	{repo.ErrNotFound, "not_found"},
	{repo.ErrAlreadyExists, "already_exists"},
	{repo.ErrConditionFailed, "condition_failed"},
	{repo.ErrConflict, "conflict"},
	{repo.ErrTxCanceled, "tx_canceled"},
	{repo.ErrThrottled, "throttled"},
	{repo.ErrNoTenant, "no_tenant"},
	{repo.ErrInvalidTenant, "invalid_tenant"},
	{repo.ErrInvalidID, "invalid_id"},
	{repo.ErrInvalidCursor, "invalid_cursor"},
	{repo.ErrItemTooLarge, "item_too_large"},
	{repo.ErrMissingIndex, "missing_index"},
	{repo.ErrUnknownIndex, "unknown_index"},
	{repo.ErrInvalidArgument, "invalid_argument"},
	{repo.ErrDuplicatePrefix, "duplicate_prefix"},
	{repo.ErrApplied, "applied"},
	{repo.ErrDecode, "decode"},
	{repo.ErrUnsupported, "unsupported"},
	{context.Canceled, "canceled"},
	{context.DeadlineExceeded, "deadline_exceeded"},
}

// KindName returns the name of the kind of the call's error: "" when the
// call succeeded, one of the names above for the repository's kinds and
// the context's errors, Other for anything else. The call's Kind decides
// when it is set (a write that was applied but did not decode is
// "applied"); otherwise its Err is matched with errors.Is.
func KindName(c *repo.Call) string {
	if c.Err == nil && c.Kind == nil {
		return ""
	}
	if c.Kind != nil && c.Kind != repo.ErrDecode {
		for _, k := range kindNames {
			if k.kind == c.Kind {
				return k.name
			}
		}
	}
	for _, k := range kindNames {
		if errors.Is(c.Err, k.kind) {
			return k.name
		}
	}
	if c.Kind == repo.ErrDecode {
		return "decode"
	}
	return Other
}

// Class says how serious a call's outcome is.
type Class uint8

// The classes, from the least serious.
const (
	// OK is a call that succeeded.
	OK Class = iota
	// Expected is an error that is an answer, not a failure: a Get of an
	// entity that does not exist (ErrNotFound).
	Expected
	// Notable is a call refused for its input, its conditions or the load,
	// with nothing wrong in the program, the table or the data: a
	// condition that did not hold, a version conflict, a canceled
	// transaction, an entity that already exists or is not there to
	// update, a throttle, invalid input, a canceled context.
	Notable
	// Failure is anything else: an error that says something is wrong
	// with the program (no tenant in the context, a duplicate prefix), the
	// table (a missing index), the stored data (it does not decode), the
	// backend (an unsupported expression), or an error of no known kind.
	Failure
)

// Classify returns the class of a call whose kind is named kind (see
// KindName).
func Classify(op repo.Op, kind string) Class {
	switch kind {
	case "":
		return OK
	case "not_found":
		if op == repo.OpGet {
			return Expected
		}
		return Notable
	case "already_exists", "condition_failed", "conflict", "tx_canceled", "throttled",
		"invalid_tenant", "invalid_id", "invalid_cursor", "item_too_large", "invalid_argument", "unknown_index",
		"canceled", "deadline_exceeded":
		return Notable
	}
	return Failure
}

// ThrottleReason returns the reason of the throttle the call's error
// reports ("key range", "tenant limit", ...), and false when its error is
// not a backend.ThrottledError.
func ThrottleReason(c *repo.Call) (string, bool) {
	var te *backend.ThrottledError
	if c.Err == nil || !errors.As(c.Err, &te) {
		return "", false
	}
	if te == nil { // a custom backend's typed nil: no reason said
		return backend.ThrottleUnknown.String(), true
	}
	return te.Reason.String(), true
}
