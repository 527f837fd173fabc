package backend_test

import (
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
)

// TestCheckpointCodec: checkpoints round-trip; a change of any bit, another
// key, another feed, a truncation or an extension is ErrInvalidCheckpoint.
func TestCheckpointCodec(t *testing.T) {
	cp := backend.Checkpoint{Feed: "arn:stream/1", Shards: []backend.ShardPosition{
		{Shard: "shardId-1", After: "000000000000000000042", Done: true},
		{Shard: "shardId-2"},
		{Shard: "shardId-3", After: "000000000000000000043"},
	}}
	c := backend.CheckpointCodec{}
	s := c.Encode(cp)
	got, err := c.Decode(s, "arn:stream/1")
	require.NoError(t, err)
	assert.Equal(t, cp, got)
	p, ok := got.Position("shardId-3")
	assert.True(t, ok)
	assert.Equal(t, "000000000000000000043", p.After)

	raw, err := base64.RawURLEncoding.DecodeString(s)
	require.NoError(t, err)
	for i := range raw {
		for bit := range 8 {
			b := append([]byte{}, raw...)
			b[i] ^= 1 << bit
			_, err := c.Decode(base64.RawURLEncoding.EncodeToString(b), "arn:stream/1")
			require.ErrorIs(t, err, backend.ErrInvalidCheckpoint, "byte %d bit %d", i, bit)
		}
	}
	for name, bad := range map[string]string{
		"truncated":  base64.RawURLEncoding.EncodeToString(raw[:len(raw)-1]),
		"extended":   s + "AA",
		"empty":      "",
		"not base64": "%%%",
	} {
		_, err := c.Decode(bad, "arn:stream/1")
		assert.ErrorIs(t, err, backend.ErrInvalidCheckpoint, name)
	}
	_, err = c.Decode(s, "arn:stream/2")
	assert.ErrorIs(t, err, backend.ErrInvalidCheckpoint, "another feed")
	_, err = backend.CheckpointCodec{Key: []byte("k")}.Decode(s, "arn:stream/1")
	assert.ErrorIs(t, err, backend.ErrInvalidCheckpoint, "another key")

	// Advance moves the shards of the changes, and adds new ones.
	next, err := c.Advance(s, "arn:stream/1", []backend.Change{
		{Shard: "shardId-2", Sequence: "000000000000000000050"},
		{Shard: "shardId-9", Sequence: "000000000000000000051"},
	})
	require.NoError(t, err)
	got, err = c.Decode(next, "arn:stream/1")
	require.NoError(t, err)
	assert.Equal(t, []backend.ShardPosition{
		{Shard: "shardId-1", After: "000000000000000000042", Done: true},
		{Shard: "shardId-2", After: "000000000000000000050"},
		{Shard: "shardId-3", After: "000000000000000000043"},
		{Shard: "shardId-9", After: "000000000000000000051"},
	}, got.Shards)
	_, err = c.Advance(s, "arn:stream/1", []backend.Change{{}})
	assert.ErrorIs(t, err, backend.ErrInvalidArgument)
}
