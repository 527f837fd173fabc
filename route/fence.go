package route

import (
	"fmt"
	"hash/fnv"
	"maps"
	"strings"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
)

// FenceShards is how many fence items a tenant's partition gets during a
// move's pause: a fenced write checks one of them, chosen by its key, so
// that concurrent writes do not all check one item.
const FenceShards = 16

// fenceSKPrefix starts the sort key of every fence item. No entity
// prefix can start with '#', so repositories never see fence items.
const fenceSKPrefix = "#move#"

// FenceKey returns the key of the tenant's fence item shard (0 ...
// FenceShards-1): in the tenant's partition, with the sort key "#move#"
// and the shard in two digits. The tenant ID is not checked.
func FenceKey(tenant string, shard int) backend.Key {
	return backend.Key{PK: entity.PartitionKey(tenant), SK: fmt.Sprintf("%s%02d", fenceSKPrefix, shard)}
}

// IsFenceKey reports whether k is the key of a fence item: in a tenant
// partition, with the sort key FenceKey gives one of the FenceShards.
func IsFenceKey(k backend.Key) bool {
	if !strings.HasPrefix(k.PK, entity.TenantPrefix) || k.IndexPK != "" || k.IndexSK != "" {
		return false
	}
	digits, ok := strings.CutPrefix(k.SK, fenceSKPrefix)
	if !ok || len(digits) != 2 || digits[0] < '0' || digits[0] > '9' || digits[1] < '0' || digits[1] > '9' {
		return false
	}
	return int(digits[0]-'0')*10+int(digits[1]-'0') < FenceShards
}

// FenceShard returns the fence shard a write of key k checks.
func FenceShard(k backend.Key) int {
	h := fnv.New32a()
	h.Write([]byte(k.PK))
	h.Write([]byte{0})
	h.Write([]byte(k.SK))
	return int(h.Sum32() % FenceShards)
}

// fenceCond is the fence check's expression: the fence item is absent.
var fenceCond = func() backend.Expressions {
	ex, err := buildExpr(expression.NewBuilder().WithCondition(
		expression.AttributeNotExists(expression.Name(entity.PartitionKeyName))))
	if err != nil {
		panic(err) // a fixed expression
	}
	return ex
}()

// fenceCheck returns the fence check of a write of the tenant whose first
// key is k.
func fenceCheck(tenant string, k backend.Key) backend.TxAction {
	ex := fenceCond
	ex.Names = maps.Clone(ex.Names)
	ex.Values = maps.Clone(ex.Values)
	return backend.TxAction{Kind: backend.TxCheck, Key: FenceKey(tenant, FenceShard(k)), Expr: ex}
}
