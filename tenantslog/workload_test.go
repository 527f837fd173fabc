package tenantslog_test

import (
	"log/slog"
	"strconv"
	"strings"
	"testing"

	"github.com/tenantrepo/tenantrepo/internal/obstest"
	"github.com/tenantrepo/tenantrepo/tenantslog"
)

// The scripted workload through a real repository, on both backends: a
// record per call, at its level, with its fields.
func TestWorkload(t *testing.T) {
	for _, b := range obstest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			obs, r := newObserver(t, slog.LevelDebug, tenantslog.WithLevel(slog.LevelDebug))
			calls := obstest.Run(t, b.New(t), obs)
			recs := r.records()
			if len(recs) != len(calls) {
				t.Fatalf("%d records, want one per call, %d", len(recs), len(calls))
			}
			levels := map[slog.Level]int{}
			for i, rec := range recs {
				c := calls[i]
				want := slog.LevelDebug
				switch c.Kind {
				case "already_exists", "condition_failed":
					want = slog.LevelWarn
				}
				levels[rec.level]++
				if rec.level != want {
					t.Errorf("record %d (%s %s): level %v, want %v", i, c.Op, c.Kind, rec.level, want)
				}
				for k, v := range map[string]string{
					"op": string(c.Op), "tenant": obstest.Tenant, "type": obstest.TypeName, "prefix": "user",
					"items": strconv.Itoa(c.Items), "index": c.Index, "error_kind": c.Kind,
				} {
					if rec.attrs[k] != v {
						t.Errorf("record %d (%s): %s = %q, want %q", i, c.Op, k, rec.attrs[k], v)
					}
				}
				if w := c.Capacity; w != nil {
					for k, v := range map[string]float64{
						"read_units": w.Total().Read, "write_units": w.Total().Write,
						"capacity.table.read": w.Table.Read, "capacity.table.write": w.Table.Write,
						"capacity.GSI1.read": w.Indexes[0].Read, "capacity.GSI1.write": w.Indexes[0].Write,
					} {
						got, ok := rec.attrs[k]
						if !ok && strings.HasPrefix(k, "capacity.GSI1") && w.Indexes[0].IsZero() {
							continue // an index that consumed nothing is left out
						}
						if got != strconv.FormatFloat(v, 'g', -1, 64) {
							t.Errorf("record %d (%s): %s = %q, want %v", i, c.Op, k, got, v)
						}
					}
				}
				if rec.attrs["requests"] == "0" {
					t.Errorf("record %d (%s): no requests", i, c.Op)
				}
				if _, ok := rec.attrs["duration"]; !ok {
					t.Errorf("record %d (%s): no duration", i, c.Op)
				}
			}
			if levels[slog.LevelWarn] != 2 || levels[slog.LevelError] != 0 {
				t.Errorf("levels %v, want 2 warnings and no error", levels)
			}
		})
	}
}
