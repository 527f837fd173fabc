package limit_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
	"github.com/tenantrepo/tenantrepo/limit"
	"github.com/tenantrepo/tenantrepo/repo"
)

// TestUnitsRealCapacity charges the units bucket with the capacity the
// backends report, the memory backend's figures and DynamoDB Local's
// ConsumedCapacity, and refuses the tenant once they are spent: puts of a
// 1.5 KB note cost 2 write units, a get of it half a read unit.
func TestUnitsRealCapacity(t *testing.T) {
	for _, kb := range []struct {
		name string
		new  func(t *testing.T) backend.Backend
	}{
		{"memory", func(*testing.T) backend.Backend { return memory.New() }},
		{"dynamodb", func(t *testing.T) backend.Backend { return dynamotest.NewTable(t) }},
	} {
		t.Run(kb.name, func(t *testing.T) {
			clk := newClock()
			lb, err := limit.New(kb.new(t), limit.WithClock(clk.Now), limit.WithLimits(func(string) limit.Limits {
				return limit.Limits{UnitsPerSecond: 10, UnitBurst: 10}
			}))
			require.NoError(t, err)
			notes, err := repo.New[Note](lb)
			require.NoError(t, err)
			ctx := tctx(t, "acme")
			text := strings.Repeat("x", 1500)
			// 10 units: five puts of 2.
			for i := range 5 {
				mctx, m := repo.WithMeter(ctx)
				_, err := notes.Put(mctx, Note{ID: fmt.Sprint(i), Text: text})
				require.NoError(t, err, "put %d", i)
				assert.Equal(t, backend.Units{Write: 2}, m.Usage().Capacity.Total(), "put %d", i)
			}
			mctx, m := repo.WithMeter(ctx)
			_, err = notes.Get(mctx, "0")
			require.ErrorIs(t, err, repo.ErrThrottled)
			wait, ok := repo.RetryAfter(err)
			require.True(t, ok)
			assert.Equal(t, 50*time.Millisecond, wait, "half a unit at 10 a second")
			assert.Equal(t, 1, m.Usage().Throttles)
			assert.Zero(t, m.Usage().Requests, "nothing sent")

			clk.Advance(wait)
			mctx, m = repo.WithMeter(ctx)
			n, err := notes.Get(mctx, "0")
			require.NoError(t, err)
			assert.Equal(t, text, n.Text)
			assert.Equal(t, backend.Units{Read: 0.5}, m.Usage().Capacity.Total())
			_, err = notes.Get(ctx, "0")
			require.ErrorIs(t, err, repo.ErrThrottled, "the get spent the half unit")
		})
	}
}
