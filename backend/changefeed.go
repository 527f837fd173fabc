package backend

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// ChangeFeed is implemented by backends that record every change to their
// items in order, as DynamoDB Streams does with the view type
// NEW_AND_OLD_IMAGES: the memory backend (with memory.WithChangeFeed) and
// the DynamoDB backend (with Options.ChangeFeed and a Streams client). It
// is optional: backend.Backend does not require it.
//
// The feed is split into shards. The changes of one item are in one shard
// at a time, in the order they were made; a shard may close and have
// children (a resharding), which take the changes after it: ReadChanges
// reads a shard to its end before its children, so the changes of every
// item come in the order they were made. Changes of different items in
// different shards come in no particular order.
//
// A write that changes nothing (a put of the same item, an update that
// writes the values the item has, a delete of a missing item) and a write
// that fails (a condition, a canceled transaction) record no change, as in
// DynamoDB Streams.
type ChangeFeed interface {
	// ReadChanges returns up to in.Limit changes after the checkpoint
	// in.From, and the checkpoint after them. It may return fewer, or
	// none, while more are on their way; a consumer polls. It returns an
	// error wrapping ErrInvalidCheckpoint for a checkpoint this feed did
	// not make (forged, changed, or of another feed), ErrTrimmed when
	// changes after the checkpoint are no longer kept, and ErrNoChangeFeed
	// when the backend records no changes.
	ReadChanges(ctx context.Context, in ReadChangesInput) (ReadChangesOutput, error)
	// ChangeHead returns the checkpoint after the newest change recorded:
	// reading from it returns only changes made after the call.
	ChangeHead(ctx context.Context) (string, error)
	// AdvanceCheckpoint returns the checkpoint from, which it verifies,
	// moved past changes: changes are a prefix, in order, of what a
	// ReadChanges from from returned. A consumer that stops in the middle
	// of a read keeps it, so a read from it returns the rest and nothing
	// twice.
	AdvanceCheckpoint(from string, changes []Change) (string, error)
}

// ReadChangesInput says where a read of a change feed starts.
type ReadChangesInput struct {
	// From is a checkpoint, the Next of an earlier read or a ChangeHead.
	// Empty means the oldest change kept (DynamoDB's TRIM_HORIZON).
	From string
	// Limit is the most changes to return; zero means DefaultChangeLimit,
	// more than MaxChangeLimit is MaxChangeLimit.
	Limit int
}

// Limits of one ReadChanges.
const (
	DefaultChangeLimit = 1000
	MaxChangeLimit     = 10000
)

// ReadChangesOutput is one read of a change feed.
type ReadChangesOutput struct {
	// Changes are in order per shard, each shard read after its parent.
	Changes []Change
	// Next is the checkpoint after Changes: a read from it starts with
	// the change after the last one returned in each shard. It is set
	// even when Changes is empty.
	Next string
}

// ChangeKind is the kind of a change, as DynamoDB Streams' eventName.
type ChangeKind uint8

// The kinds of changes.
const (
	// ChangeInsert: an item was written where there was none (New set).
	ChangeInsert ChangeKind = iota + 1
	// ChangeModify: an item was changed (Old and New set).
	ChangeModify
	// ChangeRemove: an item was deleted (Old set), by a call or, with
	// Expired set, by the table's time to live.
	ChangeRemove
)

// String returns DynamoDB Streams' name of the kind: INSERT, MODIFY, REMOVE.
func (k ChangeKind) String() string {
	switch k {
	case ChangeInsert:
		return "INSERT"
	case ChangeModify:
		return "MODIFY"
	case ChangeRemove:
		return "REMOVE"
	}
	return fmt.Sprintf("ChangeKind(%d)", uint8(k))
}

