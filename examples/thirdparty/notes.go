package thirdparty

import (
	"context"
	"sync/atomic"

	"github.com/tenantrepo/tenantrepo/backend"
)

// Note is an entity type this module adds.
type Note struct {
	ID    string   `dynamodbav:"note_id"`
	Title string   `dynamodbav:"title"`
	Body  string   `dynamodbav:"body,omitempty"`
	Tags  []string `dynamodbav:"tags,stringset,omitempty"`
}

// EntityPrefix returns "note".
func (Note) EntityPrefix() string { return "note" }

// EntityID returns the note's ID.
func (n Note) EntityID() string { return n.ID }

// SetEntityID sets the note's ID.
func (n *Note) SetEntityID(id string) { n.ID = id }

// CountingBackend wraps this module's Table and counts the writes that
// reach it: a backend can add to another by embedding it.
type CountingBackend struct {
	*Table
	Writes atomic.Int64
}

// NewCountingBackend returns an empty CountingBackend.
func NewCountingBackend() *CountingBackend {
	return &CountingBackend{Table: NewTable()}
}

// Put counts and delegates.
func (c *CountingBackend) Put(ctx context.Context, in backend.PutInput) error {
	c.Writes.Add(1)
	return c.Table.Put(ctx, in)
}

// Update counts and delegates.
func (c *CountingBackend) Update(ctx context.Context, in backend.UpdateInput) (backend.Item, error) {
	c.Writes.Add(1)
	return c.Table.Update(ctx, in)
}

// Delete counts and delegates.
func (c *CountingBackend) Delete(ctx context.Context, in backend.DeleteInput) error {
	c.Writes.Add(1)
	return c.Table.Delete(ctx, in)
}
