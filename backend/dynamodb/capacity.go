package dynamodb

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/tenantrepo/tenantrepo/backend"
)

// A request asks DynamoDB for the capacity it consumed
// (ReturnConsumedCapacity INDEXES) when the caller's context carries a
// full meter (backend.MeteringOf is MeteredFully: repo.WithMeter, an
// observer), and the backend
// charges that meter (backend.Charge): the table's and each index's units
// as DynamoDB reports them, and the requests the SDK sent for the call,
// counted by a middleware after its retries. When every meter of the
// context reads only totals (backend.WithUnitsMeter: a limiter's), it asks
// for TOTAL, charges the total as the table's, and counts each call as one
// request. A write whose
// condition failed and a canceled transaction come back as errors, without
// ConsumedCapacity: for them the backend charges the figure
// backend.FailedWriteCapacity and backend.CanceledTxCapacity compute from
// the item DynamoDB returns with the error (an estimate by AWS's published
// rule, not a measurement). A request whose context carries no meter does
// not ask: nobody would read the figures, and decoding them is most of
// what asking costs a client (BENCHMARKS.md, issue #14).

// metered is the context of one metered request: the caller's, with the
// count of the request's attempts, the requests the SDK sent (retries
// included) and how many of them DynamoDB throttled. The request is made
// in it, and the counting middleware finds it there: one allocation a
// request, and none for the middleware and the option that adds it, which
// are the same for every request.
type metered struct {
	context.Context
	sent, throttled int
}

// meteredKey is the context key under which a metered context answers
// itself.
type meteredKey struct{}

// Value answers meteredKey with m, any other key as the caller's context.
func (m *metered) Value(key any) any {
	if _, ok := key.(meteredKey); ok {
		return m
	}
	return m.Context.Value(key)
}

// attemptsID names the counting middleware in the SDK's stack.
const attemptsID = "tenantrepo.attempts"

// isThrottle classifies an attempt's error as the SDK's retryer does.
var isThrottle = retry.IsErrorThrottles(retry.DefaultThrottles)

// attemptCounter is the middleware that counts a metered request's
// attempts: it runs once per attempt (see addAttemptCounter), and counts
// in the metered context it finds in the attempt's. In a request that is
// not metered it finds none and counts nothing.
type attemptCounter struct{}

// ID names the middleware in the SDK's stack.
func (attemptCounter) ID() string { return attemptsID }

// HandleFinalize counts one attempt, and whether DynamoDB throttled it.
func (attemptCounter) HandleFinalize(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
	m, _ := ctx.Value(meteredKey{}).(*metered)
	if m != nil {
		m.sent++
	}
	out, md, err := next.HandleFinalize(ctx, in)
	if m != nil && err != nil && isThrottle.IsErrorThrottle(err) == aws.TrueTernary {
		m.throttled++
	}
	return out, md, err
}

// addAttemptCounter puts the counting middleware after "Retry", so that it
// runs once per attempt. A stack without it (a client built without the
// retry middleware) counts the call as one attempt.
func addAttemptCounter(st *middleware.Stack) error {
	if _, ok := st.Finalize.Get("Retry"); ok {
		return st.Finalize.Insert(attemptCounter{}, "Retry", middleware.After)
	}
	return st.Finalize.Add(attemptCounter{}, middleware.After)
}

// countAttempts is the per-call option of a metered request: it adds the
// counting middleware to the request's stack. Its capacity is its length,
// so that nothing can append to it in place.
var countAttempts = []func(*ddb.Options){
	func(o *ddb.Options) { o.APIOptions = append(o.APIOptions, addAttemptCounter) },
}[:1:1]

// meter returns, when ctx is fully metered, a metered context for one
// request, which the request is to be made in and charged to, and the
// per-call option that counts its attempts; when ctx's meters read only
// totals (backend.MeteredUnits), ctx itself, totalsOnly and no option:
// counting attempts costs a request about 1% of its time in the client
// (BENCHMARKS.md, issue #14), and nobody would read the count; else ctx,
// nil and no option.
func meter(ctx context.Context) (context.Context, *metered, []func(*ddb.Options)) {
	switch backend.MeteringOf(ctx) {
	case backend.MeteredFully:
		m := &metered{Context: ctx}
		return m, m, countAttempts
	case backend.MeteredUnits:
		return ctx, totalsOnly, nil
	}
	return ctx, nil, nil
}

