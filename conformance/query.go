package conformance

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/repo"
)

// sampleIDs mix case, digits, punctuation and multi-byte UTF-8, whose byte
// order differs from a naive rune or locale order.
var sampleIDs = []string{
	"a", "A", "aa", "ab", "b", "B", "z", "Z", "0", "00", "1", "10", "2", "9",
	"a-b", "a.b", "a_b", "é", "e", "f", "ü", "日本", "日", "😀", "~", "$",
}

// sortedIDs returns ids in DynamoDB's order: the bytes of their UTF-8.
func sortedIDs(ids []string, descending bool) []string {
	out := slices.Clone(ids)
	slices.Sort(out) // Go compares strings bytewise
	if descending {
		slices.Reverse(out)
	}
	return out
}

// seedUsers creates a user for each ID, in a shuffled order.
func seedUsers(t *testing.T, h *harness, tenant string, ids []string) {
	t.Helper()
	ctx := h.ctx(t, tenant)
	shuffled := slices.Clone(ids)
	rand.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for _, id := range shuffled {
		_, err := h.users.Create(ctx, user{ID: id, Name: tenant + "/" + id})
		require.NoError(t, err)
	}
}

// collect pages through a query, checking that no page is over the limit
// and that paging ends.
func collect(t *testing.T, h *harness, tenant string, cond repo.KeyCondition, limit int, desc bool) []string {
	t.Helper()
	ctx := h.ctx(t, tenant)
	var got []string
	cursor := ""
	for pages := 0; ; pages++ {
		require.Less(t, pages, 200, "paging does not end")
		opts := []func(*repo.PageOptions){repo.WithLimit(limit), repo.WithCursor(cursor)}
		if desc {
			opts = append(opts, repo.WithDescending())
		}
		page, err := h.users.Query(ctx, cond, opts...)
		require.NoError(t, err)
		require.LessOrEqual(t, len(page.Items), limit)
		for _, u := range page.Items {
			require.Equal(t, tenant+"/"+u.ID, u.Name, "an item of another tenant")
			got = append(got, u.ID)
		}
		if page.Next == "" {
			return got
		}
		if len(page.Items) == 0 {
			// DynamoDB may end a full page with a cursor whose page is
			// empty; that page must then be the last.
			require.Fail(t, "an empty page had a next cursor")
		}
		cursor = page.Next
	}
}

func caseListOrderAndPaging(t *testing.T, h *harness) {
	seedUsers(t, h, "acme", sampleIDs)
	for _, desc := range []bool{false, true} {
		want := sortedIDs(sampleIDs, desc)
		for _, limit := range []int{1, 2, 3, 7, len(sampleIDs) - 1, len(sampleIDs), len(sampleIDs) + 1, repo.MaxPageSize} {
			got := collect(t, h, "acme", repo.KeyCondition{}, limit, desc)
			require.Equal(t, want, got, "limit %d, descending %v", limit, desc)
		}
	}
	// The default page holds everything here, in one page.
	page, err := h.users.List(h.ctx(t, "acme"))
	require.NoError(t, err)
	assert.Equal(t, sortedIDs(sampleIDs, false), ids(page.Items))
}

func caseListEmpty(t *testing.T, h *harness) {
	page, err := h.users.List(h.ctx(t, "acme"))
	require.NoError(t, err)
	assert.Empty(t, page.Items)
	assert.Empty(t, page.Next)
}

func caseListPageSizeBounds(t *testing.T, h *harness) {
	ctx := h.ctx(t, "acme")
	for _, limit := range []int{-1, repo.MaxPageSize + 1} {
		_, err := h.users.List(ctx, repo.WithLimit(limit))
		require.ErrorIs(t, err, repo.ErrInvalidArgument, "limit %d", limit)
	}
}

func caseListOneMegabytePages(t *testing.T, h *harness) {
	ctx := h.ctx(t, "acme")
	const n, size = 14, 100 * 1024
	var want []string
	for i := range n {
		id := fmt.Sprintf("%02d", i)
		want = append(want, id)
		_, err := h.blobs.Create(ctx, blob{ID: id, Data: make([]byte, size)})
		require.NoError(t, err)
	}
	page, err := h.blobs.List(ctx, repo.WithLimit(n))
	require.NoError(t, err)
	assert.Less(t, len(page.Items), n, "a page holds at most 1 MB of items")
	assert.GreaterOrEqual(t, len(page.Items), 9)
	require.NotEmpty(t, page.Next)
	var got []string
	for b, err := range h.blobs.All(ctx, repo.WithLimit(n)) {
		require.NoError(t, err)
		got = append(got, b.ID)
	}
	assert.Equal(t, want, got)
}

