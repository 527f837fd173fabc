package conformance

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/internal/testfixture"
	"github.com/tenantrepo/tenantrepo/repo"
)

// hostileContext answers tenantctx's unexported key with a value of its
// choosing, or every key.
type hostileContext = testfixture.ForgedContext

// hostileString is a string type that is not string.
type hostileString string

// hostileTenants is the class of values a context can give for the tenant
// that are not valid tenant IDs: empty, with the separator, invalid UTF-8
// (which the SDK would send as U+FFFD), control characters, too long, and
// values that are not strings at all.
var hostileTenants = []any{
	"", "#", "victim#x", "victim#", "#victim",
	"\xff", "\xfe", "\xff\xfe", "victim\xff", "\xed\xa0\x80", "\xc0\xaf",
	"victim\n", "\x00", "vic\x00tim", "\x7f", "victim\u0085", "\t",
	strings.Repeat("t", entity.MaxTenantIDBytes+1),
	42, []byte("victim"), hostileString("victim"), struct{}{}, errors.New("victim"),
}

// hostilePartitions are the partition keys a hostile tenant could make a
// repository write to, as DynamoDB would see them (each invalid byte as
// U+FFFD, as the SDK's JSON encoder sends it), for the store snapshot.
func hostilePartitions() []string {
	pks := []string{entity.PartitionKey("victim"), "tenant#", "tenant#\uFFFD", "tenant#\uFFFD\uFFFD", "tenant#\uFFFD\uFFFD\uFFFD"}
	for _, v := range hostileTenants {
		s, ok := v.(string)
		if !ok {
			s = fmt.Sprint(v)
		}
		var b strings.Builder
		for i := 0; i < len(s); {
			r, w := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && w == 1 {
				b.WriteString("\uFFFD")
			} else {
				b.WriteString(s[i : i+w])
			}
			i += w
		}
		if pk := entity.TenantPrefix + b.String(); len(pk) <= entity.MaxPartitionKeyBytes {
			pks = append(pks, pk)
		}
	}
	slices.Sort(pks)
	return slices.Compact(pks)
}

// rawSnapshot reads every item of the partitions pks straight from the
// backend and, when the backend can list all it holds (as the memory
// backend's Snapshot does), every item of the store. A partition a
// backend that is not one shared table (SharedTable) refuses to read, as
// no tenant's, is left out: it refuses to write there too.
func rawSnapshot(t *testing.T, h *harness, pks []string) []string {
	t.Helper()
	b := h.b
	var out []string
	for _, pk := range pks {
		in := backend.QueryInput{PK: pk, Range: backend.SortRange{Op: backend.BeginsWith}, Limit: 1000}
		for {
			page, err := b.Query(context.Background(), in)
			if !h.shared() && errors.Is(err, backend.ErrInvalidArgument) {
				out = append(out, "refused:"+pk)
				break
			}
			require.NoError(t, err, "partition %q", pk)
			for _, item := range page.Items {
				out = append(out, describe(item))
			}
			if page.LastKey == nil {
				break
			}
			in.StartKey = page.LastKey
		}
	}
	if s, ok := b.(interface{ Snapshot() []backend.Item }); ok {
		for _, item := range s.Snapshot() {
			out = append(out, "all:"+describe(item))
		}
	}
	slices.Sort(out)
	return out
}

