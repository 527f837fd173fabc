package route

import "github.com/tenantrepo/tenantrepo/backend"

// routeError is an error of this package: it has a backend error kind, so
// that backend.KindOf and the repository classify it, and a parent that
// errors.Is finds too.
type routeError struct {
	msg    string
	kind   backend.ErrorKind
	parent error
}

func (e *routeError) Error() string                { return e.msg }
func (e *routeError) Unwrap() error                { return e.parent }
func (e *routeError) ErrorKind() backend.ErrorKind { return e.kind }

// The errors of the package. Each works with errors.Is, and each has a
// backend error kind (backend.KindOf), which the repository passes on.
var (
	// ErrMoving reports a write that arrived while its tenant's move was in
	// its write pause and that was still fenced after Options.PauseWait. It
	// is of kind backend.KindThrottled and errors.Is backend.ErrThrottled:
	// nothing was written, and the write may be retried.
	ErrMoving error = &routeError{
		msg:    "route: the tenant is being moved and writes are paused; retry: backend: throttled",
		kind:   backend.KindThrottled,
		parent: backend.ErrThrottled,
	}
	// ErrCrossTenant reports a request the router will not send: its keys
	// belong to two tenants (a batch or a transaction), or a key is not in
	// a tenant's partition (such as the catalog's partition), or a write
	// names a fence item. It errors.Is backend.ErrInvalidArgument; nothing
	// was read or written.
	ErrCrossTenant error = &routeError{
		msg:    "route: a request must name keys of one tenant: backend: invalid argument",
		kind:   backend.KindInvalidArgument,
		parent: backend.ErrInvalidArgument,
	}
	// ErrStalePlacement reports a Catalog.Put whose placement's Version is
	// not the version stored: another writer changed the tenant's
	// placement first. Read it again (Catalog.LookupFresh) and retry. It
	// is of kind backend.KindConditionFailed.
	ErrStalePlacement error = &routeError{
		msg:  "route: the placement's version is not the catalog's",
		kind: backend.KindConditionFailed,
	}
	// ErrNoTable reports a table that Tables.Open did not find. It is of
	// kind backend.KindUnknown, as DynamoDB's error for a missing table
	// is, not backend.KindNotFound: a request of a tenant whose table is
	// missing fails, where "not found" would tell a repository that the
	// tenant's item does not exist.
	ErrNoTable error = &routeError{
		msg:  "route: no such table",
		kind: backend.KindUnknown,
	}
	// ErrInvalidTemplate reports a table name template that cannot make
	// valid DynamoDB table names (see Tables.Name). It errors.Is
	// backend.ErrInvalidArgument.
	ErrInvalidTemplate error = &routeError{
		msg:    "route: invalid table name template: backend: invalid argument",
		kind:   backend.KindInvalidArgument,
		parent: backend.ErrInvalidArgument,
	}
)
