package proptest

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
)

// TestIsolationMemory runs random sequences of every repository operation,
// by several tenants with near-colliding IDs, on the memory backend, and
// checks every result against the model.
func TestIsolationMemory(t *testing.T) {
	minSteps := configure(t, budget{checks: 100, steps: 60, minSteps: 2000})
	st := newStats()
	check(t, st, minSteps, isolation(st, false, func() (backend.Backend, func(), error) {
		return memory.New(), func() {}, nil
	}))
	st.report(t, "memory")
	t.Logf("memory: %d pages cut at 1 MB", cutPages.Load())
}

// TestIsolationDynamoDBLocal runs the same sequences, fewer of them, on
// DynamoDB Local: one table, emptied after each sequence.
func TestIsolationDynamoDBLocal(t *testing.T) {
	dynamotest.Endpoint(t)
	minSteps := configure(t, budget{checks: 15, steps: 25})
	st := newStats()
	check(t, st, minSteps, isolation(st, true, localTables(t)))
	st.report(t, "DynamoDB Local")
}

// isolation is the property: on a new backend, every step's result is the
// model's for the step's tenant, and after every step that writes (every
// sixteenth with local set, for DynamoDB Local), and at the end, everything
// every tenant holds is the model's.
func isolation(st *stats, local bool, newBackend func() (backend.Backend, func(), error)) func(*rapid.T) {
	stateEvery := 1
	if local {
		stateEvery = 16
	}
	return func(rt *rapid.T) {
		start := time.Now()
		b, done, err := newBackend()
		st.timed("table", start)
		if err != nil {
			rt.Fatalf("backend: %v", err)
		}
		defer func() {
			start := time.Now()
			done()
			st.timed("table", start)
		}()
		w, err := newWorld(b)
		if err != nil {
			rt.Fatalf("repositories: %v", err)
		}
		s := &seq{tenants: rapid.Custom(drawTenants).Draw(rt, "tenants"), lite: local}
		m := newModel(s.tenants)
		steps, writes := 0, 0
		defer func() { st.add(1, steps) }()
		rt.Repeat(map[string]func(*rapid.T){
			"step": func(rt *rapid.T) {
				steps++
				o := rapid.Custom(func(rt *rapid.T) op {
					o := s.op(rt)
					o.text = o.describe(s.tenants, s.pool)
					return o
				}).Draw(rt, fmt.Sprintf("step %d", steps))
				if local {
					if name := metKnownDifference(&o, st); name != "" {
						rt.Logf("  (not run: known difference %q)", name)
						return
					}
				}
				start := time.Now()
				got, _ := w.exec(s.tenants, &o, s.pool, nil)
				st.timed(o.Kind.String(), start)
				want, pos := m.step(&o, s.pool, got)
				rt.Logf("  → %s", got.describe(o.Type))
				st.outcome(&o, got, s.pool)
				if !sameResult(got, want, false) {
					rt.Fatalf("step %d: %s\n  got: %s\n want: %s\n (got / want: %s)", steps, o.text,
						got.describe(o.Type), want.describe(o.Type), whereDiffer(got, want, o.Type, false))
				}
				s.wrote(&o)
				if (o.Kind == opQuery || o.Kind == opQueryIndex) && got.Next != "" {
					q := o.Q
					q.Cursor = cursorRef{}
					s.pool = append(s.pool, cursorEntry{Cur: got.Next, Tenant: o.Tenant, Type: o.Type, Q: q, Pos: pos})
				}
				if writes += wrote(&o); writes >= stateEvery {
					writes = 0
					start := time.Now()
					checkState(rt, w, m, s)
					st.timed("state", start)
				}
			},
		})
		checkState(rt, w, m, s)
	}
}

// checkState checks everything every tenant holds, through the
// repositories, against the model: each type's entities and each index
// partition the sequences use.
func checkState(rt *rapid.T, w *world, m *model, s *seq) {
	for ti := range s.tenants {
		for ty := range numTypes {
			o := op{Kind: opAll, Tenant: ti, Type: ty, Q: query{Limit: 1000}}
			got, _ := w.exec(s.tenants, &o, nil, nil)
			if want := (result{Err: "ok", Ents: m.list(s.tenants[ti], ty)}); !sameResult(got, want, false) {
				rt.Fatalf("state of tenant %s, %s:\n  got: %s\n want: %s\n (got / want: %s)", shortQ(s.tenants[ti]), ty.prefix(),
					got.describe(ty), want.describe(ty), whereDiffer(got, want, ty, false))
			}
		}
		for ix, parts := range map[string][]string{"by-owner": {"o1", "o2"}, "by-status": {"open", "done"}} {
			for _, part := range parts {
				o := op{Kind: opAllIndex, Tenant: ti, Type: tTicket, Q: query{Index: ix, Part: part, Limit: 1000}}
				got, _ := w.exec(s.tenants, &o, nil, nil)
				if want, _ := m.query(&o, nil); !sameResult(got, want, false) {
					rt.Fatalf("state of tenant %s, index %s partition %s:\n  got: %s\n want: %s\n (got / want: %s)", shortQ(s.tenants[ti]), ix, part,
						got.describe(tTicket), want.describe(tTicket), whereDiffer(got, want, tTicket, false))
				}
			}
		}
	}
}

// wrote is 1 for an op that may write, else 0.
func wrote(o *op) int {
	switch o.Kind {
	case opGet, opQuery, opQueryIndex, opAll, opAllIndex, opBatchGet, opRawQuery:
		return 0
	}
	return 1
}

// sameResult compares two results; exact compares cursors byte for byte,
// else only whether there is one.
func sameResult(a, b result, exact bool) bool {
	if !exact && (a.Next == "") != (b.Next == "") {
		return false
	}
	if exact && a.Next != b.Next {
		return false
	}
	a.Next, b.Next = "", ""
	return reflect.DeepEqual(a, b)
}
