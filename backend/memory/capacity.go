package memory

import (
	"context"

	"github.com/tenantrepo/tenantrepo/backend"
)

// The Store charges every request it serves to the context's meter
// (backend.Charge), with the capacity DynamoDB would consume for it,
// computed by the rules of backend/capacity.go, and only when the context
// carries a meter (backend.Metered): without one it computes nothing.
// A request the Store refuses before it reads the table (bad input) is
// charged nothing, not even as a request. When every meter of the context
// reads only totals (backend.WithUnitsMeter), it charges the total as the
// table's, as the DynamoDB backend does with ReturnConsumedCapacity TOTAL.

// charge charges one request that consumed c.
func charge(ctx context.Context, c backend.Capacity) {
	if backend.MeteringOf(ctx) == backend.MeteredUnits {
		c = backend.Capacity{Table: c.Total()}
	}
	backend.Charge(ctx, backend.Usage{Requests: 1, Capacity: c})
}

// written returns e as one side of a write (the zero Written for nil).
func written(e *entry) backend.Written {
	if e == nil {
		return backend.Written{}
	}
	return backend.Written{Item: e.item, Size: e.size}
}

// readCapacity returns the capacity of reading bytes of items in one read
// of the table (index 0) or of index GSI<index>.
func readCapacity(index, bytes int, consistent bool) backend.Capacity {
	var c backend.Capacity
	u := backend.Units{Read: backend.ReadUnits(bytes, consistent)}
	if index > 0 {
		c.Indexes[index-1] = u
	} else {
		c.Table = u
	}
	return c
}
