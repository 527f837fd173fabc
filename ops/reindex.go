package ops

import (
	"context"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/repo"
)

// TypeSpec is what reindexing needs to know of an entity type: its
// sort-key prefix and its indexes. SpecOf gives that of a Go type; the CLI
// builds one from flags.
type TypeSpec struct {
	Prefix  string         `json:"prefix"`
	Indexes []entity.Index `json:"indexes"`
}

// SpecOf returns the TypeSpec of entity type T.
func SpecOf[T entity.Entity]() TypeSpec {
	var zero T
	s := TypeSpec{Prefix: zero.EntityPrefix()}
	if ix, ok := any(zero).(entity.Indexed); ok {
		s.Indexes = ix.Indexes()
	}
	return s
}

// ReindexResult is what a reindex did, or with Options.DryRun would do.
type ReindexResult struct {
	Counts
	// Checkpoint, when the reindex stopped early, is where a new run with
	// Options.Resume continues; empty when it finished.
	Checkpoint Checkpoint `json:"checkpoint,omitempty"`
	DryRun     bool       `json:"dryRun,omitempty"`
}

// Reindex rewrites the index keys of every entity of type T in the
// context's tenant that lacks them or has stale ones, as the repository
// would write them: items other programs wrote, or written before the
// index existed. See ReindexType.
func Reindex[T entity.Entity](ctx context.Context, r *repo.Repository[T], optFns ...func(*Options)) (ReindexResult, error) {
	return ReindexType(ctx, r.Backend(), SpecOf[T](), optFns...)
}

// ReindexType is Reindex for the type spec describes, in b. It reads the
// type's items in the context's tenant in pages and, for each item whose
// index keys differ from those its attributes give, updates only the
// index key attributes (setting them, or removing them when the item
// belongs in no index any more), on the condition that the item still
// holds what was read: a write that changed the item in between is never
// overwritten, and the item is counted as skipped (the writer wrote its
// keys). An item whose index attribute is not a string, or gives a key
// over DynamoDB's limits, is counted as failed and left as it is.
func ReindexType(ctx context.Context, b backend.Backend, spec TypeSpec, optFns ...func(*Options)) (ReindexResult, error) {
	panic("ops.ReindexType: not yet")
}

// ReindexAll is Reindex for every tenant of the table. It is
// operator-scoped: ctx must carry tenantctx.AsOperator's marker. It scans
// the table in Options.Segments parallel segments (b must be a
// backend.Scanner) and reindexes the type's items of every partition key
// that is a tenant's.
func ReindexAll[T entity.Entity](ctx context.Context, r *repo.Repository[T], optFns ...func(*Options)) (ReindexResult, error) {
	return ReindexAllType(ctx, r.Backend(), SpecOf[T](), optFns...)
}

// ReindexAllType is ReindexAll for the type spec describes, in b.
func ReindexAllType(ctx context.Context, b backend.Backend, spec TypeSpec, optFns ...func(*Options)) (ReindexResult, error) {
	panic("ops.ReindexAllType: not yet")
}