func caseIsolationHostileContextTenant(t *testing.T, h *harness) {
	victim := h.ctx(t, "victim")
	seedUsers(t, h, "victim", []string{"1", "2", "x"})
	seedUsers(t, h, "\uFFFD", []string{"1"})
	seedTickets(t, h, "victim", []ticket{
		{ID: "t1", UserID: "u", CreatedAt: "2024-01-01", Status: "open"},
		{ID: "t2", UserID: "u", CreatedAt: "2024-01-02", Status: "open"},
	})
	userPage, err := h.users.List(victim, repo.WithLimit(1))
	require.NoError(t, err)
	require.NotEmpty(t, userPage.Next)
	ticketPage, err := h.tickets.Index("by-user").Query(victim, "u", repo.WithLimit(1))
	require.NoError(t, err)
	require.NotEmpty(t, ticketPage.Next)

	pks := hostilePartitions()
	before := rawSnapshot(t, h, pks)
	set := expression.Set(expression.Name("user_name"), expression.Value("stolen"))
	cond := expression.AttributeExists(expression.Name("user_name"))
	// Each value under the tenant key alone, and under every key; a
	// context answering every key is refused even with a valid
	// tenant, since it also answers the SDK's keys.
	var contexts []hostileContext
	for _, v := range hostileTenants {
		contexts = append(contexts, hostileContext{Context: context.Background(), V: v}, hostileContext{Context: context.Background(), V: v, Every: true})
	}
	contexts = append(contexts, hostileContext{Context: context.Background(), V: "victim", Every: true})
	for _, ctx := range contexts {
		v := ctx.V
		name := fmt.Sprintf("%T %.40q every=%v", v, fmt.Sprint(v), ctx.Every)
		first := func(seq func(func(user, error) bool)) error {
			for _, err := range seq {
				return err
			}
			return nil
		}
		firstTicket := func(seq func(func(ticket, error) bool)) error {
			for _, err := range seq {
				return err
			}
			return nil
		}
		calls := map[string]func() error{
			"Get":        func() error { _, err := h.users.Get(ctx, "1"); return err },
			"Create":     func() error { _, err := h.users.Create(ctx, user{ID: "new", Name: "n"}); return err },
			"CreateNoID": func() error { _, err := h.users.Create(ctx, user{Name: "n"}); return err },
			"Put":        func() error { _, err := h.users.Put(ctx, user{ID: "1", Name: "stolen"}); return err },
			"Update": func() error {
				_, err := h.users.Update(ctx, user{ID: "1", Name: "stolen"}, []string{"user_name"})
				return err
			},
			"UpdateExpr": func() error { _, err := h.users.UpdateExpr(ctx, "1", set); return err },
			"Delete":     func() error { return h.users.Delete(ctx, "1") },
			"DeleteCond": func() error { return h.users.Delete(ctx, "1", repo.WithCondition(cond)) },
			"List":       func() error { _, err := h.users.List(ctx); return err },
			"ListCursor": func() error { _, err := h.users.List(ctx, repo.WithCursor(userPage.Next)); return err },
			"Query":      func() error { _, err := h.users.Query(ctx, repo.BeginsWith("1")); return err },
			"All":        func() error { return first(h.users.All(ctx)) },
			"QueryAll":   func() error { return first(h.users.QueryAll(ctx, repo.GreaterThan("0"))) },
			"BatchGet":   func() error { _, _, err := h.users.BatchGet(ctx, []string{"1", "2"}); return err },
			"BatchPut":   func() error { return h.users.BatchPut(ctx, []user{{ID: "1", Name: "stolen"}, {ID: "9"}}) },
			"BatchDelete": func() error {
				return h.users.BatchDelete(ctx, []string{"1", "2"})
			},
			"QueryIndex": func() error {
				_, err := h.tickets.Index("by-user").Query(ctx, "u")
				return err
			},
			"QueryIndexCursor": func() error {
				_, err := h.tickets.Index("by-user").Query(ctx, "u", repo.WithCursor(ticketPage.Next))
				return err
			},
			"QueryIndexAll": func() error {
				return firstTicket(h.tickets.Index("by-status").All(ctx, "open"))
			},
			"CreateIndexed": func() error {
				_, err := h.tickets.Create(ctx, ticket{ID: "t9", UserID: "u", CreatedAt: "2024", Status: "open"})
				return err
			},
			"Transact": func() error {
				return repo.Transact(ctx,
					h.users.TxCreate(user{ID: "tx", Name: "n"}),
					h.users.TxPut(user{ID: "2", Name: "stolen"}),
					h.users.TxUpdate(user{ID: "1", Name: "stolen"}, []string{"user_name"}),
					h.tickets.TxCreate(ticket{ID: "t8", UserID: "u", CreatedAt: "2024", Status: "open"}))
			},
			"TransactDelete": func() error {
				return repo.Transact(ctx, h.users.TxDelete("x"), h.users.TxUpdateExpr("2", set), h.users.TxCheck("1", cond))
			},
		}
		for op, call := range calls {
			err := call()
			require.ErrorIs(t, err, repo.ErrInvalidTenant, "%s with a context answering %s", op, name)
			require.NotErrorIs(t, err, repo.ErrNoTenant, "%s with a context answering %s", op, name)
		}
	}
	require.Equal(t, before, rawSnapshot(t, h, pks), "a call with a hostile context changed what is stored")
	// The victim's data is whole.
	for _, id := range []string{"1", "2", "x"} {
		u, err := h.users.Get(victim, id)
		require.NoError(t, err)
		require.Equal(t, "victim/"+id, u.Name)
	}
}
