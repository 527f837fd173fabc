package memory

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
)

// TestIndexSlotsOption checks Options.IndexSlots: a Store has exactly the
// slots listed, none for an empty list, refuses queries of the others with
// backend.ErrMissingIndex (which is also backend.ErrInvalidArgument), and
// reports its slots as a backend.IndexReporter.
func TestIndexSlotsOption(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		slots []int
		want  backend.IndexSet
	}{
		{[]int{}, 0},
		{[]int{2, 4}, backend.IndexSet(0b01010)},
		{[]int{1, 2, 3, 4, 5}, backend.AllIndexes},
	} {
		st := New(func(o *Options) { o.IndexSlots = tc.slots })
		var r backend.IndexReporter = st
		got, known := r.KnownIndexes()
		assert.True(t, known)
		assert.Equal(t, tc.want, got, "%v", tc.slots)
		got, err := r.TableIndexes(ctx)
		require.NoError(t, err)
		assert.Equal(t, tc.want, got)
		assert.Equal(t, tc.want, st.IndexSlots())
		assert.Equal(t, len(tc.slots), st.Indexes())
		for n := 1; n <= backend.MaxIndexes; n++ {
			name := backend.IndexName(n)
			pk, sk := backend.IndexKeyNames(name)
			// A number in the key of an index the Store lacks is no error.
			require.NoError(t, st.Put(ctx, backend.PutInput{Item: item("x", pk, s("p"), sk, s("s"))}))
			err := st.Put(ctx, backend.PutInput{Item: item("y", pk, n1)})
			_, qerr := st.Query(ctx, backend.QueryInput{Index: name, PK: "p", Limit: 1})
			if tc.want.Has(n) {
				assert.ErrorIs(t, err, backend.ErrInvalidArgument, "%v: number key of %s", tc.slots, name)
				assert.NoError(t, qerr, "%v: query %s", tc.slots, name)
			} else {
				assert.NoError(t, err, "%v: number key of %s", tc.slots, name)
				assert.ErrorIs(t, qerr, backend.ErrMissingIndex, "%v: query %s", tc.slots, name)
				assert.ErrorIs(t, qerr, backend.ErrInvalidArgument)
				assert.ErrorContains(t, qerr, "The table does not have the specified index: "+name)
				assert.Equal(t, 0, st.indexCount(n))
			}
		}
	}
	for _, bad := range [][]int{{0}, {6}, {1, 1}, {-1}} {
		assert.Panics(t, func() { New(WithIndexSlots(bad...)) }, "%v", bad)
	}
	assert.Panics(t, func() { New(WithIndexSlots(1), func(o *Options) { o.Indexes = 1 }) })
	assert.Equal(t, backend.AllIndexes, New(func(o *Options) { o.IndexSlots = nil }).IndexSlots(), "nil: every slot")
}

var n1 = n("1")
