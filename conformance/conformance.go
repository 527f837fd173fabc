package conformance

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// NewBackend makes a new, empty backend for one test, standing for a table
// of its own. It may call t.Cleanup to release the backend, and t.Fatal when
// it cannot make one. The suite calls it from parallel subtests.
type NewBackend func(t *testing.T) backend.Backend

// Run runs every conformance case against backends made by newBackend, each
// case as a parallel subtest with a backend of its own. The Backend/...
// cases call the backend contract directly and hold it to DynamoDB's
// semantics; the others drive it through package repo, as applications do,
// and check the repository's behaviour and tenant isolation on it.
func Run(t *testing.T, newBackend NewBackend) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, newHarness(t, newBackend(t)))
		})
	}
}

// A case is one behaviour checked on a fresh backend.
type testCase struct {
	name string
	run  func(t *testing.T, h *harness)
}

// cases collects every case; the files of this package add theirs.
var cases []testCase

func register(cs ...testCase) bool {
	cases = append(cases, cs...)
	return true
}

// harness holds one case's backend and its repositories.
type harness struct {
	b        backend.Backend
	users    *repo.Repository[user]
	accounts *repo.Repository[account]
	orders   *repo.Repository[order]
	blobs    *repo.Repository[blob]
	counters *repo.Repository[counter]
	sessions *repo.Repository[session]
	tickets  *repo.Repository[ticket]
	notes    *repo.Repository[note]
	tenants  map[string]bool // every tenant a case used, for snapshots
}

func newHarness(t *testing.T, b backend.Backend) *harness {
	t.Helper()
	require.NotNil(t, b, "newBackend returned nil")
	h := &harness{b: b, tenants: map[string]bool{}}
	var err error
	h.users, err = repo.New[user](b)
	require.NoError(t, err)
	h.accounts, err = repo.New[account](b)
	require.NoError(t, err)
	h.orders, err = repo.New[order](b)
	require.NoError(t, err)
	h.blobs, err = repo.New[blob](b)
	require.NoError(t, err)
	h.counters, err = repo.New[counter](b)
	require.NoError(t, err)
	h.sessions, err = repo.New[session](b)
	require.NoError(t, err)
	h.tickets, err = repo.New[ticket](b)
	require.NoError(t, err)
	h.notes, err = repo.New[note](b)
	require.NoError(t, err)
	return h
}

// ctx returns a context for tenant, failing the test if the ID is invalid.
func (h *harness) ctx(t *testing.T, tenant string) context.Context {
	t.Helper()
	ctx, err := tenantctx.WithTenant(context.Background(), tenant)
	require.NoError(t, err, "tenant %q", tenant)
	h.tenants[tenant] = true
	return ctx
}

// snapshot returns every item of every tenant the case used, read straight
// from the backend, to compare before and after a call that must change
// nothing.
func (h *harness) snapshot(t *testing.T) []string {
	t.Helper()
	var out []string
	for tenant := range h.tenants {
		pk := entity.PartitionKey(tenant)
		for _, prefix := range suitePrefixes {
			rng := backend.SortRange{Op: backend.BeginsWith, Lo: entity.SortKeyPrefix(prefix)}
			in := backend.QueryInput{PK: pk, Range: rng, Limit: 1000}
			for {
				page, err := h.b.Query(context.Background(), in)
				require.NoError(t, err)
				for _, item := range page.Items {
					out = append(out, fmt.Sprintf("%s|%v", pk, describe(item)))
				}
				if page.LastKey == nil {
					break
				}
				in.StartKey = page.LastKey
			}
		}
	}
	slicesSort(out)
	return out
}

// suitePrefixes are the sort-key prefixes of every type the suite stores.
var suitePrefixes = []string{"user", "users", "order", "blob", "fixed", "clash", "unsupported", "counter", "session", "ticket", "note", "numindex"}

// unchanged runs fn and checks that the stored items are the same after.
func (h *harness) unchanged(t *testing.T, fn func()) {
	t.Helper()
	before := h.snapshot(t)
	fn()
	require.Equal(t, before, h.snapshot(t), "a call that failed changed what is stored")
}

func ids[T entity.Entity](items []T) []string {
	out := make([]string, len(items))
	for i, v := range items {
		out[i] = v.EntityID()
	}
	return out
}

// describe renders an item deterministically.
func describe(item backend.Item) string {
	keys := make([]string, 0, len(item))
	for k := range item {
		keys = append(keys, k)
	}
	slicesSort(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%s;", k, describeValue(item[k]))
	}
	return b.String()
}
