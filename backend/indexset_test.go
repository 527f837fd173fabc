package backend

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIndexSet(t *testing.T) {
	for mask := range AllIndexes + 1 {
		s := IndexSet(mask)
		back, err := NewIndexSet(s.Slots()...)
		require.NoError(t, err)
		assert.Equal(t, s, back)
		assert.Len(t, s.Slots(), s.Len())
		for n := 0; n <= MaxIndexes+1; n++ {
			assert.Equal(t, n >= 1 && n <= MaxIndexes && mask&(1<<(n-1)) != 0, s.Has(n), "%v has %d", s, n)
		}
	}
	for _, bad := range [][]int{{0}, {MaxIndexes + 1}, {-1}, {3, 3}} {
		_, err := NewIndexSet(bad...)
		assert.ErrorIs(t, err, ErrInvalidArgument, "%v", bad)
	}
	empty, err := NewIndexSet()
	require.NoError(t, err)
	assert.Equal(t, "no index", empty.String())
	assert.Equal(t, "GSI1, GSI2, GSI3, GSI4, GSI5", AllIndexes.String())
	two, _ := NewIndexSet(4, 2)
	assert.Equal(t, "GSI2, GSI4", two.String())
	for n := 0; n <= MaxIndexes; n++ {
		assert.Equal(t, n, FirstIndexes(n).Len())
		assert.True(t, n == 0 || FirstIndexes(n).Has(n))
		assert.False(t, FirstIndexes(n).Has(n+1))
	}
	assert.True(t, errors.Is(ErrMissingIndex, ErrInvalidArgument))
}
