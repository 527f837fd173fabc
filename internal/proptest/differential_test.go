package proptest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
)

// knownDifference is a documented way in which DynamoDB Local differs
// from DynamoDB, which the memory backend follows. Steps that would meet
// one are not run, on either backend, and counted by name: the
// comparison itself is never loosened.
type knownDifference struct {
	name   string
	reason string
	meets  func(o *op) bool
}

// knownDifferences lists them. Differences that sequences cannot meet,
// because the repository refuses the input before a backend sees it, are
// listed in doc.go rather than here.
var knownDifferences []knownDifference // see fidelity_test.go's init

// metKnownDifference returns the name of the known difference the op
// would meet, counting it, or "".
func metKnownDifference(o *op, st *stats) string {
	for _, d := range knownDifferences {
		if d.meets(o) {
			st.mu.Lock()
			st.excluded[d.name]++
			st.mu.Unlock()
			return d.name
		}
	}
	return ""
}

// TestDifferential runs the same random sequences on the memory backend
// and on DynamoDB Local, side by side, and compares every step's result:
// entities and their order, pages and cursors (byte for byte, so the
// LastKey each page stopped at), error kinds, and raw backend pages with
// their LastKey. rapid shrinks a divergence to a short sequence, which the
// failure prints step by step.
func TestDifferential(t *testing.T) {
	dynamotest.Endpoint(t)
	minSteps := configure(t, budget{checks: 15, steps: 25})
	st := newStats()
	check(t, st, minSteps, differential(t, st, func() backend.Backend { return memory.New() }))
	st.report(t, "memory and DynamoDB Local")
}

// differential is the property: each step returns the same on a memory
// Store made by newMemory as on DynamoDB Local.
func differential(t *testing.T, st *stats, newMemory func() backend.Backend) func(*rapid.T) {
	newLocal := localTables(t)
	return func(rt *rapid.T) {
		start := time.Now()
		local, done, err := newLocal()
		st.timed("table", start)
		if err != nil {
			rt.Fatalf("DynamoDB Local table: %v", err)
		}
		defer func() {
			start := time.Now()
			done()
			st.timed("table", start)
		}()
		wm, err := newWorld(newMemory())
		if err != nil {
			rt.Fatalf("repositories: %v", err)
		}
		wl, err := newWorld(local)
		if err != nil {
			rt.Fatalf("repositories: %v", err)
		}
		s := &seq{tenants: rapid.Custom(drawTenants).Draw(rt, "tenants"), diff: true, lite: true}
		steps := 0
		defer func() { st.add(1, steps) }()
		rt.Repeat(map[string]func(*rapid.T){
			"step": func(rt *rapid.T) {
				steps++
				o := rapid.Custom(func(rt *rapid.T) op {
					o := s.op(rt)
					o.text = o.describe(s.tenants, s.pool)
					return o
				}).Draw(rt, fmt.Sprintf("step %d", steps))
				if name := metKnownDifference(&o, st); name != "" {
					rt.Logf("  (not run: known difference %q)", name)
					return
				}
				rawPool := make([]backend.Key, len(s.rawPool))
				for i, e := range s.rawPool {
					rawPool[i] = e.Key
				}
				start := time.Now()
				gm, km := wm.exec(s.tenants, &o, s.pool, rawPool)
				st.timed("memory", start)
				start = time.Now()
				gl, kl := wl.exec(s.tenants, &o, s.pool, rawPool)
				st.timed(o.Kind.String(), start)
				rt.Logf("  → %s", gm.describe(o.Type))
				st.outcome(&o, gm, s.pool)
				if !sameResult(gm, gl, true) {
					rt.Fatalf("step %d diverges: %s\n memory: %s\n  local: %s\n (memory / local: %s)", steps, o.text,
						gm.describe(o.Type), gl.describe(o.Type), whereDiffer(gm, gl, o.Type, true))
				}
				s.wrote(&o)
				if (o.Kind == opQuery || o.Kind == opQueryIndex) && gm.Next != "" {
					q := o.Q
					q.Cursor = cursorRef{}
					s.pool = append(s.pool, cursorEntry{Cur: gm.Next, Tenant: o.Tenant, Type: o.Type, Q: q})
				}
				if km != nil && kl != nil {
					s.rawPool = append(s.rawPool, rawEntry{Key: *km, In: o.Raw.In})
				}
				if steps%16 == 0 {
					start := time.Now()
					compareTables(rt, wm.b, wl.b, s.tenants)
					st.timed("state", start)
				}
			},
		})
		compareTables(rt, wm.b, wl.b, s.tenants)
	}
}

// compareTables compares every item of every tenant's partition, as each
// backend stores it, keys and index keys included.
func compareTables(rt *rapid.T, mem, local backend.Backend, tenants []string) {
	for _, tenant := range tenants {
		a, errA := dump(mem, tenant)
		b, errB := dump(local, tenant)
		if errA != nil || errB != nil {
			rt.Fatalf("dump of tenant %s: memory %v, local %v", shortQ(tenant), errA, errB)
		}
		if !slices.Equal(a, b) {
			rt.Fatalf("tenant %s's items differ (memory / local): %s", shortQ(tenant),
				whereDiffer(result{Raw: a}, result{Raw: b}, tItem, true))
		}
	}
}

func dump(b backend.Backend, tenant string) ([]string, error) {
	in := backend.QueryInput{PK: entity.PartitionKey(tenant), Range: backend.SortRange{Op: backend.BeginsWith}, Limit: 1000, ConsistentRead: true}
	var out []string
	for {
		page, err := b.Query(context.Background(), in)
		if err != nil {
			return nil, err
		}
		for _, it := range page.Items {
			out = append(out, describeItem(it))
		}
		if page.LastKey == nil {
			return out, nil
		}
		in.StartKey = page.LastKey
	}
}
