package conformance

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/repo"
)

// seedTickets stores tickets, in a shuffled order, and returns them.
func seedTickets(t *testing.T, h *harness, tenant string, ts []ticket) {
	t.Helper()
	ctx := h.ctx(t, tenant)
	shuffled := slices.Clone(ts)
	rand.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for _, tk := range shuffled {
		_, err := h.tickets.Create(ctx, tk)
		require.NoError(t, err)
	}
}

// indexPages pages through an index query and returns the IDs, checking
// that no page is over its limit and that paging ends.
func indexPages(t *testing.T, h *harness, tenant, index, partition string, cond repo.KeyCondition, limit int, desc bool) []string {
	t.Helper()
	ctx := h.ctx(t, tenant)
	var got []string
	cursor := ""
	for pages := 0; ; pages++ {
		require.Less(t, pages, 300, "paging does not end")
		opts := []func(*repo.PageOptions){repo.Where(cond), repo.WithLimit(limit), repo.WithCursor(cursor)}
		if desc {
			opts = append(opts, repo.WithDescending())
		}
		page, err := h.tickets.Index(index).Query(ctx, partition, opts...)
		require.NoError(t, err)
		require.LessOrEqual(t, len(page.Items), limit)
		for _, tk := range page.Items {
			got = append(got, tk.ID)
		}
		if page.Next == "" {
			return got
		}
		cursor = page.Next
	}
}

// byCreated returns the IDs of the tickets that keep selects, ordered by
// creation time and, for equal times, as the reference order ties gives.
func byCreated(ts []ticket, keep func(ticket) bool, ties []string, desc bool) []string {
	pos := map[string]int{}
	for i, id := range ties {
		pos[id] = i
	}
	var sel []ticket
	for _, tk := range ts {
		if keep(tk) {
			sel = append(sel, tk)
		}
	}
	slices.SortFunc(sel, func(a, b ticket) int {
		if c := strings.Compare(a.CreatedAt, b.CreatedAt); c != 0 {
			return c
		}
		return pos[a.ID] - pos[b.ID]
	})
	out := make([]string, len(sel))
	for i, tk := range sel {
		out[i] = tk.ID
	}
	if desc {
		slices.Reverse(out)
	}
	return out
}

// ticketSet is one user's tickets, with some creation times equal.
func ticketSet(user string, n int) []ticket {
	var ts []ticket
	for i := range n {
		ts = append(ts, ticket{
			ID:        fmt.Sprintf("%s-t%02d", user, i),
			UserID:    user,
			CreatedAt: fmt.Sprintf("2024-%02d-%02d", 1+i%4, 1+i/3), // ties every few
			Status:    []string{"open", "closed"}[i%2],
		})
	}
	return ts
}

func caseIndexQueryOrderAndConditions(t *testing.T, h *harness) {
	ts := append(ticketSet("u1", 20), ticketSet("u2", 5)...)
	seedTickets(t, h, "acme", ts)
	// The store's order among equal index sort keys, as one page shows
	// it; paging must agree with it.
	ties := indexPages(t, h, "acme", "by-user", "u1", repo.KeyCondition{}, 100, false)
	for _, c := range []struct {
		cond repo.KeyCondition
		keep func(ticket) bool
	}{
		{repo.KeyCondition{}, func(tk ticket) bool { return true }},
		{repo.BeginsWith("2024-02"), func(tk ticket) bool { return strings.HasPrefix(tk.CreatedAt, "2024-02") }},
		{repo.Between("2024-01-03", "2024-03-02"), func(tk ticket) bool { return tk.CreatedAt >= "2024-01-03" && tk.CreatedAt <= "2024-03-02" }},
		{repo.GreaterThan("2024-02-03"), func(tk ticket) bool { return tk.CreatedAt > "2024-02-03" }},
		{repo.GreaterOrEqual("2024-02-03"), func(tk ticket) bool { return tk.CreatedAt >= "2024-02-03" }},
		{repo.LessThan("2024-02-03"), func(tk ticket) bool { return tk.CreatedAt < "2024-02-03" }},
		{repo.LessOrEqual("2024-02-03"), func(tk ticket) bool { return tk.CreatedAt <= "2024-02-03" }},
	} {
		for _, desc := range []bool{false, true} {
			// Ties keep their order descending too, reversed.
			want := byCreated(ts, func(tk ticket) bool { return tk.UserID == "u1" && c.keep(tk) }, ties, desc)
			for _, limit := range []int{1, 2, 3, 7, 100} {
				got := indexPages(t, h, "acme", "by-user", "u1", c.cond, limit, desc)
				require.Equal(t, want, nilIfEmpty(got), "%v limit %d descending %v", c.cond, limit, desc)
			}
		}
	}
	// The second index of the type, over the same items.
	open := indexPages(t, h, "acme", "by-status", "open", repo.KeyCondition{}, 4, false)
	assert.Len(t, open, 10+3)
}