func caseQueryConditions(t *testing.T, h *harness) {
	seedUsers(t, h, "acme", sampleIDs)
	type tc struct {
		cond repo.KeyCondition
		keep func(id string) bool
	}
	var tcs []tc
	for _, p := range []string{"a", "日", "1", "zz", "A"} {
		tcs = append(tcs, tc{repo.BeginsWith(p), func(id string) bool { return strings.HasPrefix(id, p) }})
	}
	for _, b := range []string{"a", "aa", "b", "ZZ", "é", "0", "~"} {
		tcs = append(tcs,
			tc{repo.GreaterThan(b), func(id string) bool { return id > b }},
			tc{repo.GreaterOrEqual(b), func(id string) bool { return id >= b }},
			tc{repo.LessThan(b), func(id string) bool { return id < b }},
			tc{repo.LessOrEqual(b), func(id string) bool { return id <= b }},
		)
	}
	for _, r := range [][2]string{{"a", "b"}, {"A", "Z"}, {"0", "9"}, {"aa", "aa"}, {"c", "d"}, {"b", "日本"}} {
		tcs = append(tcs, tc{repo.Between(r[0], r[1]), func(id string) bool { return r[0] <= id && id <= r[1] }})
	}
	for _, c := range tcs {
		var want []string
		for _, id := range sampleIDs {
			if c.keep(id) {
				want = append(want, id)
			}
		}
		for _, desc := range []bool{false, true} {
			for _, limit := range []int{1, 2, 5, 100} {
				got := collect(t, h, "acme", c.cond, limit, desc)
				require.Equal(t, sortedIDs(want, desc), nilIfEmpty(got), "%v limit %d descending %v", c.cond, limit, desc)
			}
		}
	}
}

func caseQueryInvalidConditions(t *testing.T, h *harness) {
	ctx := h.ctx(t, "acme")
	for _, c := range []repo.KeyCondition{
		repo.Between("b", "a"), repo.Between("", "a"), repo.BeginsWith("a#"),
		repo.GreaterThan(""), repo.LessThan("x#y"), repo.GreaterOrEqual(string([]byte{0xff})),
		repo.LessOrEqual(strings.Repeat("x", 1024)),
	} {
		_, err := h.users.Query(ctx, c)
		require.ErrorIs(t, err, repo.ErrInvalidArgument, "%v", c)
	}
}

func caseAllIteratesEveryPage(t *testing.T, h *harness) {
	seedUsers(t, h, "acme", sampleIDs)
	ctx := h.ctx(t, "acme")
	var got []string
	for u, err := range h.users.All(ctx, repo.WithLimit(4)) {
		require.NoError(t, err)
		got = append(got, u.ID)
	}
	assert.Equal(t, sortedIDs(sampleIDs, false), got)
	got = nil
	for u, err := range h.users.QueryAll(ctx, repo.BeginsWith("a"), repo.WithLimit(1), repo.WithDescending()) {
		require.NoError(t, err)
		got = append(got, u.ID)
	}
	assert.Equal(t, []string{"ab", "aa", "a_b", "a.b", "a-b", "a"}, got)
	got = nil
	for u, err := range h.users.All(ctx, repo.WithLimit(2)) {
		require.NoError(t, err)
		got = append(got, u.ID)
		if len(got) == 3 {
			break
		}
	}
	assert.Len(t, got, 3, "breaking out of the loop stops the iteration")
}

func caseCursorsInvalid(t *testing.T, h *harness) {
	seedUsers(t, h, "acme", sampleIDs)
	ctx := h.ctx(t, "acme")
	first, err := h.users.List(ctx, repo.WithLimit(3))
	require.NoError(t, err)
	require.NotEmpty(t, first.Next)
	// The same cursor works again: pages are repeatable.
	second, err := h.users.List(ctx, repo.WithLimit(3), repo.WithCursor(first.Next))
	require.NoError(t, err)
	require.Len(t, second.Items, 3)

	tampered := []string{
		"garbage", "!!!", "AAAA", first.Next[:len(first.Next)-1], first.Next + "A",
		flip(first.Next, 0), flip(first.Next, len(first.Next)/2), flip(first.Next, len(first.Next)-1),
		strings.Repeat("A", 10000),
	}
	for _, c := range tampered {
		page, err := h.users.List(ctx, repo.WithCursor(c))
		require.ErrorIs(t, err, repo.ErrInvalidCursor, "cursor %q", c)
		require.Empty(t, page.Items)
	}
	// A cursor from List of users, given to another type.
	_, err = h.accounts.List(ctx, repo.WithCursor(first.Next))
	require.ErrorIs(t, err, repo.ErrInvalidCursor)
	// A cursor whose position the query's range does not hold.
	_, err = h.users.Query(ctx, repo.BeginsWith("日"), repo.WithCursor(first.Next))
	require.ErrorIs(t, err, repo.ErrInvalidCursor)
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// flip changes the character at i of a base64url cursor to another valid one.
func flip(s string, i int) string {
	b := []byte(s)
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}
