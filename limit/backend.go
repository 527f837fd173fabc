package limit

import (
	"context"
	"fmt"

	"github.com/tenantrepo/tenantrepo/backend"
)

// The methods of backend.Backend and of the optional interfaces: each is
// one request, limited by do.

// RegisterPrefix is the wrapped backend's; it sends no request.
func (l *Limiter) RegisterPrefix(prefix, owner string) error {
	return l.inner.RegisterPrefix(prefix, owner)
}

// Get is the wrapped backend's Get, limited.
func (l *Limiter) Get(ctx context.Context, in backend.GetInput) (item backend.Item, err error) {
	err = l.do(ctx, func(ctx context.Context) error {
		item, err = l.inner.Get(ctx, in)
		return err
	})
	return item, err
}

// Put is the wrapped backend's Put, limited.
func (l *Limiter) Put(ctx context.Context, in backend.PutInput) error {
	return l.do(ctx, func(ctx context.Context) error { return l.inner.Put(ctx, in) })
}

// Update is the wrapped backend's Update, limited.
func (l *Limiter) Update(ctx context.Context, in backend.UpdateInput) (item backend.Item, err error) {
	err = l.do(ctx, func(ctx context.Context) error {
		item, err = l.inner.Update(ctx, in)
		return err
	})
	return item, err
}

// Delete is the wrapped backend's Delete, limited.
func (l *Limiter) Delete(ctx context.Context, in backend.DeleteInput) error {
	return l.do(ctx, func(ctx context.Context) error { return l.inner.Delete(ctx, in) })
}

// Query is the wrapped backend's Query, limited.
func (l *Limiter) Query(ctx context.Context, in backend.QueryInput) (out backend.QueryOutput, err error) {
	err = l.do(ctx, func(ctx context.Context) error {
		out, err = l.inner.Query(ctx, in)
		return err
	})
	return out, err
}

// BatchGet is the wrapped backend's BatchGet, limited: one request.
func (l *Limiter) BatchGet(ctx context.Context, in backend.BatchGetInput) (out backend.BatchGetOutput, err error) {
	err = l.do(ctx, func(ctx context.Context) error {
		out, err = l.inner.BatchGet(ctx, in)
		return err
	})
	return out, err
}

// BatchWrite is the wrapped backend's BatchWrite, limited: one request.
func (l *Limiter) BatchWrite(ctx context.Context, in backend.BatchWriteInput) (out backend.BatchWriteOutput, err error) {
	err = l.do(ctx, func(ctx context.Context) error {
		out, err = l.inner.BatchWrite(ctx, in)
		return err
	})
	return out, err
}

// TransactWrite is the wrapped backend's TransactWrite, limited: one
// request.
func (l *Limiter) TransactWrite(ctx context.Context, in backend.TransactInput) error {
	return l.do(ctx, func(ctx context.Context) error { return l.inner.TransactWrite(ctx, in) })
}

// GetShared is the wrapped backend's GetShared (backend.Lender), limited;
// its Get when it lends nothing, which a Lender may do.
func (l *Limiter) GetShared(ctx context.Context, in backend.GetInput) (item backend.Item, err error) {
	lender, ok := l.inner.(backend.Lender)
	if !ok {
		return l.Get(ctx, in)
	}
	err = l.do(ctx, func(ctx context.Context) error {
		item, err = lender.GetShared(ctx, in)
		return err
	})
	return item, err
}

// QueryShared is the wrapped backend's QueryShared (backend.Lender),
// limited; its Query when it lends nothing.
func (l *Limiter) QueryShared(ctx context.Context, in backend.QueryInput) (out backend.QueryOutput, err error) {
	lender, ok := l.inner.(backend.Lender)
	if !ok {
		return l.Query(ctx, in)
	}
	err = l.do(ctx, func(ctx context.Context) error {
		out, err = lender.QueryShared(ctx, in)
		return err
	})
	return out, err
}

// KnownIndexes is the wrapped backend's (backend.IndexReporter). For a
// backend that only counts its indexes (backend.IndexCounter) it is the
// first ones, not checked against the table, which is what the repository
// and package ops read from a counter; for one that says neither, every
// slot.
func (l *Limiter) KnownIndexes() (backend.IndexSet, bool) {
	switch b := l.inner.(type) {
	case backend.IndexReporter:
		return b.KnownIndexes()
	case backend.IndexCounter:
		return backend.FirstIndexes(b.Indexes()), false
	}
	return backend.AllIndexes, true
}

// TableIndexes is the wrapped backend's (backend.IndexReporter), or what
// KnownIndexes says for one that is not a reporter. It is not limited: it
// asks the store once, for the whole table.
func (l *Limiter) TableIndexes(ctx context.Context) (backend.IndexSet, error) {
	if b, ok := l.inner.(backend.IndexReporter); ok {
		return b.TableIndexes(ctx)
	}
	set, _ := l.KnownIndexes()
	return set, nil
}

// Indexes is the wrapped backend's (backend.IndexCounter), or the number
// of slots KnownIndexes says.
func (l *Limiter) Indexes() int {
	if b, ok := l.inner.(backend.IndexCounter); ok {
		return b.Indexes()
	}
	set, _ := l.KnownIndexes()
	return set.Len()
}

// scanning is a Limiter over a backend.Scanner: only such a limiter is one,
// since package ops refuses a backend that is not.
type scanning struct{ *Limiter }

// Scan is the wrapped backend's Scan, limited.
func (s *scanning) Scan(ctx context.Context, in backend.ScanInput) (out backend.ScanOutput, err error) {
	sc, ok := s.inner.(backend.Scanner)
	if !ok {
		return backend.ScanOutput{}, fmt.Errorf("limit: scan: %w", backend.ErrUnsupported)
	}
	err = s.do(ctx, func(ctx context.Context) error {
		out, err = sc.Scan(ctx, in)
		return err
	})
	return out, err
}

// Interfaces the limiter has whatever it wraps.
var (
	_ backend.Backend       = (*Limiter)(nil)
	_ backend.Lender        = (*Limiter)(nil)
	_ backend.IndexReporter = (*Limiter)(nil)
	_ backend.IndexCounter  = (*Limiter)(nil)
	_ backend.Scanner       = (*scanning)(nil)
)
