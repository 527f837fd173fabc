package conformance

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/repo"
)

// maxKeyTickets returns n tickets whose keys are all as long as DynamoDB
// allows for tenant: the longest ID (the sort key at 1024 bytes), the
// longest index partition value that fits the index partition key's 2048
// bytes, an index sort value of 1024 bytes. unit is repeated to fill each,
// so multi-byte text is covered too.
func maxKeyTickets(tenant, unit string, n int) (part string, ts []ticket) {
	fill := func(size int, last byte) string {
		s := strings.Repeat(unit, (size-1)/len(unit))
		s += strings.Repeat("x", size-len(s)-1)
		return s + string(last)
	}
	room := entity.MaxPartitionKeyBytes - len(entity.IndexPartitionKey(tenant, "ticket", "by-user", ""))
	part = fill(room, 'p')
	for i := range n {
		ts = append(ts, ticket{
			ID:        fill(entity.MaxSortKeyBytes-len("ticket#"), byte('a'+i)),
			UserID:    part,
			CreatedAt: fill(entity.MaxSortKeyBytes, byte('a'+i)),
			Status:    fill(room+len("by-user")-len("by-status"), 's'),
		})
	}
	return part, ts
}

func caseQueryMaxSizeKeysCursorsRoundTrip(t *testing.T, h *harness) {
	for _, tc := range []struct{ tenant, unit string }{
		{strings.Repeat("t", 1000), "i"},
		{strings.Repeat("t", entity.MaxTenantIDBytes-len("#ticket#by-user#")-8), "\u00e9"},
		{strings.Repeat("\u30c6", 300), "\U0001F600"},
	} {
		ctx := h.ctx(t, tc.tenant)
		part, ts := maxKeyTickets(tc.tenant, tc.unit, 5)
		seedTickets(t, h, tc.tenant, ts)
		want := ids(ts)
		for _, desc := range []bool{false, true} {
			// Page by page: every Next is accepted back.
			var got []string
			cursor := ""
			for pages := 0; ; pages++ {
				require.Less(t, pages, 10, "paging does not end")
				opts := []func(*repo.PageOptions){repo.WithLimit(2), repo.WithCursor(cursor)}
				if desc {
					opts = append(opts, repo.WithDescending())
				}
				page, err := h.tickets.Index("by-user").Query(ctx, part, opts...)
				require.NoError(t, err, "page %d, cursor of %d bytes", pages, len(cursor))
				got = append(got, ids(page.Items)...)
				if page.Next == "" {
					break
				}
				cursor = page.Next
			}
			w := slices.Clone(want)
			if desc {
				slices.Reverse(w)
			}
			require.Equal(t, w, got, "tenant of %d bytes, descending %v", len(tc.tenant), desc)
		}
		// Index(name).All reads every page.
		for _, ix := range []struct{ name, part string }{{"by-user", part}, {"by-status", ts[0].Status}} {
			var all []string
			for tk, err := range h.tickets.Index(ix.name).All(ctx, ix.part, repo.Where(repo.GreaterThan(string([]rune(ts[0].CreatedAt)[:1]))), repo.WithLimit(1)) {
				require.NoError(t, err)
				all = append(all, tk.ID)
			}
			require.Equal(t, want, all, "Index(%q).All", ix.name)
		}
		// Table cursors of the longest sort keys.
		var all []string
		for tk, err := range h.tickets.All(ctx, repo.WithLimit(1)) {
			require.NoError(t, err)
			all = append(all, tk.ID)
		}
		require.Equal(t, want, all)
	}
	// The longest tenant ID, with the longest user IDs.
	long := strings.Repeat("t", entity.MaxTenantIDBytes)
	var uids []string
	for i := range 3 {
		uids = append(uids, strings.Repeat("u", entity.MaxSortKeyBytes-len("user#")-1)+fmt.Sprint(i))
	}
	seedUsers(t, h, long, uids)
	require.Equal(t, uids, collect(t, h, long, repo.KeyCondition{}, 1, false))
	require.Equal(t, uids[1:], collect(t, h, long, repo.GreaterThan(uids[0]), 1, false))
}
