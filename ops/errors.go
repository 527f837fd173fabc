package ops

import (
	"errors"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// The errors of package ops. Each operation's error wraps one of these, or
// the backend's error as it came (use backend.KindOf or errors.Is with the
// errors of package backend, such as backend.ErrThrottled), or the
// context's error, or tenantctx.ErrNoTenant / ErrInvalidTenant.
var (
	// ErrInvalidArgument reports options or input an operation cannot
	// use: a nil backend, a pace below zero, a type spec that breaks the
	// layout's rules.
	ErrInvalidArgument = errors.New("ops: invalid argument")
	// ErrInvalidCheckpoint reports a checkpoint that is not one, or is
	// one of another operation or another tenant. Nothing was done.
	ErrInvalidCheckpoint = errors.New("ops: invalid checkpoint")
	// ErrBadExport reports an export file that is not one: a line that is
	// not an item in DynamoDB JSON, an item without string keys, or data
	// that does not match its manifest. An import that reports it has
	// written nothing, unless the data changed between its checking pass
	// and its writing pass (see Import): ImportResult.Written then says
	// exactly what it wrote.
	ErrBadExport = errors.New("ops: bad export data")
	// ErrForeignItem reports an item of another tenant in an export being
	// imported (a partition key, or an index partition key, of a tenant
	// other than the export's). An import that reports it has written
	// nothing, unless the data changed between its checking pass and its
	// writing pass (see Import): ImportResult.Written then says exactly
	// what it wrote, and the item of another tenant is never written.
	ErrForeignItem = errors.New("ops: item of another tenant")
	// ErrNotEmpty reports a purge whose final check found items left in
	// the tenant's partition (written while it ran).
	ErrNotEmpty = errors.New("ops: tenant partition not empty after purge")
	// ErrVerify reports a copy whose destination does not hold what the
	// source held: the counts or the checksums differ.
	ErrVerify = errors.New("ops: verification failed")
	// ErrUnsupported reports an operation the backend cannot do: the
	// operator-scoped operations need a backend.Scanner.
	ErrUnsupported = backend.ErrUnsupported
	// ErrNoOperator is tenantctx.ErrNoOperator: an operator-scoped
	// operation was given a context without the operator marker.
	ErrNoOperator = tenantctx.ErrNoOperator
)
