package conformance

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/repo"
)

// forgeCursor signs a cursor as package repo does (repo/cursor.go): a
// version byte and the length-prefixed key strings, then HMAC-SHA256 over
// the tenant, the prefix and that payload, cut to 16 bytes, all base64url.
// It signs with the repository's default key, which is public, as a forger
// who read the source would.
func forgeCursor(tenant, prefix string, parts ...string) string {
	payload := []byte{1}
	for _, p := range parts {
		payload = binary.AppendUvarint(payload, uint64(len(p)))
		payload = append(payload, p...)
	}
	m := hmac.New(sha256.New, []byte("tenantrepo cursor key v1"))
	for _, s := range []string{tenant, prefix} {
		m.Write(binary.AppendUvarint(nil, uint64(len(s))))
		m.Write([]byte(s))
	}
	m.Write(payload)
	return base64.RawURLEncoding.EncodeToString(append(payload, m.Sum(nil)[:16]...))
}

func caseIsolationInvalidUTF8Inputs(t *testing.T, h *harness) {
	const fffd = "\uFFFD"
	ctx := h.ctx(t, fffd)
	for _, id := range []string{"1", "2", fffd} {
		_, err := h.users.Create(ctx, user{ID: id, Name: fffd})
		require.NoError(t, err)
	}
	seedTickets(t, h, fffd, []ticket{
		{ID: "t1", UserID: fffd, CreatedAt: fffd, Status: "open"},
		{ID: "t2", UserID: fffd, CreatedAt: fffd + "2", Status: "open"},
	})
	// The forged cursors verify: only their key strings are wrong.
	ok := forgeCursor(fffd, "user", "", "user#1")
	page, err := h.users.List(ctx, repo.WithCursor(ok))
	require.NoError(t, err)
	require.Equal(t, []string{"2", fffd}, ids(page.Items))
	ipk := "tenant#" + fffd + "#ticket#by-user#" + fffd
	okIx := forgeCursor(fffd, "ticket", "by-user", "ticket#t1", ipk, fffd)
	ipage, err := h.tickets.Index("by-user").Query(ctx, fffd, repo.WithCursor(okIx))
	require.NoError(t, err)
	require.Equal(t, []string{"t2"}, ids(ipage.Items))

	for _, bad := range []string{"\xff", "\xfe", "\xed\xa0\x80", "\xc0\xaf"} {
		h.unchanged(t, func() {
			for name, c := range map[string]string{
				"sort key":       forgeCursor(fffd, "user", "", "user#"+bad),
				"first part":     forgeCursor(fffd, "user", bad, "user#1"),
				"index SK":       forgeCursor(fffd, "ticket", "by-user", "ticket#t1", ipk, bad),
				"index table SK": forgeCursor(fffd, "ticket", "by-user", "ticket#"+bad, ipk, fffd),
				"index PK":       forgeCursor(fffd, "ticket", "by-user", "ticket#t1", "tenant#"+fffd+"#ticket#by-user#"+bad, fffd),
			} {
				_, err := h.users.List(ctx, repo.WithCursor(c))
				require.ErrorIs(t, err, repo.ErrInvalidCursor, "List, cursor with an invalid %s %q", name, bad)
				_, err = h.users.Query(ctx, repo.GreaterThan("0"), repo.WithCursor(c))
				require.ErrorIs(t, err, repo.ErrInvalidCursor, "Query, cursor with an invalid %s %q", name, bad)
				_, err = h.tickets.Index("by-user").Query(ctx, fffd, repo.WithCursor(c))
				require.ErrorIs(t, err, repo.ErrInvalidCursor, "index Query, cursor with an invalid %s %q", name, bad)
			}
			// Expression values: an update's, a condition's.
			set := expression.Set(expression.Name("user_email"), expression.Value("x"+bad))
			_, err := h.users.UpdateExpr(ctx, "1", set)
			require.ErrorIs(t, err, repo.ErrInvalidArgument, "UpdateExpr value %q", bad)
			_, err = h.users.UpdateExpr(ctx, "1", expression.Set(expression.Name("user_tags"), expression.Value([]string{"a", bad})))
			require.ErrorIs(t, err, repo.ErrInvalidArgument, "UpdateExpr list value %q", bad)
			cond := repo.WithCondition(expression.Name("user_name").Equal(expression.Value(bad)))
			_, err = h.users.Put(ctx, user{ID: "1", Name: "changed"}, cond)
			require.ErrorIs(t, err, repo.ErrInvalidArgument, "Put condition value %q", bad)
			require.ErrorIs(t, h.users.Delete(ctx, "2", cond), repo.ErrInvalidArgument, "Delete condition value %q", bad)
			_, err = h.users.Update(ctx, user{ID: "1", Name: "changed"}, []string{"user_name"}, cond)
			require.ErrorIs(t, err, repo.ErrInvalidArgument, "Update condition value %q", bad)
			err = repo.Transact(ctx, h.users.TxPut(user{ID: "9"}), h.users.TxCheck("1", expression.Name("user_name").Equal(expression.Value(bad))))
			require.ErrorIs(t, err, repo.ErrInvalidArgument, "TxCheck condition value %q", bad)
			// Index partitions and bounds, IDs.
			_, err = h.tickets.Index("by-user").Query(ctx, bad)
			require.ErrorIs(t, err, repo.ErrInvalidArgument)
			_, err = h.tickets.Index("by-user").Query(ctx, fffd, repo.Where(repo.GreaterThan(bad)))
			require.ErrorIs(t, err, repo.ErrInvalidArgument)
			_, err = h.users.Get(ctx, bad)
			require.ErrorIs(t, err, repo.ErrInvalidID)
			_, err = h.users.Query(ctx, repo.BeginsWith(bad))
			require.ErrorIs(t, err, repo.ErrInvalidArgument)
		})
	}
}
