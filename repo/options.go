package repo

import (
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
)

// Options configure a Repository. New fills in the defaults before applying
// the caller's functions.
type Options struct {
	// CursorKey signs the cursors the repository hands out, with
	// HMAC-SHA256. Give every instance of a service the same secret key so
	// a cursor from one works on another, and cursors cannot be forged.
	// Default: a key built into the library, which still rejects cursors of
	// other tenants, other types and changed cursors, but not a forger who
	// reads this source. Tenant isolation does not depend on it.
	CursorKey []byte
	// Clock tells the time that expiry is judged by. Default: time.Now.
	Clock func() time.Time
	// RetryDelay is how long batch calls wait before retrying the items
	// DynamoDB left unprocessed, for the given attempt (1, 2, ...).
	// Default: exponential from 25 ms to 2 s, with jitter.
	RetryDelay func(attempt int) time.Duration
	// BatchConcurrency is how many requests BatchGet, BatchPut and
	// BatchDelete have in flight at once when a batch takes more than one
	// request (over 100 IDs to read, or 25 to write). Default 1: one
	// request after the other. More sends the batch's requests of up to 100
	// (or 25) items that many at a time, each retrying what DynamoDB leaves
	// unprocessed, and on an error or the end of the context starts no
	// more; a *BatchError then lists as NotDone the items of every request
	// in flight that did not answer, as it does for the one request in
	// flight of a sequential batch. Higher values write faster where
	// DynamoDB's latency, not its capacity, is the limit, and use that
	// much more of a provisioned table's capacity at once.
	BatchConcurrency int
	// Observer, when set, sees every call of the repository (see
	// Observer). Default: none, and no work is done for one.
	Observer Observer
}

// WriteOptions qualify one write (Create, Put, Update, UpdateExpr, Delete
// and their transaction forms).
type WriteOptions struct {
	// Condition, when set, must hold for the stored item or the write fails
	// with ErrConditionFailed and changes nothing. It is evaluated by
	// DynamoDB (or the memory backend) against the item as stored; on a
	// missing item, every attribute is absent.
	Condition *expression.ConditionBuilder
	// Version, when set, is the version the stored entity must have
	// (versioned types only): the write fails with ErrConflict otherwise.
	// Writes of whole entities take it from the entity itself; Delete and
	// UpdateExpr need it here to be checked.
	Version *int64

	invalid error // a nil option function, reported by the write
}

// WithCondition makes a write conditional on c, built with aws-sdk-go-v2's
// expression package, such as
//
//	repo.WithCondition(expression.Name("status").Equal(expression.Value("pending")))
func WithCondition(c expression.ConditionBuilder) func(*WriteOptions) {
	return func(o *WriteOptions) { o.Condition = &c }
}

// IfVersion makes a Delete or UpdateExpr of a versioned type fail with
// ErrConflict unless the stored version is v.
func IfVersion(v int64) func(*WriteOptions) {
	return func(o *WriteOptions) { o.Version = &v }
}

// ReadOptions qualify a Get or BatchGet. Pages of List, Query and index
// queries take PageOptions, which hold the same ConsistentRead field.
type ReadOptions struct {
	// ConsistentRead asks for a strongly consistent read, which sees every
	// write that succeeded before it (DynamoDB reads are eventually
	// consistent by default).
	ConsistentRead bool
}

// readOpts applies the caller's option functions.
func readOpts(op opName, optFns []func(*ReadOptions)) (ReadOptions, error) {
	o, err := apply(optFns)
	if err != nil {
		return o, fail(op, ErrInvalidArgument, err)
	}
	return o, nil
}

// ConsistentRead asks for a strongly consistent read, which sees every
// write that succeeded before it. It is the one spelling for every read:
// pass it, as it is, to Get and BatchGet (a func(*ReadOptions)) and to List,
// Query, All and QueryAll (a func(*PageOptions)); Go infers which:
//
//	u, err := users.Get(ctx, id, repo.ConsistentRead)
//	page, err := users.List(ctx, repo.ConsistentRead, repo.WithLimit(10))
//
// Where Go cannot infer which, in a slice literal or an append, name it:
//
//	opts := []func(*repo.PageOptions){repo.ConsistentRead[*repo.PageOptions]}
//
// Index queries refuse it with ErrInvalidArgument: DynamoDB's global
// secondary indexes are eventually consistent only.
func ConsistentRead[O *ReadOptions | *PageOptions](o O) {
	switch o := any(o).(type) {
	case *ReadOptions:
		o.ConsistentRead = true
	case *PageOptions:
		o.ConsistentRead = true
	}
}

// errNilOption is the cause of the ErrInvalidArgument of a call given a nil
// option function.
var errNilOption = errors.New("an option function is nil")

// apply applies the caller's option functions to a zero O, in order. A nil
// function is reported, not called: the call that took it then fails with
// ErrInvalidArgument instead of panicking.
func apply[O any](optFns []func(*O)) (o O, err error) {
	for _, fn := range optFns {
		if fn == nil {
			var zero O
			return zero, errNilOption
		}
		fn(&o)
	}
	return o, nil
}
