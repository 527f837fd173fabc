package isnil

import (
	"bytes"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestIs: nil and every kind of typed nil are nil; values, zero values of
// non-nilable kinds and non-nil pointers are not.
func TestIs(t *testing.T) {
	var r io.Reader
	var br *bytes.Reader
	var rr io.Reader = br
	for _, v := range []any{nil, br, rr, map[string]int(nil), []int(nil), (func())(nil), (chan int)(nil), (*int)(nil)} {
		assert.True(t, Is(v), "%T", v)
	}
	assert.True(t, Is(r))
	for _, v := range []any{0, "", struct{}{}, bytes.NewReader(nil), map[string]int{}, []int{}, func() {}, make(chan int)} {
		assert.False(t, Is(v), "%T", v)
	}
}
