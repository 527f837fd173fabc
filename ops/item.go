package ops

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
)

// stringAttr returns the string value of item's attribute name, and
// whether it is a string.
func stringAttr(item backend.Item, name string) (string, bool) {
	s, ok := item[name].(*types.AttributeValueMemberS)
	if !ok {
		return "", false
	}
	return s.Value, true
}

// sortKeyOf returns the sort key of item, "" when it has no string one.
func sortKeyOf(item backend.Item) string {
	sk, _ := stringAttr(item, entity.SortKeyName)
	return sk
}

// sortKeyType returns the entity type an item of sort key sk is counted
// under (TypeStats): its prefix, the part before the first separator, or
// "" without one.
func sortKeyType(sk string) string {
	prefix, _, ok := strings.Cut(sk, entity.Separator)
	if !ok {
		return ""
	}
	return prefix
}

// addByType adds an item of size bytes with sort key sk to byType.
func addByType(byType map[string]TypeStats, sk string, size int) {
	t := sortKeyType(sk)
	s := byType[t]
	s.Items++
	s.Bytes += int64(size)
	byType[t] = s
}
