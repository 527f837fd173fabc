package thirdparty

import (
	"context"
	"errors"
	"testing"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/conformance"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// The conformance suite, run against this module's own backend, which
// claims the whole contract (conformance.Contract) but not
// conformance.DynamoDBLocalFidelity: the cases of DynamoDB Local's
// behaviour where DynamoDB promises nothing are skipped, with the reason.
func TestConformance(t *testing.T) {
	conformance.Run(t, func(t *testing.T) backend.Backend { return NewCountingBackend() })
}

// A unit test of application code on the memory backend.
func TestNotes(t *testing.T) {
	notes, err := repo.New[Note](memory.New())
	if err != nil {
		t.Fatal(err)
	}
	ctx := tenantctx.MustWithTenant(context.Background(), "acme")
	n, err := notes.Create(ctx, Note{Title: "hello", Tags: []string{"x", "y"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := notes.Get(ctx, n.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "hello" || len(got.Tags) != 2 {
		t.Fatalf("got %+v", got)
	}
	other := tenantctx.MustWithTenant(context.Background(), "globex")
	if _, err := notes.Get(other, n.ID); !errors.Is(err, repo.ErrNotFound) {
		t.Fatalf("another tenant read the note: %v", err)
	}
}

func TestCountingBackendCounts(t *testing.T) {
	b := NewCountingBackend()
	notes := repo.MustNew[Note](b)
	ctx := tenantctx.MustWithTenant(context.Background(), "acme")
	if _, err := notes.Create(ctx, Note{Title: "a"}); err != nil {
		t.Fatal(err)
	}
	if got := b.Writes.Load(); got != 1 {
		t.Fatalf("writes = %d, want 1", got)
	}
}

// plainTable is a Table that claims no capability beyond single items and
// queries of the table: batches, transactions and indexes fail with
// backend.ErrUnsupported, and it reports no indexes, so the repository
// refuses entity types that declare one.
type plainTable struct{ *Table }

func (plainTable) Indexes() int { return 0 }

func (plainTable) BatchGet(context.Context, backend.BatchGetInput) (backend.BatchGetOutput, error) {
	return backend.BatchGetOutput{}, backend.ErrUnsupported
}

func (plainTable) BatchWrite(context.Context, backend.BatchWriteInput) (backend.BatchWriteOutput, error) {
	return backend.BatchWriteOutput{}, backend.ErrUnsupported
}

func (plainTable) TransactWrite(context.Context, backend.TransactInput) error {
	return backend.ErrUnsupported
}

func (p plainTable) Query(ctx context.Context, in backend.QueryInput) (backend.QueryOutput, error) {
	if in.Index != "" {
		return backend.QueryOutput{}, backend.ErrUnsupported
	}
	return p.Table.Query(ctx, in)
}

// A backend that claims none of the capabilities passes every case it
// declares; the cases of indexes, batches and transactions are skipped.
func TestConformanceNoCapabilities(t *testing.T) {
	conformance.RunHarness(t, conformance.Harness{
		NewBackend:   func(t *testing.T) backend.Backend { return plainTable{NewTable()} },
		Capabilities: 0,
	})
}
