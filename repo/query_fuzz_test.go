package repo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// The fuzz target and test of this file give List, Query and QueryIndex of
// a memory store cursors that are random, replayed from other tenants and
// types, changed, or forged with the repository's own key (the default key
// is public): the result must be ErrInvalidCursor or a page of the
// caller's own tenant and type, within the query's range, and never a
// panic.

// fzDoc is stored by every tenant of the fixture; Owner says which tenant
// wrote it, so a page can be checked for other tenants' items.
type fzDoc struct {
	ID    string `dynamodbav:"-"`
	Owner string `dynamodbav:"owner"`
	Group string `dynamodbav:"grp,omitempty"`
	At    string `dynamodbav:"at,omitempty"`
}

func (fzDoc) EntityPrefix() string     { return "fzdoc" }
func (d fzDoc) EntityID() string       { return d.ID }
func (d *fzDoc) SetEntityID(id string) { d.ID = id }
func (fzDoc) Indexes() []entity.Index {
	return []entity.Index{{Name: "by-group", Slot: 1, PartitionAttr: "grp", SortAttr: "at"}}
}

// fzDocs shares the beginning of fzDoc's prefix and the name and slot of
// its index: a near collision in every key.
type fzDocs struct {
	ID    string `dynamodbav:"-"`
	Owner string `dynamodbav:"owner"`
	Group string `dynamodbav:"grp,omitempty"`
	At    string `dynamodbav:"at,omitempty"`
}

func (fzDocs) EntityPrefix() string     { return "fzdocs" }
func (d fzDocs) EntityID() string       { return d.ID }
func (d *fzDocs) SetEntityID(id string) { d.ID = id }
func (fzDocs) Indexes() []entity.Index {
	return []entity.Index{{Name: "by-group", Slot: 1, PartitionAttr: "grp", SortAttr: "at"}}
}

// fzVictim is the tenant whose queries the fuzzer drives; the others are
// near collisions of its name.
const fzVictim = "acme"

var fzTenants = []string{fzVictim, "acm", "acme2", "acme ", "ACME", "acme\u00a0"}

