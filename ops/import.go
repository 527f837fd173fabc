package ops

import (
	"context"
	"io"

	"github.com/tenantrepo/tenantrepo/backend"
)

// ImportResult is what Import wrote.
type ImportResult struct {
	Counts
	// Written are the lines (1-based) whose items are known to be
	// written, in ranges.
	Written []LineRange `json:"written"`
	// NotDone are the lines whose writes were sent but are not known to
	// be done (a request failed without an answer): they may or may not
	// be stored.
	NotDone []LineRange `json:"notDone,omitempty"`
	// Checkpoint, when the import stopped early, is where a new run with
	// Options.Resume on the same data continues; empty when it finished.
	Checkpoint Checkpoint `json:"checkpoint,omitempty"`
	// From is the tenant ID the data holds; To the context's.
	From string `json:"from"`
	To   string `json:"to"`
}

// LineRange is the lines First to Last of an export, both included.
type LineRange struct {
	First int64 `json:"first"`
	Last  int64 `json:"last"`
}

// Import writes the items of an export (see Export) into b for the
// context's tenant. When the data is another tenant's, every key naming it
// is renamed: the partition key, and every index partition key that starts
// with the old partition key and the separator. The data is read twice:
// first to check every line (an item in DynamoDB JSON, of one tenant:
// ErrForeignItem for an item of another, ErrBadExport for anything else,
// and the manifest when Options.Manifest is set), with nothing written if
// any check fails; then to write, in batches of 25, Options.Concurrency at
// a time. Writing an item replaces the item with its key, so re-running an
// import ends in the same state. When the writes fail part way, the result
// says exactly which lines are written and which are not known to be, and
// holds a checkpoint to resume from.
func Import(ctx context.Context, b backend.Backend, r io.ReadSeeker, optFns ...func(*Options)) (ImportResult, error) {
	panic("ops.Import: not yet")
}
