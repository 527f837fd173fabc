package tenantctx

import (
	"context"
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"
)

var (
	// ErrNoOperator reports a context that does not carry the operator
	// marker an operator-scoped call needs (see AsOperator).
	ErrNoOperator = errors.New("tenantctx: no operator marker in context")
	// ErrInvalidOperator reports an operator marker that cannot be given or
	// trusted: an empty or unprintable reason, a context that also carries
	// a tenant, or a context that answers keys it was never given.
	ErrInvalidOperator = errors.New("tenantctx: invalid operator marker")
)

// operatorKey is the unexported type of the operator marker's key.
type operatorKey struct{}

// operatorMark is the value stored under operatorKey: only AsOperator makes
// one, so no other package can forge it with context.WithValue.
type operatorMark struct{ reason string }

// MaxOperatorReasonBytes is the longest reason AsOperator takes.
const MaxOperatorReasonBytes = 256

// AsOperator returns a copy of ctx marked as acting for the operator of a
// table, across tenants, for the stated reason (kept for audit logs and
// returned by Operator). Operator-scoped calls, such as ops.Tenants and
// ops.ReindexAll, require the marker; calls scoped to one tenant ignore it
// and read the tenant as always.
//
// The marker cannot be made by accident: it takes this call, with a
// non-empty reason of printable UTF-8 of at most MaxOperatorReasonBytes
// bytes, and it is refused for a context that carries a tenant, so code
// that serves a tenant's request cannot become an operator by passing its
// context on. The errors wrap ErrInvalidOperator.
func AsOperator(ctx context.Context, reason string) (context.Context, error) {
	if ctx == nil {
		return nil, fmt.Errorf("%w: nil context", ErrInvalidOperator)
	}
	if err := checkReason(reason); err != nil {
		return ctx, err
	}
	if ctx.Value(key{}) != nil {
		return ctx, fmt.Errorf("%w: the context carries a tenant; an operator acts for no tenant", ErrInvalidOperator)
	}
	if ctx.Value(unowned{}) != nil {
		return ctx, fmt.Errorf("%w: the context answers keys it was never given", ErrInvalidOperator)
	}
	return context.WithValue(ctx, operatorKey{}, operatorMark{reason: reason}), nil
}

func checkReason(reason string) error {
	switch {
	case reason == "":
		return fmt.Errorf("%w: empty reason", ErrInvalidOperator)
	case len(reason) > MaxOperatorReasonBytes:
		return fmt.Errorf("%w: reason over %d bytes", ErrInvalidOperator, MaxOperatorReasonBytes)
	case !utf8.ValidString(reason):
		return fmt.Errorf("%w: reason is not valid UTF-8", ErrInvalidOperator)
	}
	for _, r := range reason {
		if !unicode.IsPrint(r) {
			return fmt.Errorf("%w: reason holds the unprintable %U", ErrInvalidOperator, r)
		}
	}
	return nil
}

// Operator returns the reason AsOperator marked ctx with. It returns an
// error wrapping ErrNoOperator when ctx carries no marker, and one wrapping
// ErrInvalidOperator when the marker cannot be trusted: ctx also carries a
// tenant (WithTenant was applied after AsOperator), or ctx answers keys it
// was never given (a Value that answers every key).
func Operator(ctx context.Context) (string, error) {
	if ctx == nil {
		return "", fmt.Errorf("%w (nil context)", ErrNoOperator)
	}
	v := ctx.Value(operatorKey{})
	if v == nil {
		return "", ErrNoOperator
	}
	if ctx.Value(unowned{}) != nil {
		return "", fmt.Errorf("%w: the context answers keys it was never given", ErrInvalidOperator)
	}
	m, ok := v.(operatorMark)
	if !ok {
		return "", fmt.Errorf("%w: the context holds a %T under the operator key", ErrInvalidOperator, v)
	}
	if ctx.Value(key{}) != nil {
		return "", fmt.Errorf("%w: the context carries a tenant too", ErrInvalidOperator)
	}
	if err := checkReason(m.reason); err != nil {
		return "", err
	}
	return m.reason, nil
}