// Change is one change of one item, as a change feed records it.
type Change struct {
	Kind ChangeKind
	// Key is the table key of the item (PK, SK), from the record's keys.
	// It is zero when the record's keys are not two strings: such a
	// record is malformed, and readers must not trust its images.
	Key Key
	// Old is the item before the change (ChangeModify, ChangeRemove), New
	// the item after it (ChangeInsert, ChangeModify); nil otherwise.
	Old, New Item
	// Expired marks a ChangeRemove made by the table's time to live, not
	// by a call (in DynamoDB Streams, userIdentity type "Service",
	// principal "dynamodb.amazonaws.com").
	Expired bool
	// Shard and Sequence say where the change is in the feed: sequence
	// numbers grow within a shard.
	Shard    string
	Sequence string
	// At is when the change was made, as the feed knows it (DynamoDB
	// Streams' ApproximateCreationDateTime, to the second or coarser).
	At time.Time
}

// Errors of change feeds.
var (
	// ErrNoChangeFeed reports a backend whose change feed is not on.
	ErrNoChangeFeed = errors.New("backend: change feed is not enabled")
	// ErrInvalidCheckpoint reports a checkpoint that does not verify: not
	// made by this feed (forged, changed, truncated) or made by another
	// feed (another table, stream or store).
	ErrInvalidCheckpoint = errors.New("backend: invalid change feed checkpoint")
	// ErrTrimmed reports a checkpoint that points before the oldest change
	// the feed keeps: changes after it were dropped (DynamoDB Streams
	// keeps 24 hours), so reading on would lose some. Start again from a
	// new copy of the data and ChangeHead.
	ErrTrimmed = errors.New("backend: change feed trimmed past the checkpoint")
)

// Checkpoint is a position in a change feed, decoded: for each shard, the
// sequence number of the last change read, or none (the shard is read from
// its start), and whether the shard was read to its end. Backends encode it
// with a CheckpointCodec; consumers see only the encoded string.
type Checkpoint struct {
	// Feed names the feed the checkpoint belongs to (a stream ARN, a
	// memory store's feed ID); a checkpoint of another feed is refused.
	Feed   string
	Shards []ShardPosition
}

// ShardPosition is one shard's position in a Checkpoint.
type ShardPosition struct {
	Shard string
	After string // sequence number of the last change read; "" for none
	Done  bool   // the shard is closed and was read to its end
}

// Position returns the position of shard in c, and whether c has one.
func (c Checkpoint) Position(shard string) (ShardPosition, bool) {
	for _, p := range c.Shards {
		if p.Shard == shard {
			return p, true
		}
	}
	return ShardPosition{}, false
}

// CheckpointCodec encodes and verifies checkpoints: base64url of a payload
// (a version byte, the feed, and each shard's ID, position and state) and
// an HMAC-SHA256 of it under Key. A checkpoint changed by one bit, or
// signed with another key, is refused, and so is one of another feed.
type CheckpointCodec struct {
	// Key signs checkpoints. Empty means DefaultCheckpointKey, which is
	// public: it catches mistakes, not forgery. Set a secret key to make
	// checkpoints unforgeable.
	Key []byte
}

// DefaultCheckpointKey signs checkpoints when CheckpointCodec.Key is empty.
var DefaultCheckpointKey = []byte("tenantrepo change feed checkpoint v1")

const (
	checkpointVersion = 1
	checkpointMACLen  = 16
	// MaxCheckpointBytes bounds the encoded checkpoints Decode reads.
	MaxCheckpointBytes = 1 << 20
)

func (c CheckpointCodec) mac(payload []byte) []byte {
	key := c.Key
	if len(key) == 0 {
		key = DefaultCheckpointKey
	}
	m := hmac.New(sha256.New, key)
	m.Write(payload)
	return m.Sum(nil)[:checkpointMACLen]
}