// totalsOnly is the metered of every request whose meters read only
// totals: it counts nothing (no middleware counts in it; it is never a
// request's context), so each such request is charged as one.
var totalsOnly = &metered{}

// ask is what a request metered by m (from meter) asks for: INDEXES when
// it is fully metered, TOTAL when its meters read only totals, else
// nothing (DynamoDB's default, NONE).
func (m *metered) ask() types.ReturnConsumedCapacity {
	switch m {
	case nil:
		return ""
	case totalsOnly:
		return types.ReturnConsumedCapacityTotal
	}
	return types.ReturnConsumedCapacityIndexes
}

// charge charges a metered request (m is not nil), made in ctx, with
// capacity c.
func (m *metered) charge(ctx context.Context, c backend.Capacity) {
	u := backend.Usage{Capacity: c, Requests: m.sent, Throttles: m.throttled}
	if u.Requests == 0 {
		u.Requests = 1 // a client that does not run the SDK's stack
	}
	u.Retries = u.Requests - 1
	backend.Charge(ctx, u)
}

// chargeCapacity charges a metered request (m not nil) made in ctx that
// succeeded with the capacity of its response's ConsumedCapacity (see
// capacityOf); a request that is not metered adds up nothing.
func (m *metered) chargeCapacity(ctx context.Context, write bool, cc *types.ConsumedCapacity) {
	if m != nil {
		m.charge(ctx, capacityOf(write, cc))
	}
}

// chargeList is chargeCapacity for a batch or transaction's list of
// ConsumedCapacity (see Backend.capacityList).
func (m *metered) chargeList(ctx context.Context, b *Backend, write bool, ccs []types.ConsumedCapacity) {
	if m != nil {
		m.charge(ctx, b.capacityList(write, ccs))
	}
}

// chargeError charges a metered request made in ctx that failed with err
// (as mapError returned it): the estimate for a failed condition or a
// canceled transaction, nothing else.
func (m *metered) chargeError(ctx context.Context, err error) {
	if m == nil {
		return
	}
	var c backend.Capacity
	var cfe *backend.ConditionFailedError
	var tce *backend.TxCanceledError
	switch {
	case errors.As(err, &cfe):
		c = backend.FailedWriteCapacity(backend.SizedItem(cfe.Item), false)
	case errors.As(err, &tce):
		c = backend.CanceledTxCapacity(tce.Reasons)
	}
	m.charge(ctx, c)
}

// capacityOf returns the capacity reported in ccs, for the backend's table.
// DynamoDB Local fills only CapacityUnits: they count as write units for a
// write (write true), read units otherwise.
func capacityOf(write bool, ccs ...*types.ConsumedCapacity) backend.Capacity {
	var c backend.Capacity
	for _, cc := range ccs {
		if cc == nil {
			continue
		}
		if cc.Table != nil {
			c.Table = c.Table.Add(unitsOf(write, cc.Table.CapacityUnits, cc.Table.ReadCapacityUnits, cc.Table.WriteCapacityUnits))
		} else if len(cc.GlobalSecondaryIndexes) == 0 {
			c.Table = c.Table.Add(unitsOf(write, cc.CapacityUnits, cc.ReadCapacityUnits, cc.WriteCapacityUnits))
		}
		for name, ic := range cc.GlobalSecondaryIndexes {
			for n := 1; n <= backend.MaxIndexes; n++ {
				if backend.IndexName(n) == name {
					c.Indexes[n-1] = c.Indexes[n-1].Add(unitsOf(write, ic.CapacityUnits, ic.ReadCapacityUnits, ic.WriteCapacityUnits))
				}
			}
		}
	}
	return c
}

// unitsOf returns the units of one entry of a ConsumedCapacity.
func unitsOf(write bool, total, read, wr *float64) backend.Units {
	if read != nil || wr != nil {
		return backend.Units{Read: aws.ToFloat64(read), Write: aws.ToFloat64(wr)}
	}
	if write {
		return backend.Units{Write: aws.ToFloat64(total)}
	}
	return backend.Units{Read: aws.ToFloat64(total)}
}

// capacityList returns the capacity reported in a batch or transaction's
// list, for the backend's table.
func (b *Backend) capacityList(write bool, ccs []types.ConsumedCapacity) backend.Capacity {
	var c backend.Capacity
	for i := range ccs {
		if aws.ToString(ccs[i].TableName) == b.table || ccs[i].TableName == nil {
			c = c.Add(capacityOf(write, &ccs[i]))
		}
	}
	return c
}
