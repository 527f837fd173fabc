package backend

import (
	"context"
	"sync"
)

// Units are capacity units: what DynamoDB charges a request, as its
// ConsumedCapacity reports them. A read unit is one strongly consistent read
// of up to 4 KB (half of one for an eventually consistent read, two in a
// transaction); a write unit is one write of up to 1 KB (two in a
// transaction).
type Units struct {
	Read, Write float64
}

// Add returns u plus v.
func (u Units) Add(v Units) Units { return Units{Read: u.Read + v.Read, Write: u.Write + v.Write} }

// IsZero reports whether u charges nothing.
func (u Units) IsZero() bool { return u.Read == 0 && u.Write == 0 }

// Capacity is the capacity requests consumed, on the table and on each of
// its indexes, as DynamoDB reports it with ReturnConsumedCapacity INDEXES.
type Capacity struct {
	// Table is what the requests consumed on the table itself.
	Table Units
	// Indexes[n-1] is what they consumed on the n-th index, GSI<n>: writes
	// that put, change or remove an item's entry in the index, and index
	// queries.
	Indexes [MaxIndexes]Units
}

// Total returns what the requests consumed on the table and every index.
func (c Capacity) Total() Units {
	t := c.Table
	for _, u := range c.Indexes {
		t = t.Add(u)
	}
	return t
}

// Index returns what the requests consumed on the index named name (GSI1,
// ...), zero for a name that is not an index.
func (c Capacity) Index(name string) Units {
	for n := 1; n <= MaxIndexes; n++ {
		if IndexName(n) == name {
			return c.Indexes[n-1]
		}
	}
	return Units{}
}

// Add returns c plus d.
func (c Capacity) Add(d Capacity) Capacity {
	c.Table = c.Table.Add(d.Table)
	for i := range c.Indexes {
		c.Indexes[i] = c.Indexes[i].Add(d.Indexes[i])
	}
	return c
}

// IsZero reports whether c charges nothing.
func (c Capacity) IsZero() bool { return c.Total().IsZero() }

// Usage is what one or more requests to a backend cost: the capacity they
// consumed, how many requests were sent, and how many of them were retries
// and how many were throttled.
type Usage struct {
	Capacity Capacity
	// Requests counts the requests sent, retries included.
	Requests int
	// Retries counts the requests that repeated an earlier one: the SDK's
	// retries of a failed attempt, and the repository's and package ops'
	// requests for the items DynamoDB left unprocessed.
	Retries int
	// Throttles counts the requests DynamoDB refused for throughput (or a
	// limiter refused before sending them).
	Throttles int
}

// Add returns u plus v.
func (u Usage) Add(v Usage) Usage {
	return Usage{
		Capacity:  u.Capacity.Add(v.Capacity),
		Requests:  u.Requests + v.Requests,
		Retries:   u.Retries + v.Retries,
		Throttles: u.Throttles + v.Throttles,
	}
}

// Meter adds up the Usage that backends Charge to the contexts made with
// WithMeter. It is safe for concurrent use. A meter made inside the context
// of another passes everything it is charged on to that one too, so a
// limiter's meter around one request and an observer's around a whole call
// both see the request.
type Meter struct {
	mu     sync.Mutex
	u      Usage
	parent *Meter
	// unitsOnly: made by WithUnitsMeter.
	unitsOnly bool
}

// meterKey is the context key of the innermost Meter.
type meterKey struct{}

// WithMeter returns a context that carries a new Meter, and the Meter.
// Every Usage charged to the context, or to a context made from it, is
// added to the Meter (and to any Meter of ctx). Like context.WithValue, it
// panics when ctx is nil.
func WithMeter(ctx context.Context) (context.Context, *Meter) {
	if ctx == nil {
		panic("backend: WithMeter of a nil context")
	}
	c := &meterCtx{Context: ctx}
	c.m.parent = meterOf(ctx)
	return c, &c.m
}

// WithUnitsMeter is WithMeter for a caller that reads only the Total of the
// Capacity it is charged, such as a limiter of capacity units (package
// limit). When every Meter of a context was made this way (MeteringOf says
// MeteredUnits), a backend may spare itself the rest: the DynamoDB backend
// then asks for ConsumedCapacity TOTAL rather than INDEXES, charges the
// total as the table's (Capacity.Table), and does not count the requests
// the SDK sent for a call (it charges each call as one request, without
// retries or throttles). A Meter of WithMeter around or inside it gets the
// full figures, on both.
func WithUnitsMeter(ctx context.Context) (context.Context, *Meter) {
	c, m := WithMeter(ctx)
	m.unitsOnly = true
	return c, m
}

// Metering is how a context is metered: what its Meters want to know.
type Metering uint8

const (
	// NotMetered: the context carries no Meter.
	NotMetered Metering = iota
	// MeteredUnits: every Meter of the context was made by WithUnitsMeter,
	// and reads only the Total of its Capacity.
	MeteredUnits
	// MeteredFully: a Meter of the context reads all of its Usage.
	MeteredFully
)

// MeteringOf reports how ctx is metered (see Metering).
func MeteringOf(ctx context.Context) Metering {
	m := meterOf(ctx)
	if m == nil {
		return NotMetered
	}
	for ; m != nil; m = m.parent {
		if !m.unitsOnly {
			return MeteredFully
		}
	}
	return MeteredUnits
}

// meterCtx is the context WithMeter returns: ctx with a Meter, made in one
// allocation (context.WithValue and a Meter of its own would take two, on
// every observed or limited call).
type meterCtx struct {
	context.Context
	m Meter
}

// Value answers meterKey with the context's Meter, any other key as the
// context it was made from.
func (c *meterCtx) Value(key any) any {
	if _, ok := key.(meterKey); ok {
		return &c.m
	}
	return c.Context.Value(key)
}

// meterOf returns the context's innermost Meter, or nil.
func meterOf(ctx context.Context) *Meter {
	m, _ := ctx.Value(meterKey{}).(*Meter)
	return m
}

// WithoutMeter returns a context whose charges reach no Meter, for
// requests a layer makes for itself rather than for the call: the router's
// catalog reads (package route) are not the tenant's operation.
func WithoutMeter(ctx context.Context) context.Context {
	if meterOf(ctx) == nil {
		return ctx
	}
	return context.WithValue(ctx, meterKey{}, (*Meter)(nil))
}

// Metered reports whether ctx carries a Meter. Backends that compute their
// usage (the memory backend does) skip the work when it is false: nobody
// reads it.
func Metered(ctx context.Context) bool { return meterOf(ctx) != nil }

// Charge adds u to the context's Meter and the Meters it was made in. It
// does nothing when ctx carries none. Backends call it once per request
// (with Requests 1), the repository and package ops for their retries.
func Charge(ctx context.Context, u Usage) {
	for m := meterOf(ctx); m != nil; m = m.parent {
		m.mu.Lock()
		m.u = m.u.Add(u)
		m.mu.Unlock()
	}
}

// Usage returns what the Meter has been charged so far.
func (m *Meter) Usage() Usage {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.u
}

// Reset sets the Meter's usage back to zero and returns what it was.
func (m *Meter) Reset() Usage {
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.u
	m.u = Usage{}
	return u
}
