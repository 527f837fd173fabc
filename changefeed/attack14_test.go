package changefeed_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/changefeed"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// everyKey answers every key with v, tenantctx's own keys included.
type everyKey struct {
	context.Context
	v any
}

func (c everyKey) Value(any) any { return c.v }

// tenantKeyOnly answers tenantctx's tenant key, found by its type's name,
// with v, and every other key as its parent does.
type tenantKeyOnly struct {
	context.Context
	v any
}

func (c tenantKeyOnly) Value(k any) any {
	if fmt.Sprintf("%T", k) == "tenantctx.key" {
		return c.v
	}
	return c.Context.Value(k)
}

// attackSub returns a subscription of acme's notes on a new memory store
// with one note written.
func attackSub(t *testing.T) (*changefeed.Subscription[Note], context.Context, *memory.Store) {
	t.Helper()
	mem := memory.New(memory.WithChangeFeed(memory.FeedOptions{}))
	notes := repo.MustNew[Note](mem)
	acme := tenant(t, "acme")
	_, err := notes.Create(acme, Note{ID: "1", Text: "t"})
	require.NoError(t, err)
	sub, err := changefeed.Subscribe(acme, notes)
	require.NoError(t, err)
	return sub, acme, mem
}

// firstErr returns the first error Events yields, or nil when it yields an
// event first.
func firstErr(sub *changefeed.Subscription[Note], ctx context.Context) (err error) {
	for _, err := range sub.Events(ctx, time.Millisecond) { //nolint:staticcheck // a nil ctx on purpose
		return err
	}
	return nil
}

// TestAttack14NilContext: Poll and Events with a nil context return an
// error wrapping backend.ErrInvalidArgument, read nothing, and do not
// panic; so does an operator reader's Poll. Subscribe with a nil context
// is ErrNoTenant.
func TestAttack14NilContext(t *testing.T) {
	sub, acme, mem := attackSub(t)
	var nilCtx context.Context
	require.NotPanics(t, func() {
		_, err := sub.Poll(nilCtx)
		require.ErrorIs(t, err, backend.ErrInvalidArgument)
		require.ErrorIs(t, firstErr(sub, nilCtx), backend.ErrInvalidArgument)
	})
	// Nothing was read: the note is still the first event.
	evs, err := sub.Poll(acme)
	require.NoError(t, err)
	require.Len(t, evs, 1)
	assert.Equal(t, changefeed.Created, evs[0].Kind)

	op, err := tenantctx.AsOperator(context.Background(), "test")
	require.NoError(t, err)
	rd, err := changefeed.NewOperatorReader(op, mem)
	require.NoError(t, err)
	require.NotPanics(t, func() {
		_, err := rd.Poll(nilCtx)
		require.ErrorIs(t, err, backend.ErrInvalidArgument)
	})
	_, err = changefeed.Subscribe(nilCtx, repo.MustNew[Task](mem))
	require.ErrorIs(t, err, tenantctx.ErrNoTenant)
}

// TestAttack14UnreadableTenant: Poll and Events with a context whose
// tenant cannot be read (one answering every key, one answering the tenant
// key with a value the rules refuse) fail with ErrScope and read nothing,
// as for a context of another tenant.
func TestAttack14UnreadableTenant(t *testing.T) {
	sub, acme, _ := attackSub(t)
	for name, ctx := range map[string]context.Context{
		"every key":      everyKey{context.Background(), "acme"},
		"invalid ID":     tenantKeyOnly{context.Background(), "acme#x"},
		"not a string":   tenantKeyOnly{context.Background(), 42},
		"another tenant": tenant(t, "acme-corp"),
	} {
		_, err := sub.Poll(ctx)
		require.ErrorIs(t, err, changefeed.ErrScope, name)
		require.ErrorIs(t, firstErr(sub, ctx), changefeed.ErrScope, name)
	}
	evs, err := sub.Poll(acme)
	require.NoError(t, err)
	require.Len(t, evs, 1, "nothing was read by the refused polls")
}