// fzIDs are the IDs each tenant stores, in byte order.
var fzIDs = []string{"\x00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "\u00e9", "\U0010FFFF"}

// fzConds are the key conditions the fuzzer picks from, with a check of an
// ID (or index sort value) against each.
//
// LessOrEqual("\x00") is not given to QueryIndex: its lowest bound,
// minIndexValue, is "\x01", above the index value "\x00", so the backend
// refuses the range (ErrInvalidArgument) and values starting with "\x00"
// are missed by < and <= (reported; see internal/badinput's known bugs).
var fzConds = []struct {
	c  KeyCondition
	ok func(string) bool
}{
	{KeyCondition{}, func(string) bool { return true }},
	{GreaterThan("03"), func(s string) bool { return s > "03" }},
	{LessThan("10"), func(s string) bool { return s < "10" }},
	{Between("02", "08"), func(s string) bool { return "02" <= s && s <= "08" }},
	{BeginsWith("0"), func(s string) bool { return strings.HasPrefix(s, "0") }},
	{GreaterOrEqual("\u00e9"), func(s string) bool { return s >= "\u00e9" }},
	{LessOrEqual("\x00"), func(s string) bool { return s <= "\x00" }},
}

type fzFixture struct {
	docs    *Repository[fzDoc]
	others  *Repository[fzDocs]
	ctx     map[string]context.Context
	cursors []string // real cursors of every tenant, type and kind of query
}

var (
	fzOnce sync.Once
	fzFix  *fzFixture
	fzErr  error
)

// fzAt is the index sort value of the i-th ID: distinct for most, equal for
// a few, so index pages have ties.
func fzAt(i int) string { return fmt.Sprintf("2024-01-%02d", i%12) }

func fzFixtureGet(tb testing.TB) *fzFixture {
	fzOnce.Do(func() { fzFix, fzErr = fzBuild() })
	if fzErr != nil {
		tb.Fatal(fzErr)
	}
	return fzFix
}

func fzBuild() (*fzFixture, error) {
	store := memory.New()
	fx := &fzFixture{ctx: map[string]context.Context{}}
	var err error
	if fx.docs, err = New[fzDoc](store); err != nil {
		return nil, err
	}
	if fx.others, err = New[fzDocs](store); err != nil {
		return nil, err
	}
	for _, tn := range fzTenants {
		ctx, err := tenantctx.WithTenant(context.Background(), tn)
		if err != nil {
			return nil, err
		}
		fx.ctx[tn] = ctx
		for i, id := range fzIDs {
			g := []string{"g1", "g2"}[i%2]
			if _, err := fx.docs.Put(ctx, fzDoc{ID: id, Owner: tn, Group: g, At: fzAt(i)}); err != nil {
				return nil, err
			}
			if _, err := fx.others.Put(ctx, fzDocs{ID: id, Owner: tn, Group: g, At: fzAt(i)}); err != nil {
				return nil, err
			}
		}
		for _, fc := range fzConds {
			for _, desc := range []bool{false, true} {
				opts := []func(*PageOptions){WithLimit(2)}
				if desc {
					opts = append(opts, WithDescending())
				}
				p, err := fx.docs.Query(ctx, fc.c, opts...)
				if err != nil {
					return nil, err
				}
				ic := fc.c
				if ic.op == condLE && ic.hi == "\x00" {
					ic = KeyCondition{} // the known bug above
				}
				q, err := fx.docs.Index("by-group").Query(ctx, "g1", append([]func(*PageOptions){Where(ic)}, opts...)...)
				if err != nil {
					return nil, err
				}
				r, err := fx.others.Query(ctx, fc.c, opts...)
				if err != nil {
					return nil, err
				}
				fx.cursors = append(fx.cursors, p.Next, q.Next, r.Next)
			}
		}
	}
	return fx, nil
}

// fzQuery runs the query the mode picks for the victim tenant with the
// cursor, and checks the outcome. It returns the page's items and the
// error. forged says the cursor was signed with the repository's key.
func fzQuery(t *testing.T, fx *fzFixture, cursor string, mode, limit uint8, forged bool) ([]fzDoc, error) {
	t.Helper()
	ctx := fx.ctx[fzVictim]
	kind := mode % 3
	fc := fzConds[int(mode/8)%len(fzConds)]
	opts := []func(*PageOptions){WithCursor(cursor), WithLimit(int(limit%5) + 1)}
	if mode&4 != 0 {
		opts = append(opts, WithDescending())
	}
	var page Page[fzDoc]
	var err error
	switch kind {
	case 0:
		page, err = fx.docs.List(ctx, opts...)
		fc = fzConds[0]
	case 1:
		page, err = fx.docs.Query(ctx, fc.c, opts...)
	case 2:
		if fc.c.op == condLE && fc.c.hi == "\x00" {
			fc = fzConds[0] // the known bug above
		}
		page, err = fx.docs.Index("by-group").Query(ctx, "g1", append([]func(*PageOptions){Where(fc.c)}, opts...)...)
	}
	if err != nil {
		if cursor == "" || !errors.Is(err, ErrInvalidCursor) {
			t.Fatalf("query kind %d, %v, cursor %q (forged %v): %v; want ErrInvalidCursor", kind, fc.c, cursor, forged, err)
		}
		if page.Items != nil || page.Next != "" {
			t.Fatalf("a failed query returned a page")
		}
		return nil, err
	}
	parts := fzParts(kind == 2)
	if !forged && cursor != "" {
		if _, err := fx.docs.cursors.decode(fzVictim, cursor, parts); err != nil {
			t.Fatalf("query kind %d accepted cursor %q, which is not the victim's (%v)", kind, cursor, err)
		}
	}
	for _, d := range page.Items {
		switch {
		case d.Owner != fzVictim:
			t.Fatalf("query kind %d, %v, cursor %q (forged %v): item %q of tenant %q", kind, fc.c, cursor, forged, d.ID, d.Owner)
		case kind == 2 && (d.Group != "g1" || !fc.ok(d.At)):
			t.Fatalf("index query %v, cursor %q: item %q (grp %q, at %q) is outside it", fc.c, cursor, d.ID, d.Group, d.At)
		case kind != 2 && !fc.ok(d.ID):
			t.Fatalf("query %v, cursor %q: item %q is outside it", fc.c, cursor, d.ID)
		}
	}
	if page.Next != "" {
		if _, err := fx.docs.cursors.decode(fzVictim, page.Next, parts); err != nil {
			t.Fatalf("page's Next %q does not verify for the victim: %v", page.Next, err)
		}
	}
	return page.Items, nil
}

// FuzzQueryCursor drives List, Query and QueryIndex of the victim tenant
// with the cursor given, or with a cursor forged from f1..f4 with the
// repository's key when mode&128 is set.
func FuzzQueryCursor(f *testing.F) {
	fx := fzFixtureGet(f)
	for i, c := range fx.cursors {
		// A sample: every tenant's cursors of three of the conditions,
		// each given to a query of its own kind or of another.
		if j := (i / 3) % (len(fzConds) * 2); c != "" && (j == 0 || j == 3 || j == 9) {
			f.Add(c, uint8(i), uint8(1), "", "", "", "")
		}
	}
	f.Add("", uint8(0), uint8(0), "", "", "", "")
	f.Add("", uint8(128), uint8(0), "", "fzdoc#05", "", "")                                            // a forged List cursor
	f.Add("", uint8(128), uint8(0), "", "fzdocs#05", "", "")                                           // another type's key
	f.Add("", uint8(128), uint8(0), "", "fzdoc#", "", "")                                              // the bare prefix
	f.Add("", uint8(128), uint8(0), "", "fzdoc#\xff", "", "")                                          // invalid UTF-8
	f.Add("", uint8(128+8), uint8(0), "x", "fzdoc#zz", "", "")                                         // outside the range
	f.Add("", uint8(128+2), uint8(0), "by-group", "fzdoc#05", "tenant#acme#fzdoc#by-group#g1", "2024") // a forged index cursor
	f.Add("", uint8(128+2), uint8(0), "by-group", "fzdoc#05", "tenant#acm#fzdoc#by-group#g1", "2024")  // another tenant's index partition
	f.Add("", uint8(128+2), uint8(0), "by-group", "fzdoc#05", "tenant#acme#fzdoc#by-group#g1", "")
	f.Add("", uint8(128+2), uint8(0), "by-group", "fzdocs#05", "tenant#acme#fzdoc#by-group#g1", "2024-01-03")
	f.Fuzz(func(t *testing.T, cursor string, mode, limit uint8, f1, f2, f3, f4 string) {
		forged := mode&128 != 0
		if forged {
			if mode%3 == 2 {
				cursor = fx.docs.cursors.encode(fzVictim, f1, f2, f3, f4)
			} else {
				cursor = fx.docs.cursors.encode(fzVictim, f1, f2)
			}
		}
		fzQuery(t, fx, cursor, mode, limit, forged)
	})
}

// TestCursorReplayAcrossTenants gives real cursors of the other tenants
// and of the other type (one of each kind of query per tenant and type), as
// they are and with each character changed to each other base64url
// character, to the victim tenant's queries: none may be accepted.
func TestCursorReplayAcrossTenants(t *testing.T) {
	fx := fzFixtureGet(t)
	var tried, own, used int
	for ci, c := range fx.cursors {
		// fx.cursors holds, per tenant and condition, the cursors of a
		// table query, an index query and a query of the other type:
		// take those of the second condition of each tenant.
		if c == "" || (ci/3)%(len(fzConds)*2) != 2 {
			continue
		}
		victims := 0
		for _, p := range []int{2, 4} {
			if _, err := fx.docs.cursors.decode(fzVictim, c, p); err == nil {
				victims++
			}
		}
		if victims > 0 {
			own++
			continue // the victim's own cursor: covered by the fuzz target
		}
		used++
		for i := -1; i < len(c); i++ {
			for a, alt := range []byte(fzB64) {
				mut := c
				if i >= 0 {
					if c[i] == alt {
						continue
					}
					mut = c[:i] + string(alt) + c[i+1:]
				} else if alt != 'A' {
					continue // the cursor as it is, once
				}
				for mode := uint8(0); mode < 3; mode++ {
					if i >= 0 && int(mode) != (i+a)%3 {
						continue // changed cursors: one kind of query each
					}
					tried++
					if _, err := fzQuery(t, fx, mut, mode+8, 3, false); err == nil {
						t.Fatalf("cursor %d of another tenant or type, changed at %d, was accepted", ci, i)
					}
				}
			}
		}
	}
	if used == 0 {
		t.Fatal("no cursors of other tenants or types")
	}
	t.Logf("%d queries with %d cursors of other tenants and types, changed and not, all refused (%d of the victim's skipped)", tried, used, own)
}
