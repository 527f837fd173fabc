package obstest_test

import (
	"context"
	"sync"
	"testing"

	"github.com/tenantrepo/tenantrepo/internal/callinfo"
	"github.com/tenantrepo/tenantrepo/internal/obstest"
	"github.com/tenantrepo/tenantrepo/repo"
)

// recording keeps what End sees of each call.
type recording struct {
	mu    sync.Mutex
	calls []repo.Call
}

func (r *recording) Start(ctx context.Context, c *repo.Call) context.Context { return ctx }
func (r *recording) End(ctx context.Context, c *repo.Call) {
	r.mu.Lock()
	r.calls = append(r.calls, *c)
	r.mu.Unlock()
}

// The repository reports the workload's calls as Run says, on both
// backends: the scripts of the observers' tests rest on it.
func TestWorkloadCalls(t *testing.T) {
	for _, b := range obstest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			var rec recording
			want := obstest.Run(t, b.New(t), &rec)
			if len(rec.calls) != len(want) {
				t.Fatalf("the observer saw %d calls, want %d: %+v", len(rec.calls), len(want), rec.calls)
			}
			for i, c := range rec.calls {
				got := obstest.Call{Op: c.Op, Index: c.Index, Items: c.Items, Kind: callinfo.KindName(&c), Capacity: want[i].Capacity}
				if got != want[i] {
					t.Errorf("call %d: %+v, want %+v", i, got, want[i])
				}
				if w := want[i].Capacity; w != nil && c.Usage.Capacity != *w {
					t.Errorf("call %d (%s): capacity %+v, want %+v", i, c.Op, c.Usage.Capacity, *w)
				}
				if w := want[i].Capacity; w == nil && c.Usage.Capacity.IsZero() {
					t.Errorf("call %d (%s): no capacity", i, c.Op)
				}
				if c.Tenant != obstest.Tenant || c.Type != obstest.TypeName || c.Prefix != "user" {
					t.Errorf("call %d: tenant %q type %q prefix %q", i, c.Tenant, c.Type, c.Prefix)
				}
				if c.Usage.Requests < 1 {
					t.Errorf("call %d (%s): %d requests", i, c.Op, c.Usage.Requests)
				}
				if c.Duration <= 0 || c.Begin.IsZero() {
					t.Errorf("call %d: began %v, took %v", i, c.Begin, c.Duration)
				}
			}
		})
	}
}
