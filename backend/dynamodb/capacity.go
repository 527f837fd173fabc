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

// Every request asks DynamoDB for the capacity it consumed
// (ReturnConsumedCapacity INDEXES), and when the caller's context carries a
// meter (backend.Metered) the backend charges it (backend.Charge): the
// table's and each index's units as DynamoDB reports them, and the requests
// the SDK sent for the call, counted by a middleware after its retries.
// A write whose condition failed and a canceled transaction come back as
// errors, without ConsumedCapacity: for them the backend charges the
// figure backend.FailedWriteCapacity and backend.CanceledTxCapacity
// compute from the item DynamoDB returns with the error (an estimate by
// AWS's published rule, not a measurement). Without a meter none of this
// runs, and a call costs what it cost before.

// returnCapacity is what every request asks for.
const returnCapacity = types.ReturnConsumedCapacityIndexes

// attempts counts the attempts of one call: the requests the SDK sent,
// retries included, and how many of them DynamoDB throttled.
type attempts struct {
	sent, throttled int
}

// attemptsID names the counting middleware in the SDK's stack.
const attemptsID = "tenantrepo.attempts"

// isThrottle classifies an attempt's error as the SDK's retryer does.
var isThrottle = retry.IsErrorThrottles(retry.DefaultThrottles)

// meter returns, when ctx carries a meter, the counter of a call's attempts
// and the per-call option that counts them; else nil and no option.
func meter(ctx context.Context) (*attempts, []func(*ddb.Options)) {
	if !backend.Metered(ctx) {
		return nil, nil
	}
	a := &attempts{}
	count := middleware.FinalizeMiddlewareFunc(attemptsID, func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
		a.sent++
		out, md, err := next.HandleFinalize(ctx, in)
		if err != nil && isThrottle.IsErrorThrottle(err) == aws.TrueTernary {
			a.throttled++
		}
		return out, md, err
	})
	opt := func(o *ddb.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			// After "Retry": once per attempt. A stack without it (a
			// client built without the retry middleware) counts the
			// call as one attempt.
			if _, ok := st.Finalize.Get("Retry"); ok {
				return st.Finalize.Insert(count, "Retry", middleware.After)
			}
			return st.Finalize.Add(count, middleware.After)
		})
	}
	return a, []func(*ddb.Options){opt}
}

// charge charges a metered call (a is not nil) with capacity c.
func (a *attempts) charge(ctx context.Context, c backend.Capacity) {
	if a == nil {
		return
	}
	u := backend.Usage{Capacity: c, Requests: a.sent, Throttles: a.throttled}
	if u.Requests == 0 {
		u.Requests = 1 // a client that does not run the SDK's stack
	}
	u.Retries = u.Requests - 1
	backend.Charge(ctx, u)
}

// chargeError charges a metered call that failed with err (as mapError
// returned it): the estimate for a failed condition or a canceled
// transaction, nothing else.
func (a *attempts) chargeError(ctx context.Context, err error) {
	if a == nil {
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
	a.charge(ctx, c)
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
