package changefeed

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/tenantrepo/tenantrepo/backend"
)

// Errors of the package. Each wraps, or is matched by, errors.Is.
var (
	// ErrNoChangeFeed reports a repository whose backend has no change
	// feed, or one that is off. It matches backend.ErrNoChangeFeed too.
	ErrNoChangeFeed = backend.ErrNoChangeFeed
	// ErrInvalidCheckpoint reports a checkpoint that is not one this
	// package made for the same scope (tenant and entity type, or the
	// operator and tenant filter) under the same key, or whose feed
	// position the backend refuses. It matches
	// backend.ErrInvalidCheckpoint too.
	ErrInvalidCheckpoint = backend.ErrInvalidCheckpoint
	// ErrTrimmed reports a checkpoint that points before the oldest change
	// the feed keeps. It is backend.ErrTrimmed.
	ErrTrimmed = backend.ErrTrimmed
	// ErrMalformedChange reports a change a reader skipped because it
	// could not be read safely: keys that are not two strings, or images
	// whose keys are not the change's. See SkipError.
	ErrMalformedChange = errors.New("changefeed: malformed change skipped")
	// ErrScope reports a Poll whose context does not fit the reader: a
	// subscription polled with another tenant's context, an operator
	// reader polled without the operator marker.
	ErrScope = errors.New("changefeed: context does not fit the reader's scope")
)

// SkipError describes a change a reader skipped (ErrMalformedChange). It
// says where the change is in the feed and why it was skipped, and holds
// nothing of the item, which may be another tenant's.
type SkipError struct {
	Shard, Sequence string
	Reason          string
}

// Error says where the skipped change is and why, and nothing it holds.
func (e *SkipError) Error() string {
	return fmt.Sprintf("%v: shard %s, sequence %s: %s", ErrMalformedChange, e.Shard, e.Sequence, e.Reason)
}

// Is reports whether target is ErrMalformedChange.
func (e *SkipError) Is(target error) bool { return target == ErrMalformedChange }

// DefaultKey signs checkpoints when Options.Key is empty. It is public (it
// is in this source): it catches mistakes, such as a checkpoint of one
// tenant given to another's subscription, not forgery. Set a secret key
// to make checkpoints unforgeable.
var DefaultKey = []byte("tenantrepo changefeed checkpoint v1")

// Options tune a reader.
type Options struct {
	// From is the checkpoint to resume from, from Checkpoint of an earlier
	// reader of the same scope. Empty starts at the oldest change the feed
	// keeps.
	From string
	// Limit is the most changes of the feed one Poll reads (of every
	// tenant and type; those the reader does not deliver count too).
	// Zero means backend.DefaultChangeLimit.
	Limit int
	// Key signs the reader's checkpoints; empty means DefaultKey. The
	// backend signs the feed positions inside them with its own key.
	Key []byte
	// OnSkip, when set, is called with a *SkipError for each change the
	// reader skipped as malformed. Changes of other tenants and types are
	// not reported: they are simply not the reader's.
	OnSkip func(error)
	// Tenant, for an operator reader only, keeps the changes of that
	// tenant's partition and drops the others. Empty keeps every change.
	Tenant string
}

// reader reads a feed for one scope and keeps its checkpoint.
type reader struct {
	feed   backend.ChangeFeed
	scope  string // what checkpoints are bound to
	key    []byte
	limit  int
	onSkip func(error)

	start    string           // the feed checkpoint the batch was read from
	batch    []backend.Change // the last read
	next     string           // the feed checkpoint after the whole batch
	consumed int              // changes of the batch handed on (or dropped)
}

// options applies optFns to the zero Options; a nil one is refused with
// backend.ErrInvalidArgument.
func options(optFns []func(*Options)) (Options, error) {
	var o Options
	for _, fn := range optFns {
		if fn == nil {
			return Options{}, fmt.Errorf("%w: nil option", backend.ErrInvalidArgument)
		}
		fn(&o)
	}
	return o, nil
}

func newReader(feed backend.ChangeFeed, scope string, o Options) (*reader, error) {
	if o.Limit < 0 {
		return nil, fmt.Errorf("changefeed: %w: limit %d is below 0", backend.ErrInvalidArgument, o.Limit)
	}
	r := &reader{feed: feed, scope: scope, key: o.Key, limit: o.Limit, onSkip: o.OnSkip}
	if len(r.key) == 0 {
		r.key = DefaultKey
	}
	if o.From != "" {
		inner, err := r.open(o.From)
		if err != nil {
			return nil, err
		}
		r.start, r.next = inner, inner
	}
	return r, nil
}

// read reads the next batch, after the whole of the one before.
func (r *reader) read(ctx context.Context) error {
	out, err := r.feed.ReadChanges(ctx, backend.ReadChangesInput{From: r.next, Limit: r.limit})
	if err != nil {
		return fmt.Errorf("changefeed: %w", err)
	}
	r.start, r.batch, r.next, r.consumed = r.next, out.Changes, out.Next, 0
	return nil
}

// skip reports a malformed change.
func (r *reader) skip(c backend.Change, why string) {
	if r.onSkip != nil {
		r.onSkip(&SkipError{Shard: c.Shard, Sequence: c.Sequence, Reason: why})
	}
}

// checkpoint returns the signed checkpoint after the changes consumed.
func (r *reader) checkpoint() (string, error) {
	inner := r.next
	if r.consumed < len(r.batch) {
		var err error
		if inner, err = r.feed.AdvanceCheckpoint(r.start, r.batch[:r.consumed]); err != nil {
			return "", fmt.Errorf("changefeed: checkpoint: %w", err)
		}
	}
	return r.seal(inner), nil
}

// A checkpoint is base64url(version || len(scope) scope || inner || mac),
// the MAC an HMAC-SHA256 of the rest under the reader's key, truncated.
const (
	checkpointVersion = 1
	macLen            = 16
)

func (r *reader) mac(b []byte) []byte {
	m := hmac.New(sha256.New, r.key)
	m.Write(b)
	return m.Sum(nil)[:macLen]
}

func (r *reader) seal(inner string) string {
	b := []byte{checkpointVersion}
	b = binary.AppendUvarint(b, uint64(len(r.scope)))
	b = append(b, r.scope...)
	b = append(b, inner...)
	b = append(b, r.mac(b)...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// open verifies a checkpoint of the reader's scope and returns the feed
// checkpoint it holds. Its errors say nothing of what s holds.
func (r *reader) open(s string) (string, error) {
	bad := fmt.Errorf("changefeed: %w: not a checkpoint of this reader's scope and key", ErrInvalidCheckpoint)
	if len(s) > 2*backend.MaxCheckpointBytes {
		return "", bad
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(raw) < 1+macLen {
		return "", bad
	}
	body, sum := raw[:len(raw)-macLen], raw[len(raw)-macLen:]
	if !hmac.Equal(sum, r.mac(body)) || body[0] != checkpointVersion {
		return "", bad
	}
	rd := bytes.NewReader(body[1:])
	n, err := binary.ReadUvarint(rd)
	if err != nil || n > uint64(rd.Len()) {
		return "", bad
	}
	scope := make([]byte, n)
	_, _ = rd.Read(scope)
	if string(scope) != r.scope {
		return "", bad
	}
	inner := make([]byte, rd.Len())
	_, _ = rd.Read(inner)
	return string(inner), nil
}
