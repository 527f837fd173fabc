package conformance

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/repo"
)

// plantedItems are items another client could write straight to the table
// (any client allowed to write some partition can set any GSI<n>PK value:
// IAM's dynamodb:LeadingKeys limits the table partition key only) that sit
// in victim's index partitions of ticket's by-user index for "u1" and
// by-status index for "open", or in victim's partition among its tickets,
// but are not victim's tickets there. Their IDs all start with "planted".
// Their index sort values equal those of victim's tickets (see
// caseIsolationIndexPlantedItems), so that they interleave with them in
// the store's order of equal index sort keys.
func plantedItems(victim string) []backend.Item {
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	userIPK := entity.IndexPartitionKey(victim, "ticket", "by-user", "u1")
	statusIPK := entity.IndexPartitionKey(victim, "ticket", "by-status", "open")
	item := func(pk, sk, user, created, gsi1pk, gsi1sk string) backend.Item {
		it := backend.Item{"PK": s(pk), "SK": s(sk), "user_id": s(user), "created_at": s(created), "status": s("open"),
			"GSI1PK": s(gsi1pk), "GSI1SK": s(gsi1sk), "GSI2PK": s(statusIPK), "GSI2SK": s(created)}
		return it
	}
	victimPK := entity.PartitionKey(victim)
	var out []backend.Item
	for i, c := range []string{"2026-01", "2026-02", "2026-03"} {
		n := func(what string) string { return fmt.Sprintf("planted-%s-%d", what, i) }
		out = append(out,
			// Another tenant's partition, victim's index partitions.
			item(entity.PartitionKey("acme"), "ticket#"+n("acme"), "u1", c, userIPK, c),
			item(entity.PartitionKey(victim+"x"), "ticket#"+n("prefix"), "u1", c, userIPK, c),
			// Not a tenant's partition at all.
			item("junk", "ticket#"+n("junk"), "u1", c, userIPK, c),
			// Victim's partition, another type.
			item(victimPK, "note#"+n("note"), "u1", c, userIPK, c),
			item(victimPK, "tickets#"+n("tickets"), "u1", c, userIPK, c),
			// Victim's partition, sort keys of no ticket (an ID with the
			// separator is none, yet it begins with "ticket#").
			item(victimPK, "ticket#"+n("sep")+"#x", "u1", c, userIPK, c),
			// Victim's partition, a ticket whose index keys are not those
			// of its attributes: another user, another sort value.
			item(victimPK, "ticket#"+n("user"), "u2", c, userIPK, c),
			item(victimPK, "ticket#"+n("sort"), "u1", "2025-"+c, userIPK, c),
		)
	}
	return out
}

