package repo

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/entity"
)

func TestCursorRoundTrip(t *testing.T) {
	c := cursorCodec{key: defaultCursorKey, prefix: "user"}
	cur := c.encode("acme", "", "user#42")
	parts, err := c.decode("acme", cur, 2)
	require.NoError(t, err)
	assert.Equal(t, []string{"", "user#42"}, parts)
	assert.NotContains(t, cur, "acme", "cursors do not show the tenant")
}

func TestCursorBinding(t *testing.T) {
	c := cursorCodec{key: defaultCursorKey, prefix: "user"}
	cur := c.encode("a", "", "user#1")
	_, err := c.decode("ab", cur, 2)
	assert.Error(t, err, "another tenant")
	_, err = c.decode("A", cur, 2)
	assert.Error(t, err, "another tenant")
	_, err = cursorCodec{key: defaultCursorKey, prefix: "users"}.decode("a", cur, 2)
	assert.Error(t, err, "another type")
	_, err = cursorCodec{key: []byte("secret"), prefix: "user"}.decode("a", cur, 2)
	assert.Error(t, err, "another key")
	_, err = c.decode("a", cur, 4)
	assert.Error(t, err, "another shape of query")
	// Tenant and prefix are length-prefixed in the MAC: moving bytes from
	// one to the other does not verify.
	c2 := cursorCodec{key: defaultCursorKey, prefix: "ser"}
	_, err = c2.decode("au", cur, 2)
	assert.Error(t, err)
}

func TestCursorGarbage(t *testing.T) {
	c := cursorCodec{key: defaultCursorKey, prefix: "user"}
	for _, s := range []string{"", "x", "====", "not base64!", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"} {
		_, err := c.decode("acme", s, 2)
		assert.Error(t, err, "%q", s)
	}
}

// TestMaxCursorLen: the limit is the length of the cursor of the longest
// keys DynamoDB takes, whose length prefixes fit the bytes reserved.
func TestMaxCursorLen(t *testing.T) {
	c := newCursorCodec(defaultCursorKey, "p")
	longest := c.encode("t",
		strings.Repeat("n", entity.MaxPartitionKeyBytes), strings.Repeat("s", entity.MaxSortKeyBytes),
		strings.Repeat("i", entity.MaxPartitionKeyBytes), strings.Repeat("j", entity.MaxSortKeyBytes))
	if len(longest) != maxCursorLen {
		t.Fatalf("the longest cursor has %d characters; maxCursorLen is %d", len(longest), maxCursorLen)
	}
	if n := len(binary.AppendUvarint(nil, entity.MaxPartitionKeyBytes)); n > maxLenPrefix {
		t.Fatalf("a key's length takes %d bytes, more than %d", n, maxLenPrefix)
	}
	if parts, err := c.decode("t", longest, 4); err != nil || len(parts[2]) != entity.MaxPartitionKeyBytes {
		t.Fatalf("the longest cursor does not decode: %v", err)
	}
	if _, err := c.decode("t", longest+"A", 4); err == nil {
		t.Fatalf("a cursor over the limit decodes")
	}
}
