package repo

import (
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

// ReadOptions qualify a Get or BatchGet.
type ReadOptions struct {
	// ConsistentRead asks for a strongly consistent read, which sees every
	// write that succeeded before it (DynamoDB reads are eventually
	// consistent by default).
	ConsistentRead bool
}

// ConsistentRead sets ReadOptions.ConsistentRead:
//
//	u, err := users.Get(ctx, id, repo.ConsistentRead)
func ConsistentRead(o *ReadOptions) { o.ConsistentRead = true }
