package entity_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tenantrepo/tenantrepo/entity"
)

func TestValidateIndexes(t *testing.T) {
	ok := entity.Index{Name: "by-user", Slot: 1, PartitionAttr: "user_id", SortAttr: "created_at"}
	assert.NoError(t, entity.ValidateIndexes(nil))
	assert.NoError(t, entity.ValidateIndexes([]entity.Index{ok, {Name: "by-status", Slot: 5, PartitionAttr: "status", SortAttr: "a[0].b"}}))
	with := func(f func(*entity.Index)) []entity.Index {
		ix := ok
		f(&ix)
		return []entity.Index{ix}
	}
	for name, idx := range map[string][]entity.Index{
		"empty name":          with(func(ix *entity.Index) { ix.Name = "" }),
		"separator in name":   with(func(ix *entity.Index) { ix.Name = "by#user" }),
		"invalid UTF-8 name":  with(func(ix *entity.Index) { ix.Name = "by\xff" }),
		"slot 0":              with(func(ix *entity.Index) { ix.Slot = 0 }),
		"slot 6":              with(func(ix *entity.Index) { ix.Slot = entity.MaxIndexes + 1 }),
		"one attribute twice": with(func(ix *entity.Index) { ix.SortAttr = ix.PartitionAttr }),
		"empty attribute":     with(func(ix *entity.Index) { ix.SortAttr = "" }),
		"table key attribute": with(func(ix *entity.Index) { ix.PartitionAttr = entity.PartitionKeyName }),
		"index key attribute": with(func(ix *entity.Index) { ix.SortAttr = "GSI3SK" }),
		"invalid UTF-8 attr":  with(func(ix *entity.Index) { ix.SortAttr = "\xfe" }),
		"name used twice":     {ok, {Name: ok.Name, Slot: 2, PartitionAttr: "a", SortAttr: "b"}},
		"slot used twice":     {ok, {Name: "other", Slot: ok.Slot, PartitionAttr: "a", SortAttr: "b"}},
	} {
		assert.ErrorIs(t, entity.ValidateIndexes(idx), entity.ErrInvalidIndex, name)
	}
}
