package ops

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// Checkpoint is where a bulk operation stopped, for a later run to continue
// from (Options.Resume). It is opaque: pass it back as it was given. A
// checkpoint belongs to one operation and one tenant (for an import, one
// input too); another run refuses it with ErrInvalidCheckpoint. It holds
// positions within the tenant's data, never a tenant to act on: the tenant
// still comes from the context, so a checkpoint cannot lead an operation to
// another tenant's items.
type Checkpoint string

// checkpointVersion is the format of checkpoints this package writes.
const checkpointVersion = 1

// maxCheckpointBytes bounds the checkpoints decode reads.
const maxCheckpointBytes = 1 << 20

// maxCheckpointCount bounds each count a checkpoint holds (2^53, where
// float64 units still count by ones): far above what any run does, and so
// far below the int64 limit that the counts of the run resumed, added to
// them, cannot overflow.
const maxCheckpointCount = 1 << 53

// position is what a Checkpoint holds.
type position struct {
	V      int    `json:"v"`
	Op     string `json:"op"`
	Tenant string `json:"t,omitempty"` // the tenant's ID; "" for operator-scoped operations
	// SK is a table position in the tenant's partition: the sort key of
	// the last item done; the run continues after it.
	SK string `json:"sk,omitempty"`
	// Line is an import's position: every line before it is written.
	Line int64 `json:"line,omitempty"`
	// Data identifies an import's input (see Import).
	Data string `json:"data,omitempty"`
	// Segments are the positions of a scan's segments (operator-scoped
	// operations).
	Segments []segmentPosition `json:"segs,omitempty"`
	// Counts are the counts of the runs before.
	Counts Counts `json:"counts"`
}

// segmentPosition is where one scan segment stopped.
type segmentPosition struct {
	PK   string `json:"pk,omitempty"` // with SK, the exclusive start key; both empty: from the start
	SK   string `json:"sk,omitempty"`
	Done bool   `json:"done,omitempty"` // the segment is read to its end
}

// encodeCheckpoint returns p as a Checkpoint.
func encodeCheckpoint(p position) Checkpoint {
	p.V = checkpointVersion
	b, err := json.Marshal(p)
	if err != nil {
		panic(fmt.Sprintf("ops: encoding a checkpoint: %v", err)) // only strings and numbers
	}
	return Checkpoint(base64.RawURLEncoding.EncodeToString(b))
}

// decodeCheckpoint returns the position cp holds, after checking that it is
// a checkpoint of operation op for tenant (the ID; "" when operator-scoped).
// The errors wrap ErrInvalidCheckpoint.
func decodeCheckpoint(cp Checkpoint, op, tenant string) (position, error) {
	if len(cp) > maxCheckpointBytes {
		return position{}, fmt.Errorf("%w: over %d bytes", ErrInvalidCheckpoint, maxCheckpointBytes)
	}
	b, err := base64.RawURLEncoding.DecodeString(string(cp))
	if err != nil {
		return position{}, fmt.Errorf("%w: not base64url", ErrInvalidCheckpoint)
	}
	var p position
	if err := json.Unmarshal(b, &p); err != nil {
		return position{}, fmt.Errorf("%w: %v", ErrInvalidCheckpoint, err)
	}
	switch {
	case p.V != checkpointVersion:
		return position{}, fmt.Errorf("%w: version %d, not %d", ErrInvalidCheckpoint, p.V, checkpointVersion)
	case p.Op != op:
		return position{}, fmt.Errorf("%w: a checkpoint of %q, not %q", ErrInvalidCheckpoint, p.Op, op)
	case p.Tenant != tenant:
		return position{}, fmt.Errorf("%w: a checkpoint of another tenant", ErrInvalidCheckpoint)
	case p.Line < 0 || p.Counts.Examined < 0 || p.Counts.Done < 0 || p.Counts.Skipped < 0 || p.Counts.Failed < 0 || p.Counts.Bytes < 0 || p.Counts.Units < 0:
		return position{}, fmt.Errorf("%w: negative position or counts", ErrInvalidCheckpoint)
	case max(p.Line, p.Counts.Examined, p.Counts.Done, p.Counts.Skipped, p.Counts.Failed, p.Counts.Bytes) > maxCheckpointCount || !(p.Counts.Units <= maxCheckpointCount):
		return position{}, fmt.Errorf("%w: position or counts over %d", ErrInvalidCheckpoint, int64(maxCheckpointCount))
	case !utf8.ValidString(p.SK) || !utf8.ValidString(p.Data):
		return position{}, fmt.Errorf("%w: not valid UTF-8", ErrInvalidCheckpoint)
	}
	for _, s := range p.Segments {
		if !utf8.ValidString(s.PK) || !utf8.ValidString(s.SK) || (s.PK == "") != (s.SK == "") {
			return position{}, fmt.Errorf("%w: bad segment position", ErrInvalidCheckpoint)
		}
	}
	return p, nil
}
