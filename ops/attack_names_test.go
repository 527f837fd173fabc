package ops_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/ops"
)

// Index attributes with names that expressions treat specially, or that
// are long: a reindex must do the same on both backends, and touch
// nothing but the tenant's own items of the type. A name with brackets,
// which the expression builder reads as a list index ("a[0]": element 0
// of a), made the update's condition test another path than the
// attribute read: every item was skipped as if changed under the
// reindex, and none was fixed. The update now names every attribute
// through a placeholder (package exprname), as the repository does, so
// such names work like any other.
func TestAttackReindexOddAttributeNames(t *testing.T) {
	names := []string{"a[0]", "a[0][1]", "a[x]", "a]", "[0]", "a[0]b", "a.b", "#x", ":v", "with space", "ünï", "PK ", "pk", "Gsi1pk", "GSI6PK", "size", "attribute_exists", strings.Repeat("n", 255), strings.Repeat("n", 256), strings.Repeat("n", 50000)}
	atEach(t, func(t *testing.T, b backend.Backend) {
		before := atSeedNeighbours(t, b)
		results := map[string]string{}
		for i, name := range names {
			id := fmt.Sprintf("odd%d", i)
			pk := "tenant#" + id
			atPut(t, b,
				backend.Item{"PK": atS(pk), "SK": atS("user#1"), name: atS("v#1"), "s": atS("x")},
				backend.Item{"PK": atS(pk), "SK": atS("user#2"), name: atS("v2")},
				backend.Item{"PK": atS(pk), "SK": atS("users#3"), name: atS("v3"), "s": atS("x")},
			)
			spec := ops.TypeSpec{Prefix: "user", Indexes: []entity.Index{{Name: "byOdd", Slot: 2, PartitionAttr: name, SortAttr: "s"}}}
			res, err := ops.ReindexType(atCtx(t, id), b, spec)
			results[fmt.Sprint(i)] = fmt.Sprintf("%+v %v", res.Counts, err)
			if err != nil {
				atIsOneOf(t, err, ops.ErrInvalidArgument, backend.ErrInvalidArgument)
				continue
			}
			assert.Equal(t, int64(1), res.Done, "name %.40q: %+v", name, res)
			got := atPartition(t, b, pk)
			assert.Contains(t, got, `"GSI2PK":{"S":"tenant#`+id+`#user#byOdd#v#1"}`, "name %.40q", name)
			assert.Equal(t, 1, strings.Count(got, "GSI2PK"), "only user#1 is in the index")
		}
		atUnchanged(t, b, before)
		t.Logf("%v", results)
	})
}
