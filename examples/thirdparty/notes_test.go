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

// The conformance suite, run against this module's own backend.
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