func caseIndexUpdateMovesBetweenPartitions(t *testing.T, h *harness) {
	ctx := h.ctx(t, "acme")
	seedTickets(t, h, "acme", ticketSet("u1", 3))
	tk, err := h.tickets.Get(ctx, "u1-t01")
	require.NoError(t, err)

	// created_at is in both indexes, so the update names all three.
	tk.UserID, tk.CreatedAt = "u2", "2025-01-01"
	_, err = h.tickets.Update(ctx, tk, []string{"user_id", "created_at", "status"})
	require.NoError(t, err)
	assert.Equal(t, []string{"u1-t00", "u1-t02"}, indexPages(t, h, "acme", "by-user", "u1", repo.KeyCondition{}, 10, false))
	assert.Equal(t, []string{"u1-t01"}, indexPages(t, h, "acme", "by-user", "u2", repo.KeyCondition{}, 10, false))

	// Put moves it back; removing the status takes it out of by-status.
	tk.UserID, tk.Status = "u1", ""
	_, err = h.tickets.Put(ctx, tk)
	require.NoError(t, err)
	assert.Empty(t, indexPages(t, h, "acme", "by-user", "u2", repo.KeyCondition{}, 10, false))
	assert.Equal(t, []string{"u1-t00", "u1-t02", "u1-t01"}, indexPages(t, h, "acme", "by-user", "u1", repo.KeyCondition{}, 10, false))
	assert.NotContains(t, indexPages(t, h, "acme", "by-status", "closed", repo.KeyCondition{}, 10, false), "u1-t01")

	h.unchanged(t, func() {
		_, err = h.tickets.Update(ctx, ticket{ID: "u1-t00", UserID: "u3"}, []string{"user_id"})
		require.ErrorIs(t, err, repo.ErrInvalidArgument, "naming one attribute of an index")
		_, err = h.tickets.UpdateExpr(ctx, "u1-t00", expression.Set(expression.Name("user_id"), expression.Value("u3")))
		require.ErrorIs(t, err, repo.ErrInvalidArgument, "an expression cannot move an index")
		_, err = h.tickets.UpdateExpr(ctx, "u1-t00", expression.Set(expression.Name("GSI1PK"), expression.Value("tenant#other")))
		require.ErrorIs(t, err, repo.ErrInvalidArgument)
	})
}

func caseIndexDeletesLeaveNothing(t *testing.T, h *harness) {
	ctx := h.ctx(t, "acme")
	seedTickets(t, h, "acme", ticketSet("u1", 6))
	require.NoError(t, h.tickets.Delete(ctx, "u1-t00"))
	require.NoError(t, h.tickets.BatchDelete(ctx, []string{"u1-t01", "u1-t02"}))
	require.NoError(t, repo.Transact(ctx, h.tickets.TxDelete("u1-t03")))
	assert.ElementsMatch(t, []string{"u1-t04", "u1-t05"}, indexPages(t, h, "acme", "by-user", "u1", repo.KeyCondition{}, 2, false))
	assert.ElementsMatch(t, []string{"u1-t05"}, indexPages(t, h, "acme", "by-status", "closed", repo.KeyCondition{}, 2, true))
}

func caseIndexEveryWritePathIndexes(t *testing.T, h *harness) {
	ctx := h.ctx(t, "acme")
	require.NoError(t, h.tickets.BatchPut(ctx, []ticket{{ID: "b1", UserID: "u", CreatedAt: "1"}, {ID: "b2", UserID: "u", CreatedAt: "2"}}))
	require.NoError(t, repo.Transact(ctx, h.tickets.TxCreate(ticket{ID: "x3", UserID: "u", CreatedAt: "3"}),
		h.tickets.TxPut(ticket{ID: "x4", UserID: "u", CreatedAt: "4"})))
	_, err := h.tickets.Create(ctx, ticket{ID: "c5", UserID: "u", CreatedAt: "5"})
	require.NoError(t, err)
	_, err = h.tickets.Create(ctx, ticket{ID: "unindexed"}) // no user: not in by-user
	require.NoError(t, err)
	assert.Equal(t, []string{"c5", "x4", "x3", "b2", "b1"}, indexPages(t, h, "acme", "by-user", "u", repo.KeyCondition{}, 2, true))
}

func caseIndexTenantsNeverMix(t *testing.T, h *harness) {
	// A long tenant ID whose index keys still fit (by-status keys hold
	// it twice here: as the tenant and as the status value).
	long := strings.Repeat("t", 1000)
	tenants := []string{"a", "ab", "A", "テナント", long}
	for _, tenant := range tenants {
		ts := ticketSet("u1", 4)
		for i := range ts {
			ts[i].Status = tenant // marks whose ticket it is
		}
		seedTickets(t, h, tenant, ts)
	}
	for _, tenant := range tenants {
		page, err := h.tickets.Index("by-user").Query(h.ctx(t, tenant), "u1")
		require.NoError(t, err)
		require.Len(t, page.Items, 4)
		for _, tk := range page.Items {
			require.Equal(t, tenant, tk.Status, "tenant %q saw another tenant's ticket", tenant)
		}
		// Index partitions named after other tenants' values hold nothing.
		for _, other := range tenants {
			if other != tenant {
				page, err := h.tickets.Index("by-status").Query(h.ctx(t, tenant), other)
				require.NoError(t, err)
				require.Empty(t, page.Items)
			}
		}
	}
	// A type sharing the slot and the index name keeps to itself.
	_, err := h.notes.Create(h.ctx(t, "a"), note{ID: "n1", UserID: "u1", CreatedAt: "2024-01-01"})
	require.NoError(t, err)
	page, err := h.notes.Index("by-user").Query(h.ctx(t, "a"), "u1")
	require.NoError(t, err)
	assert.Equal(t, []string{"n1"}, ids(page.Items))
	assert.Len(t, indexPages(t, h, "a", "by-user", "u1", repo.KeyCondition{}, 10, false), 4)
}

