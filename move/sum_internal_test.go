package move

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/route"
)

// TestHugeBoundsWait: a catalog whose MaxStale or WriteTimeout is the
// longest time.Duration makes the mover wait (until its context ends),
// not wrap around to no wait at all.
func TestHugeBoundsWait(t *testing.T) {
	assert.Equal(t, time.Duration(math.MaxInt64), sum(time.Second, math.MaxInt64, time.Second))
	assert.Equal(t, 3*time.Second, sum(time.Second, 2*time.Second, 0))
	for _, opt := range []func(*route.CatalogOptions){
		func(o *route.CatalogOptions) { o.WriteTimeout = math.MaxInt64 },
		func(o *route.CatalogOptions) { o.MaxStale = math.MaxInt64 },
	} {
		cat, err := route.NewCatalog(memory.New(), opt)
		require.NoError(t, err)
		m := &mover{cfg: Config{Catalog: cat}, o: Options{Settle: time.Second, Clock: time.Now}}
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		err = m.settleWrites(ctx, time.Now())
		cancel()
		require.ErrorIs(t, err, context.DeadlineExceeded, "it waited")
	}
}