// Encode returns cp as an opaque, signed string.
func (c CheckpointCodec) Encode(cp Checkpoint) string {
	var b []byte
	b = append(b, checkpointVersion)
	b = appendString(b, cp.Feed)
	b = binary.AppendUvarint(b, uint64(len(cp.Shards)))
	for _, p := range cp.Shards {
		b = appendString(b, p.Shard)
		b = appendString(b, p.After)
		done := byte(0)
		if p.Done {
			done = 1
		}
		b = append(b, done)
	}
	b = append(b, c.mac(b)...)
	return base64.RawURLEncoding.EncodeToString(b)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// Decode verifies s and returns the checkpoint it holds, which must be of
// the feed named feed. Every error wraps ErrInvalidCheckpoint and says
// nothing of what s holds.
func (c CheckpointCodec) Decode(s, feed string) (Checkpoint, error) {
	bad := func(why string) (Checkpoint, error) {
		return Checkpoint{}, fmt.Errorf("%w: %s", ErrInvalidCheckpoint, why)
	}
	if len(s) > MaxCheckpointBytes {
		return bad("too long")
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(raw) < 1+checkpointMACLen {
		return bad("not a checkpoint")
	}
	payload, sum := raw[:len(raw)-checkpointMACLen], raw[len(raw)-checkpointMACLen:]
	if !hmac.Equal(sum, c.mac(payload)) {
		return bad("does not verify")
	}
	r := bytes.NewReader(payload)
	if v, _ := r.ReadByte(); v != checkpointVersion {
		return bad("unknown version")
	}
	readString := func() (string, bool) {
		n, err := binary.ReadUvarint(r)
		if err != nil || n > uint64(r.Len()) {
			return "", false
		}
		b := make([]byte, n)
		_, _ = r.Read(b)
		return string(b), utf8.Valid(b)
	}
	var cp Checkpoint
	var ok bool
	if cp.Feed, ok = readString(); !ok {
		return bad("malformed")
	}
	if cp.Feed != feed {
		return bad("made by another feed")
	}
	n, err := binary.ReadUvarint(r)
	if err != nil || n > uint64(r.Len()) {
		return bad("malformed")
	}
	cp.Shards = make([]ShardPosition, 0, n)
	for range n {
		var p ShardPosition
		if p.Shard, ok = readString(); !ok || p.Shard == "" {
			return bad("malformed")
		}
		if p.After, ok = readString(); !ok {
			return bad("malformed")
		}
		done, err := r.ReadByte()
		if err != nil || done > 1 {
			return bad("malformed")
		}
		p.Done = done == 1
		cp.Shards = append(cp.Shards, p)
	}
	if r.Len() != 0 {
		return bad("malformed")
	}
	return cp, nil
}

// ChangeLimit returns the limit a read of in uses: in.Limit within 1 ...
// MaxChangeLimit, DefaultChangeLimit for zero, or an error wrapping
// ErrInvalidArgument for a negative limit.
func (in ReadChangesInput) ChangeLimit() (int, error) {
	switch {
	case in.Limit < 0:
		return 0, fmt.Errorf("%w: change limit %d is below 0", ErrInvalidArgument, in.Limit)
	case in.Limit == 0:
		return DefaultChangeLimit, nil
	}
	return min(in.Limit, MaxChangeLimit), nil
}

// Advance returns the checkpoint from (empty for a read from the start),
// verified as of feed, moved past changes, a prefix of what a read from it
// returned: each change's shard is positioned after its sequence number.
// Backends implement ChangeFeed.AdvanceCheckpoint with it.
func (c CheckpointCodec) Advance(from, feed string, changes []Change) (string, error) {
	cp := Checkpoint{Feed: feed}
	if from != "" {
		var err error
		if cp, err = c.Decode(from, feed); err != nil {
			return "", err
		}
	}
	for _, ch := range changes {
		if ch.Shard == "" || ch.Sequence == "" {
			return "", fmt.Errorf("%w: a change without shard or sequence", ErrInvalidArgument)
		}
		found := false
		for i := range cp.Shards {
			if cp.Shards[i].Shard == ch.Shard {
				cp.Shards[i].After, found = ch.Sequence, true
				break
			}
		}
		if !found {
			cp.Shards = append(cp.Shards, ShardPosition{Shard: ch.Shard, After: ch.Sequence})
		}
	}
	return c.Encode(cp), nil
}
