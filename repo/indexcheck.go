package repo

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/tenantrepo/tenantrepo/backend"
)

// indexCheck is the check of the type's index slots against the table,
// for a backend that had not looked at its table when New ran.
type indexCheck struct {
	reporter backend.IndexReporter
	done     atomic.Bool // every index of the type was found in the table
}

// checkIndexSlots refuses, in New, an index of the type in a slot that the
// backend b is known to lack. When b has not looked at its table yet, it
// arranges for the first index query to check (checkIndexInUse).
func (r *Repository[T]) checkIndexSlots(b backend.Backend) error {
	if rep, ok := b.(backend.IndexReporter); ok {
		set, checked := rep.KnownIndexes()
		for _, s := range r.indexes {
			if !set.Has(s.Slot) {
				return r.missingIndex(s, set, checked)
			}
		}
		if !checked && len(r.indexes) > 0 {
			r.indexCheck = &indexCheck{reporter: rep}
		}
		return nil
	}
	if c, ok := b.(backend.IndexCounter); ok {
		set := backend.FirstIndexes(c.Indexes())
		for _, s := range r.indexes {
			if !set.Has(s.Slot) {
				return r.missingIndex(s, set, false)
			}
		}
	}
	return nil
}

// checkIndexInUse refuses, at the first queries of the index ix, an index
// the table does not have, when New could not know. The backend asks the
// store once and keeps the answer, so later calls cost an atomic load.
func (r *Repository[T]) checkIndexInUse(ctx context.Context, op opName, ix indexSpec) error {
	c := r.indexCheck
	if c == nil || c.done.Load() {
		return nil
	}
	set, err := c.reporter.TableIndexes(ctx)
	if err != nil {
		return failBackend(op, err)
	}
	if !set.Has(ix.Slot) {
		return fail(op, ErrMissingIndex, r.missingIndex(ix, set, true))
	}
	for _, s := range r.indexes {
		if !set.Has(s.Slot) {
			return nil // another index is missing: check again next time
		}
	}
	c.done.Store(true)
	return nil
}

// missingIndex says which index of the type the table lacks and how to add
// it. checked says whether the slots were found in the table, or are only
// those the backend was configured with.
func (r *Repository[T]) missingIndex(s indexSpec, set backend.IndexSet, checked bool) error {
	where := "the table has"
	if !checked {
		where = "the backend is configured with"
	}
	return fmt.Errorf("index %q of %s is in slot %d, and %s %s, not %s: "+
		"list slot %d in the backend's index slots (dynamodb.WithIndexSlots, memory.WithIndexSlots) "+
		"and run the DynamoDB backend's EnsureTable, or add the global secondary index %s "+
		"(hash key %s, range key %s, both strings, projection ALL) to the table",
		s.Name, r.typeName, s.Slot, where, set, s.gsi, s.Slot, s.gsi, s.keyPK, s.keySK)
}