// caseIsolationIndexPlantedItems: items written straight to the table into
// victim's index partitions (see plantedItems) are never returned by
// victim's index queries, whatever the direction, page size, condition or
// paging, and do not fail them (ErrDecode) or break their paging: every
// page holds only victim's tickets, and the pages hold each of them once.
// Victim's List and All do not return the ones in victim's partition
// either.
func caseIsolationIndexPlantedItems(t *testing.T, h *harness) {
	const victim = "victim"
	var ts []ticket
	for i := range 9 {
		ts = append(ts, ticket{ID: fmt.Sprintf("t%d", i), UserID: "u1", Status: "open",
			CreatedAt: []string{"2026-01", "2026-02", "2026-03"}[i%3]})
	}
	ts = append(ts, ticket{ID: "other", UserID: "u2", Status: "done", CreatedAt: "2026-01"})
	seedTickets(t, h, victim, ts)
	for _, it := range plantedItems(victim) {
		err := h.b.Put(context.Background(), backend.PutInput{Item: it})
		if k, _ := backend.KeyOf(it); !h.shared() && !strings.HasPrefix(k.PK, entity.TenantPrefix) {
			// Not one shared table: a key of no tenant is refused.
			require.ErrorIs(t, err, backend.ErrInvalidArgument, "put in partition %q", k.PK)
			continue
		}
		require.NoError(t, err)
	}
	ctx := h.ctx(t, victim)
	want := func(keep func(ticket) bool) []string {
		var out []string
		for _, tk := range ts {
			if keep(tk) {
				out = append(out, tk.ID)
			}
		}
		slices.Sort(out)
		return out
	}
	check := func(what string, got []string, createdOf func(string) string, desc bool, wantIDs []string) {
		t.Helper()
		for i := 1; i < len(got); i++ {
			a, b := createdOf(got[i-1]), createdOf(got[i])
			if desc {
				a, b = b, a
			}
			assert.LessOrEqual(t, a, b, "%s: out of order: %v", what, got)
		}
		sorted := slices.Clone(got)
		slices.Sort(sorted)
		assert.Equal(t, wantIDs, sorted, "%s: planted, lost or repeated items", what)
	}
	created := map[string]string{}
	for _, tk := range ts {
		created[tk.ID] = tk.CreatedAt
	}
	for i, c := range []string{"2026-01", "2026-02", "2026-03"} {
		created[fmt.Sprintf("planted-user-%d", i)] = c
		created[fmt.Sprintf("planted-sort-%d", i)] = "2025-" + c
	}
	createdOf := func(id string) string { return created[id] }
	// Victim's own partition holds planted tickets that are victim's, in
	// by-status's "open" partition by their attributes: that index
	// returns them.
	ownPlanted := []string{"planted-sort-0", "planted-sort-1", "planted-sort-2", "planted-user-0", "planted-user-1", "planted-user-2"}

	type query struct {
		index, partition string
		cond             repo.KeyCondition
		keep             func(ticket) bool
		extra            []string // victim's planted tickets it returns
	}
	queries := []query{
		{"by-user", "u1", repo.KeyCondition{}, func(tk ticket) bool { return tk.UserID == "u1" }, nil},
		{"by-user", "u1", repo.BeginsWith("2026-0"), func(tk ticket) bool { return tk.UserID == "u1" }, nil},
		{"by-user", "u1", repo.GreaterThan("2026-01"), func(tk ticket) bool { return tk.UserID == "u1" && tk.CreatedAt > "2026-01" }, nil},
		{"by-user", "u1", repo.LessThan("2026-03"), func(tk ticket) bool { return tk.UserID == "u1" && tk.CreatedAt < "2026-03" }, nil},
		{"by-user", "u2", repo.KeyCondition{}, func(tk ticket) bool { return tk.UserID == "u2" }, nil},
		{"by-status", "open", repo.KeyCondition{}, func(tk ticket) bool { return tk.Status == "open" }, ownPlanted},
	}
	for _, q := range queries {
		wantIDs := append(want(q.keep), q.extra...)
		slices.Sort(wantIDs)
		for _, limit := range []int{1, 2, 3, 7, 100} {
			for _, desc := range []bool{false, true} {
				what := fmt.Sprintf("%s %s (%v) limit %d descending %v", q.index, q.partition, q.cond, limit, desc)
				// Query, page by page (indexPages fails on any error).
				got := indexPages(t, h, victim, q.index, q.partition, q.cond, limit, desc)
				check("Query "+what, got, createdOf, desc, wantIDs)
				// All.
				opts := []func(*repo.PageOptions){repo.Where(q.cond), repo.WithLimit(limit)}
				if desc {
					opts = append(opts, repo.WithDescending())
				}
				got = nil
				for tk, err := range h.tickets.Index(q.index).All(ctx, q.partition, opts...) {
					require.NoError(t, err, "All "+what)
					got = append(got, tk.ID)
				}
				check("All "+what, got, createdOf, desc, wantIDs)
			}
		}
	}
	// The table: victim's partition holds planted items with sort keys in
	// ticket's range that are no ticket's; List and All skip them, and
	// return the planted tickets of victim's own partition, which are
	// victim's (their index keys do not matter here).
	tableWant := want(func(ticket) bool { return true })
	tableWant = append(tableWant, ownPlanted...)
	slices.Sort(tableWant)
	for _, limit := range []int{1, 2, 5, 100} {
		for _, desc := range []bool{false, true} {
			opts := []func(*repo.PageOptions){repo.WithLimit(limit)}
			if desc {
				opts = append(opts, repo.WithDescending())
			}
			var got []string
			for tk, err := range h.tickets.All(ctx, opts...) {
				require.NoError(t, err, "All limit %d", limit)
				got = append(got, tk.ID)
			}
			sorted := slices.Clone(got)
			slices.Sort(sorted)
			assert.Equal(t, tableWant, sorted, "All limit %d descending %v", limit, desc)
			if desc {
				slices.Reverse(sorted)
			}
			assert.Equal(t, sorted, got, "All limit %d descending %v: order", limit, desc)
		}
	}
}
