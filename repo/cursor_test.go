package repo

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
