package tenantctx

import (
	"context"
	"errors"
	"fmt"

	"github.com/tenantrepo/tenantrepo/entity"
)

var (
	// ErrNoTenant reports a context that carries no tenant.
	ErrNoTenant = errors.New("tenantctx: no tenant in context")
	// ErrInvalidTenant reports a tenant ID that breaks the key rules. It is
	// the same value as entity.ErrInvalidTenant.
	ErrInvalidTenant = entity.ErrInvalidTenant
)

// key is the unexported type of the context key, so no other package can
// read or overwrite the tenant by accident.
type key struct{}

// unowned is a key that nothing stores a value under: a context that
// answers it answers keys it was never given.
type unowned struct{}

// WithTenant returns a copy of ctx that carries tenantID. The ID is checked
// here, once: it must be non-empty, valid UTF-8, without control characters
// or '#', and short enough for DynamoDB's 2048-byte partition key. On failure
// it returns the parent context and an error wrapping ErrInvalidTenant.
func WithTenant(ctx context.Context, tenantID string) (context.Context, error) {
	if err := entity.ValidateTenantID(tenantID); err != nil {
		return ctx, fmt.Errorf("tenantctx: %w", err)
	}
	return context.WithValue(ctx, key{}, tenantID), nil
}

// MustWithTenant is like WithTenant but panics on an invalid ID. It is meant
// for tests and for tenant IDs that are constants in the program.
func MustWithTenant(ctx context.Context, tenantID string) context.Context {
	ctx, err := WithTenant(ctx, tenantID)
	if err != nil {
		panic(err)
	}
	return ctx
}

// FromContext returns the tenant ID that WithTenant put into ctx, or an error
// wrapping ErrNoTenant when there is none. It never returns an empty ID.
//
// The ID is checked again here, by the rules WithTenant applies: any
// context.Context implementation can answer the tenant key (any key) with
// a value WithTenant never saw, so a value under the key that is not a
// string, or not a valid tenant ID, is an error wrapping ErrInvalidTenant.
// A context that answers a key no code outside this package can hold (one
// whose Value answers every key) is refused with ErrInvalidTenant too,
// whatever it answers under the tenant key: it would also answer the keys
// of other code under the call, such as the AWS SDK's, with values that
// code never stored. Every repository call reads its tenant through
// FromContext, so no key is built from a tenant that was not checked.
func FromContext(ctx context.Context) (string, error) {
	id, err := lookup(ctx)
	if err != nil {
		return "", err
	}
	if err := entity.ValidateTenantID(id); err != nil {
		return "", fmt.Errorf("tenantctx: %w", err)
	}
	return id, nil
}

// Tenant returns the tenant FromContext returns, checked by the same rules,
// with its keys (see entity.Tenant): the one step from a context to the
// keys of the tenant's items, which every repository call takes. Its
// errors are FromContext's.
func Tenant(ctx context.Context) (entity.Tenant, error) {
	id, err := lookup(ctx)
	if err != nil {
		return entity.Tenant{}, err
	}
	t, err := entity.NewTenant(id)
	if err != nil {
		return entity.Tenant{}, fmt.Errorf("tenantctx: %w", err)
	}
	return t, nil
}

// lookup returns the string under the tenant key of ctx, not yet checked
// against the key rules, or FromContext's other errors.
func lookup(ctx context.Context) (string, error) {
	if ctx == nil {
		return "", fmt.Errorf("%w (nil context)", ErrNoTenant)
	}
	v := ctx.Value(key{})
	if v == nil {
		return "", ErrNoTenant
	}
	if ctx.Value(unowned{}) != nil {
		return "", fmt.Errorf("tenantctx: %w: the context answers keys it was never given (does its Value answer every key?)", ErrInvalidTenant)
	}
	id, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("tenantctx: %w: the context holds a %T under the tenant key", ErrInvalidTenant, v)
	}
	return id, nil
}