// TestAttack14NilOption: a nil option function is refused with
// backend.ErrInvalidArgument, not a panic.
func TestAttack14NilOption(t *testing.T) {
	mem := memory.New(memory.WithChangeFeed(memory.FeedOptions{}))
	require.NotPanics(t, func() {
		_, err := changefeed.Subscribe(tenant(t, "acme"), repo.MustNew[Note](mem), nil)
		require.ErrorIs(t, err, backend.ErrInvalidArgument)
		op, err := tenantctx.AsOperator(context.Background(), "test")
		require.NoError(t, err)
		_, err = changefeed.NewOperatorReader(op, mem, nil)
		require.ErrorIs(t, err, backend.ErrInvalidArgument)
	})
}

// seal makes a subscription checkpoint of scope around inner, signed with
// key: what anyone who reads this module's source can forge with the
// public default keys.
func seal(key []byte, scope, inner string) string {
	b := []byte{1}
	b = binary.AppendUvarint(b, uint64(len(scope)))
	b = append(b, scope...)
	b = append(b, inner...)
	m := hmac.New(sha256.New, key)
	m.Write(b)
	b = append(b, m.Sum(nil)[:16]...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// TestAttack14ForgedCheckpoints: checkpoints forged with the public default
// keys, holding feed positions no feed made, are refused with typed errors
// or read acme's own changes only; none panics, and none delivers another
// tenant's change.
func TestAttack14ForgedCheckpoints(t *testing.T) {
	mem := memory.New(memory.WithChangeFeed(memory.FeedOptions{}))
	notes := repo.MustNew[Note](mem)
	acme, corp := tenant(t, "acme"), tenant(t, "acme-corp")
	_, err := notes.Create(corp, Note{ID: "secret", Text: "corp"})
	require.NoError(t, err)
	_, err = notes.Create(acme, Note{ID: "1", Text: "t"})
	require.NoError(t, err)
	head, err := mem.ChangeHead(acme)
	require.NoError(t, err)
	// The feed's ID is in its checkpoints, after the version byte.
	raw, err := base64.RawURLEncoding.DecodeString(head)
	require.NoError(t, err)
	n, k := binary.Uvarint(raw[1:])
	feedID := string(raw[1+k : 1+k+int(n)])
	real, err := backend.CheckpointCodec{}.Decode(head, feedID)
	require.NoError(t, err)
	shard := real.Shards[0].Shard
	enc := func(ps ...backend.ShardPosition) string {
		return backend.CheckpointCodec{}.Encode(backend.Checkpoint{Feed: feedID, Shards: ps})
	}
	inners := map[string]string{
		"empty":           "",
		"garbage":         "garbage",
		"huge":            strings.Repeat("A", 1<<16),
		"another feed":    backend.CheckpointCodec{}.Encode(backend.Checkpoint{Feed: "x", Shards: real.Shards}),
		"before all":      enc(backend.ShardPosition{Shard: shard, After: "000000000000000000000"}),
		"past all":        enc(backend.ShardPosition{Shard: shard, After: "999999999999999999999"}),
		"max sequence":    enc(backend.ShardPosition{Shard: shard, After: "018446744073709551615"}),
		"bad sequence":    enc(backend.ShardPosition{Shard: shard, After: "-1"}),
		"unknown shard":   enc(backend.ShardPosition{Shard: "nope", After: "000000000000000000001"}),
		"unknown done":    enc(backend.ShardPosition{Shard: "nope", Done: true}),
		"shard twice":     enc(backend.ShardPosition{Shard: shard}, backend.ShardPosition{Shard: shard, Done: true}),
		"done, not read":  enc(backend.ShardPosition{Shard: shard, Done: true}),
		"no shards":       enc(),
		"operator's feed": head,
	}
	for name, inner := range inners {
		cp := seal(changefeed.DefaultKey, "tenant\x00acme\x00note", inner)
		require.NotPanics(t, func() {
			sub, err := changefeed.Subscribe(acme, notes, func(o *changefeed.Options) { o.From = cp })
			if err != nil {
				assert.ErrorIs(t, err, changefeed.ErrInvalidCheckpoint, name)
				return
			}
			for range 3 {
				evs, err := sub.Poll(acme)
				if err != nil {
					t.Logf("%s: %v", name, err)
					assert.True(t, errors.Is(err, changefeed.ErrInvalidCheckpoint) || errors.Is(err, changefeed.ErrTrimmed), "%s: %v", name, err)
					return
				}
				for _, ev := range evs {
					assert.Equal(t, "1", ev.ID, "%s: an event not acme's", name)
				}
			}
			_, err = sub.Checkpoint()
			assert.NoError(t, err, name)
		}, name)
	}
}
