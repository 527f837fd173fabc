package memory

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
)

// TestUnitsMeterChargesTotalAsTable: under meters that read only totals
// (backend.WithUnitsMeter) the Store charges what a put of an item in GSI1
// consumed on the table and the index together as the table's, as the
// DynamoDB backend does with ReturnConsumedCapacity TOTAL; a full meter
// around it gets the figures apart.
func TestUnitsMeterChargesTotalAsTable(t *testing.T) {
	st := New()
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	item := func(n int) backend.Item {
		return backend.Item{
			"PK": s("tenant#acme"), "SK": s("note#" + strings.Repeat("1", n)),
			"GSI1PK": s("tenant#acme#tag"), "GSI1SK": s("s"),
			"body": s(strings.Repeat("x", 1400)),
		}
	}
	ctx, m := backend.WithUnitsMeter(t.Context())
	require.NoError(t, st.Put(ctx, backend.PutInput{Item: item(1)}))
	assert.Equal(t, backend.Usage{Requests: 1, Capacity: backend.Capacity{Table: backend.Units{Write: 4}}}, m.Usage())

	full, fm := backend.WithMeter(t.Context())
	inner, im := backend.WithUnitsMeter(full)
	require.NoError(t, st.Put(inner, backend.PutInput{Item: item(2)}))
	want := backend.Usage{Requests: 1, Capacity: backend.Capacity{Table: backend.Units{Write: 2}}}
	want.Capacity.Indexes[0] = backend.Units{Write: 2}
	assert.Equal(t, want, fm.Usage())
	assert.Equal(t, want, im.Usage(), "fully metered: the units meter is charged the figures too")
}