func caseIndexKeysThatDoNotFit(t *testing.T, h *harness) {
	// An index partition key holds the tenant, the type, the index and
	// the value, and must fit DynamoDB's 2048 bytes: a write whose keys
	// would not is refused, whole.
	ctx := h.ctx(t, strings.Repeat("t", 2000))
	h.unchanged(t, func() {
		_, err := h.tickets.Create(ctx, ticket{ID: "1", UserID: strings.Repeat("u", 40), CreatedAt: "2024"})
		require.ErrorIs(t, err, repo.ErrInvalidArgument)
		_, err = h.tickets.Create(h.ctx(t, "acme"), ticket{ID: "1", UserID: "u", CreatedAt: strings.Repeat("c", 1025)})
		require.ErrorIs(t, err, repo.ErrInvalidArgument)
	})
	// Outside the index, the same tenant stores it.
	_, err := h.tickets.Create(ctx, ticket{ID: "1", CreatedAt: "2024"})
	require.NoError(t, err)
}

func caseIndexCursorsDoNotCross(t *testing.T, h *harness) {
	for _, tenant := range []string{"a", "ab"} {
		seedTickets(t, h, tenant, append(ticketSet("u1", 5), ticketSet("u2", 5)...))
	}
	a, ab := h.ctx(t, "a"), h.ctx(t, "ab")
	page, err := h.tickets.Index("by-user").Query(a, "u1", repo.WithLimit(2))
	require.NoError(t, err)
	require.NotEmpty(t, page.Next)
	next := repo.WithCursor(page.Next)
	_, err = h.tickets.Index("by-user").Query(a, "u1", next)
	require.NoError(t, err, "the cursor works where it was made")
	for name, q := range map[string]func() error{
		"another tenant": func() error {
			_, err := h.tickets.Index("by-user").Query(ab, "u1", next)
			return err
		},
		"another partition": func() error {
			_, err := h.tickets.Index("by-user").Query(a, "u2", next)
			return err
		},
		"another index": func() error {
			_, err := h.tickets.Index("by-status").Query(a, "open", next)
			return err
		},
		"the table":    func() error { _, err := h.tickets.List(a, next); return err },
		"another type": func() error { _, err := h.notes.Index("by-user").Query(a, "u1", next); return err },
		"a range without it": func() error {
			_, err := h.tickets.Index("by-user").Query(a, "u1", repo.Where(repo.BeginsWith("1999")), next)
			return err
		},
	} {
		require.ErrorIs(t, q(), repo.ErrInvalidCursor, name)
	}
	base, err := h.tickets.List(a, repo.WithLimit(2))
	require.NoError(t, err)
	_, err = h.tickets.Index("by-user").Query(a, "u1", repo.WithCursor(base.Next))
	require.ErrorIs(t, err, repo.ErrInvalidCursor, "a table cursor on an index")
}

func caseIndexInvalidUse(t *testing.T, h *harness) {
	ctx := h.ctx(t, "acme")
	for name, q := range map[string]func() error{
		"unknown index":   func() error { _, err := h.tickets.Index("by-nothing").Query(ctx, "u1"); return err },
		"empty partition": func() error { _, err := h.tickets.Index("by-user").Query(ctx, ""); return err },
		"consistent read": func() error {
			_, err := h.tickets.Index("by-user").Query(ctx, "u1", repo.ConsistentRead)
			return err
		},
		"bad range": func() error {
			_, err := h.tickets.Index("by-user").Query(ctx, "u1", repo.Where(repo.Between("b", "a")))
			return err
		},
		"page size": func() error {
			_, err := h.tickets.Index("by-user").Query(ctx, "u1", repo.WithLimit(-1))
			return err
		},
		"users has none": func() error { _, err := h.users.Index("by-user").Query(ctx, "u1"); return err },
	} {
		require.ErrorIs(t, q(), repo.ErrInvalidArgument, name)
	}
	_, err := repo.New[badIndex](h.b)
	require.ErrorIs(t, err, repo.ErrInvalidArgument)
	// An index on a field stored as a number: New refuses it, rather
	// than every write of an entity that has it.
	_, err = repo.New[numIndex](h.b)
	require.ErrorIs(t, err, repo.ErrInvalidArgument, "index attributes are strings")
}
