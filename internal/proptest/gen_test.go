package proptest

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"pgregory.net/rapid"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
)

// The values sequences draw from. Tenant IDs and entity IDs are
// near-collisions of each other: prefixes, case, a trailing space, Unicode,
// and the longest tenant ID that fits with one that is its prefix.
var (
	longTenant  = strings.Repeat("t", entity.MaxTenantIDBytes)
	tenantPool  = []string{"ab", "A", "a ", "ä", "テナント", "tenant", longTenant, longTenant[:1000]}
	idPool      = []string{"a", "ab", "A", "b", "1", "11", "é", "a b", "tenant", "item", "😀", "\uFFFD", "ｱ", strings.Repeat("x", 1000)}
	badIDs      = []string{"", "x#y", strings.Repeat("y", 1100)}
	names       = []string{"", "alpha", "beta", "Ω"}
	bigValue    = strings.Repeat("n", 300_000) // three fit in a 1 MB page, four do not
	tooBig      = strings.Repeat("n", 410_000) // over the 400 KB item limit
	counts      = []int64{0, 1, 2, -1, 5}
	tagPool     = []string{"x", "y", "z"}
	owners      = []string{"", "o1", "o1", "o2"}
	createdPool = []string{"2024-01", "", "2024-02", "2025-01", "2024-😀", "2024-\uFFFD"}
	statuses    = []string{"", "open", "done"}
	ranks       = []string{"", "1", "10", "2", "ｱ"}
	notes       = []string{"", "n1", "n2"}
	idBounds    = []string{"1", "a", "ab", "b", "z", "é", "A", "11", "😀", "\uFFFD"}
	indexBounds = []string{"2024", "2024-01", "2024-02", "2025-01", "1", "10", "2", "3", "o", "2024-😀", "2024-\uFFFD"}
	// numberSpellings are ways to write whole numbers; DynamoDB stores all
	// but the first as it stores the first ("13"), DynamoDB Local as written.
	numberSpellings = []string{"13", "13.0", "1.3e1", "-0", "+13"}
	garbage         = []string{"abc", "!!!", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", strings.Repeat("A", 5000)}
	partsOfIndex    = map[string][]string{"by-owner": {"o1", "o2", "o3"}, "by-status": {"open", "done"}}
)

// uniform draws a number in [0, n) from unbiased bits, so that choices
// keep their weights; shrinking moves towards 0, the first choice.
func uniform(t *rapid.T, n int) int {
	if n <= 1 {
		return 0
	}
	v := 0
	for b := 1; b < n; b <<= 1 {
		v <<= 1
		if rapid.Bool().Draw(t, "") {
			v |= 1
		}
	}
	return v % n
}

// chance reports true with about pct percent; shrinking makes it false.
func chance(t *rapid.T, pct int) bool {
	return uniform(t, 100) >= 100-pct
}

func pick[E any](t *rapid.T, s []E) E { return s[uniform(t, len(s))] }

// weighted draws an index by weight.
func weighted(t *rapid.T, w []int) int {
	total := 0
	for _, x := range w {
		total += x
	}
	n := uniform(t, total)
	for i, x := range w {
		if n < x {
			return i
		}
		n -= x
	}
	return len(w) - 1
}

// seq is the state of one sequence that generation needs: its tenants and
// the cursors its pages returned.
type seq struct {
	tenants []string
	pool    []cursorEntry
	rawPool []rawEntry
	diff    bool // the differential test: no random IDs, raw queries
	lite    bool // fewer 300 KB values, which DynamoDB Local is slow to move
	// What earlier writes named, to aim queries where entities are.
	last    *writtenKey  // the tenant and type the last write named, if any
	big     []writtenKey // where batches of 300 KB entities went
	tickets map[int]bool // the tenants tickets were written for
}

type writtenKey struct {
	tenant int
	t      typ
}

// wrote records where an op writes.
func (s *seq) wrote(o *op) {
	add := func(t typ) {
		if o.Tenant < 0 {
			return
		}
		s.last = &writtenKey{o.Tenant, t}
		if t == tTicket {
			if s.tickets == nil {
				s.tickets = map[int]bool{}
			}
			s.tickets[o.Tenant] = true
		}
	}
	switch o.Kind {
	case opCreate, opPut, opBatchPut:
		add(o.Type)
	case opTransact:
		for _, a := range o.Tx {
			if a.Kind == opCreate || a.Kind == opPut {
				add(a.Type)
			}
		}
	}
}

// knownID draws an ID for a read or an update: mostly one of the few IDs
// writes favour, so that it often exists. (It does not look at what the
// sequence wrote: choices that hang on earlier steps shrink badly.)
func (s *seq) knownID(t *rapid.T) string {
	if chance(t, 60) {
		return pick(t, idPool[:3])
	}
	return s.id(t)
}

// rawEntry is a LastKey a raw query returned, and the query.
type rawEntry struct {
	Key backend.Key
	In  backend.QueryInput
}

// drawTenants draws a sequence's tenants: "a" and two to four others.
func drawTenants(t *rapid.T) tenantList {
	n := 2 + uniform(t, 3)
	rest := rapid.Permutation(tenantPool).Draw(t, "tenants")
	return append(tenantList{"a"}, rest[:n]...)
}

// tenant draws the tenant of an op: "a" (whose ID the others nearly
// collide with) or the next one half the time, so that their entities meet
// often; rarely none.
func (s *seq) tenant(t *rapid.T) int {
	switch {
	case chance(t, 3):
		if chance(t, 50) {
			return hostileTenant(uniform(t, len(hostileTenants)))
		}
		return -1
	case chance(t, 50):
		return uniform(t, 2)
	}
	return uniform(t, len(s.tenants))
}

// typeOf draws an entity type: item most often.
func typeOf(t *rapid.T) typ {
	return typ(weighted(t, []int{tItem: 45, tOther: 20, tTicket: 35}))
}

func (s *seq) id(t *rapid.T) string {
	switch {
	case chance(t, 4):
		return pick(t, badIDs)
	case chance(t, 60):
		return pick(t, idPool[:3])
	}
	return pick(t, idPool)
}

// text draws a string attribute's value: rarely one of 300 KB, or one
// over the item size limit.
func (s *seq) text(t *rapid.T, pool []string) string {
	switch {
	case chance(t, 3) && !(s.lite && chance(t, 70)):
		return bigValue
	case chance(t, 1):
		return tooBig
	}
	return pick(t, pool)
}

// bigBatchIDs are distinct IDs for batches over DynamoDB's request limits.
func bigBatchIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("b%03d", i)
	}
	return ids
}

func (s *seq) ent(t *rapid.T, ty typ, id string) ent {
	e := ent{ID: id, Count: pick(t, counts)}
	switch ty {
	case tItem:
		e.Name = s.text(t, names)
		if chance(t, 50) {
			e.Tags = drawSet(t)
		}
	case tOther:
		e.Name = s.text(t, names)
	case tTicket:
		e.Owner, e.Created = pick(t, owners), pick(t, createdPool)
		e.Status, e.Rank = pick(t, statuses), pick(t, ranks)
		e.Note = s.text(t, notes)
	}
	return e
}

// drawSet draws a non-empty string set, rarely with a member twice (which
// DynamoDB refuses).
func drawSet(t *rapid.T) []string {
	var set []string
	for _, x := range tagPool {
		if chance(t, 50) {
			set = append(set, x)
		}
	}
	if len(set) == 0 {
		set = []string{pick(t, tagPool)}
	}
	if chance(t, 3) {
		set = append(set, set[0])
	}
	return set
}

func (s *seq) cond(t *rapid.T, ty typ, pct int) *cond {
	if !chance(t, pct) {
		return nil
	}
	str := "name"
	opt := []string{"count", "name"}
	switch ty {
	case tItem:
		opt = append(opt, "tags")
	case tTicket:
		str = pick(t, []string{"note", "owner"})
		opt = []string{"count", "note", "owner"}
	}
	switch uniform(t, 4) {
	case 0:
		v := pick(t, names)
		if ty == tTicket {
			v = pick(t, append(notes, owners...))
		}
		return &cond{Kind: condEq, Attr: str, S: v}
	case 1:
		return &cond{Kind: condExists, Attr: pick(t, opt)}
	case 2:
		return &cond{Kind: condNotExists, Attr: pick(t, opt)}
	}
	return &cond{Kind: condLess, Attr: "count", N: pick(t, []int64{0, 1, 3})}
}

// attrs draws the attributes an Update names: for tickets, mostly both
// attributes of an index or neither.
func (s *seq) attrs(t *rapid.T, ty typ) []string {
	if chance(t, 4) {
		return pick(t, [][]string{nil, {"nope"}, {"PK"}, {"GSI1PK"}, {"count", "count"}})
	}
	var groups [][]string
	switch ty {
	case tItem:
		groups = [][]string{{"name"}, {"count"}, {"tags"}}
	case tOther:
		groups = [][]string{{"name"}, {"count"}}
	default:
		groups = [][]string{{"owner", "created"}, {"status", "rank"}, {"note"}, {"count"}}
		if chance(t, 5) {
			groups = [][]string{{pick(t, []string{"owner", "created", "status", "rank"})}}
		}
	}
	var out []string
	for _, i := range rapid.Permutation([]int{0, 1, 2, 3}[:len(groups)]).Draw(t, "") {
		if chance(t, 50) {
			out = append(out, groups[i]...)
		}
	}
	if len(out) == 0 {
		out = groups[0]
	}
	return out
}

// upds draws an UpdateExpr's actions, mostly on distinct attributes.
func (s *seq) upds(t *rapid.T, ty typ) []upd {
	var out []upd
	used := map[string]bool{}
	n := 1 + uniform(t, 3)
	for range n {
		var u upd
		switch ty {
		case tItem:
			switch uniform(t, 6) {
			case 0:
				u = upd{Kind: updSet, Attr: "name", S: s.text(t, names)}
			case 1:
				u = upd{Kind: updAdd, Attr: "count", N: pick(t, counts)}
			case 2:
				u = upd{Kind: updSetPlus, Attr: "count", N: pick(t, counts)}
			case 3:
				u = upd{Kind: updRemove, Attr: pick(t, []string{"count", "tags", "name"})}
			case 4:
				u = upd{Kind: updAddSet, Attr: "tags", Set: drawSet(t)}
			default:
				u = upd{Kind: updDelSet, Attr: "tags", Set: drawSet(t)}
			}
		case tOther:
			switch uniform(t, 4) {
			case 0:
				u = upd{Kind: updSet, Attr: "name", S: pick(t, names)}
			case 1:
				u = upd{Kind: updAdd, Attr: "count", N: pick(t, counts)}
			case 2:
				u = upd{Kind: updSetPlus, Attr: "count", N: pick(t, counts)}
			default:
				u = upd{Kind: updRemove, Attr: "count"}
			}
		default:
			switch uniform(t, 5) {
			case 0:
				u = upd{Kind: updSet, Attr: "note", S: s.text(t, notes)}
			case 1:
				u = upd{Kind: updAdd, Attr: "count", N: pick(t, counts)}
			case 2:
				u = upd{Kind: updSetPlus, Attr: "count", N: pick(t, counts)}
			case 3:
				u = upd{Kind: updRemove, Attr: pick(t, []string{"note", "count"})}
			default:
				if chance(t, 30) {
					// An indexed attribute: refused.
					u = upd{Kind: updSet, Attr: pick(t, []string{"owner", "created", "status", "rank"}), S: "o1"}
				} else {
					u = upd{Kind: updSet, Attr: "note", S: pick(t, notes)}
				}
			}
		}
		if chance(t, 5) {
			// A number as the caller spells it.
			u = upd{Kind: updSetNum, Attr: "count", Num: pick(t, numberSpellings)}
		}
		if used[u.Attr] && !chance(t, 10) {
			continue
		}
		used[u.Attr] = true
		out = append(out, u)
	}
	return out
}

func (s *seq) keyCond(t *rapid.T, bounds []string) keyCond {
	b := func() string {
		if chance(t, 3) {
			return pick(t, []string{"", "x#y"})
		}
		return pick(t, bounds)
	}
	switch uniform(t, 8) {
	case 0, 1:
		return keyCond{}
	case 2:
		return keyCond{Op: keyBegins, Lo: pick(t, append([]string{"", "a", "1", "é", "x", "2024"}, bounds...))}
	case 3:
		lo, hi := b(), b()
		if lo > hi && chance(t, 80) {
			lo, hi = hi, lo
		}
		return keyCond{Op: keyBetween, Lo: lo, Hi: hi}
	case 4:
		return keyCond{Op: keyGT, Lo: b()}
	case 5:
		return keyCond{Op: keyGE, Lo: b()}
	case 6:
		return keyCond{Op: keyLT, Hi: b()}
	}
	return keyCond{Op: keyLE, Hi: b()}
}

func (s *seq) limit(t *rapid.T) int {
	if chance(t, 3) {
		return pick(t, []int{-1, 1001})
	}
	return pick(t, []int{1, 1, 2, 2, 3, 5, 5, 0, 0})
}

// query draws a query of the op's type, table or index, and its cursor.
// Following a cursor takes the tenant, type and query of the page that
// returned it, mostly as they were.
func (s *seq) query(t *rapid.T, o *op, index bool) {
	q := &o.Q
	if index {
		q.Index = pick(t, []string{"by-owner", "by-status"})
		if chance(t, 3) {
			q.Index = "nope"
		}
		parts := partsOfIndex[q.Index]
		if parts == nil {
			parts = []string{"o1"}
		}
		q.Part = pick(t, parts)
		if chance(t, 3) {
			q.Part = ""
		}
		q.Key = s.keyCond(t, indexBounds)
		if chance(t, 30) {
			q.Key, q.Part = keyCond{}, pick(t, []string{"o1", "open"})
		}
	} else {
		q.Key = s.keyCond(t, idBounds)
	}
	q.Limit = s.limit(t)
	if index && chance(t, 40) {
		q.Limit = 1 + uniform(t, 2)
	}
	q.Desc = chance(t, 50)
	if s.last != nil && chance(t, 50) {
		// Where the last write went, which has entities.
		o.Tenant = s.last.tenant
		if !index {
			o.Type = s.last.t
			if chance(t, 40) {
				q.Key, q.Limit = keyCond{}, 0 // all of it, up to 100 or 1 MB
			}
		}
	}
	if !index && len(s.big) > 0 && chance(t, 15) {
		// Where 300 KB entities went: pages cut at 1 MB.
		k := pick(t, s.big)
		o.Tenant, o.Type = k.tenant, k.t
		q.Key, q.Limit = keyCond{}, pick(t, []int{0, 5})
	}
	if index {
		// A tenant with tickets, mostly.
		with := slices.Sorted(maps.Keys(s.tickets))
		if len(with) > 0 && chance(t, 70) {
			o.Tenant = pick(t, with)
		}
	}
	if o.Kind == opAll || o.Kind == opAllIndex {
		return
	}
	var same []int // pool entries of the same kind, table or index
	for i, e := range s.pool {
		if (e.Q.Index != "") == index {
			same = append(same, i)
		}
	}
	switch uniform(t, 10) {
	case 0, 1, 2, 3:
		// No cursor.
	case 4, 5, 6:
		if len(same) == 0 {
			return
		}
		i := pick(t, same)
		e := s.pool[i]
		o.Tenant, o.Type = e.Tenant, e.Type
		if chance(t, 75) {
			*q = e.Q
		} else if chance(t, 50) {
			q.Index, q.Part = e.Q.Index, e.Q.Part
		}
		q.Cursor = cursorRef{Kind: curPool, Pool: i}
	case 7:
		// Another page's cursor, as it is, in the same query but for
		// another tenant, type, index or partition, or in any query.
		if len(s.pool) == 0 {
			return
		}
		i := uniform(t, len(s.pool))
		q.Cursor = cursorRef{Kind: curPool, Pool: i}
		e := s.pool[i]
		if (e.Q.Index != "") != index || chance(t, 20) {
			return // any query: often of the other kind, table or index
		}
		o.Tenant, o.Type = e.Tenant, e.Type
		*q = e.Q
		q.Cursor = cursorRef{Kind: curPool, Pool: i}
		switch uniform(t, 3) {
		case 0:
			o.Tenant = (e.Tenant + 1 + uniform(t, len(s.tenants)-1)) % len(s.tenants)
		case 1:
			if !index {
				o.Type = (e.Type + 1 + typ(uniform(t, int(numTypes)-1))) % numTypes
				break
			}
			fallthrough
		default:
			if !index {
				o.Tenant = (e.Tenant + 1 + uniform(t, len(s.tenants)-1)) % len(s.tenants)
				break
			}
			if chance(t, 50) {
				q.Index = map[string]string{"by-owner": "by-status", "by-status": "by-owner"}[q.Index]
			}
			q.Part = pick(t, partsOfIndex[q.Index])
		}
	case 8:
		if len(s.pool) > 0 {
			q.Cursor = cursorRef{Kind: curMutated, Pool: uniform(t, len(s.pool)), Mutate: uniform(t, 1000)}
		} else {
			q.Cursor = cursorRef{Kind: curGarbage, Garbage: pick(t, garbage)}
		}
	default:
		q.Cursor = cursorRef{Kind: curSigned, Parts: s.signedParts(t, o)}
		if chance(t, 10) {
			// A key string that is not UTF-8, as DynamoDB would read
			// another (U+FFFD for each bad byte).
			p := q.Cursor.Parts
			i := uniform(t, len(p))
			p[i] += pick(t, []string{"\xff", "\xfe", "\xed\xa0\x80", "\xc3"})
		}
	}
}

// signedParts draws the key strings of a cursor the test signs for the
// op's tenant and type: positions in the type's keys, in other types' or
// in another tenant's index partition.
func (s *seq) signedParts(t *rapid.T, o *op) []string {
	prefixes := []string{"item", "items", "ticket"}
	sk := pick(t, prefixes) + "#" + pick(t, append([]string{""}, idPool[:9]...))
	if chance(t, 50) {
		sk = o.Type.prefix() + "#" + pick(t, idPool[:9])
	}
	if o.Q.Index == "" {
		first := ""
		if chance(t, 10) {
			first = "by-owner"
		}
		return []string{first, sk}
	}
	tenant := s.tenants[uniform(t, len(s.tenants))]
	if o.Tenant >= 0 && chance(t, 60) {
		tenant = s.tenants[o.Tenant]
	}
	ix, part := o.Q.Index, o.Q.Part
	if chance(t, 20) {
		ix = pick(t, []string{"by-owner", "by-status"})
	}
	if chance(t, 20) {
		part = pick(t, partsOfIndex["by-owner"])
	}
	ipk := entity.IndexPartitionKey(tenant, o.Type.prefix(), ix, part)
	isk := pick(t, append([]string{""}, indexBounds...))
	return []string{ix, sk, ipk, isk}
}

func (s *seq) txAction(t *rapid.T) txAction {
	a := txAction{Type: typeOf(t)}
	a.Kind = []opKind{opCreate, opPut, opUpdate, opUpdateExpr, opDelete, opCheck}[uniform(t, 6)]
	a.ID = s.knownID(t)
	switch a.Kind {
	case opCreate, opPut:
		a.Ent = s.ent(t, a.Type, a.ID)
		a.Cond = s.cond(t, a.Type, 25)
	case opUpdate:
		a.Ent = s.ent(t, a.Type, a.ID)
		a.Attrs = s.attrs(t, a.Type)
		a.Cond = s.cond(t, a.Type, 25)
	case opUpdateExpr:
		a.Upd = s.upds(t, a.Type)
		a.Cond = s.cond(t, a.Type, 25)
	case opDelete:
		a.Cond = s.cond(t, a.Type, 40)
	case opCheck:
		a.Cond = s.cond(t, a.Type, 100)
	}
	return a
}

// opWeights weighs each kind of op, by opKind.
var opWeights = []int{
	opCreate: 8, opGet: 8, opPut: 8, opUpdate: 8, opUpdateExpr: 9, opDelete: 7,
	opQuery: 12, opQueryIndex: 9, opAll: 3, opAllIndex: 3,
	opBatchGet: 4, opBatchPut: 4, opBatchDelete: 3, opTransact: 9,
	opCheck: 0, opRawQuery: 5, opRawWrite: 10,
	opPurge: 1, opCopy: 2, opExportImport: 2, opReindex: 2, opStats: 2,
}

// op draws the next op of the sequence.
func (s *seq) op(t *rapid.T) op {
	w := opWeights
	if !s.diff {
		w = append([]int(nil), w...)
		w[opRawQuery], w[opRawWrite] = 0, 0
	}
	o := op{Kind: opKind(weighted(t, w)), Tenant: s.tenant(t), Type: typeOf(t)}
	switch o.Kind {
	case opCopy, opExportImport:
		o.To = uniform(t, len(s.tenants))
	case opCreate:
		o.ID = s.id(t)
		if o.ID == "" && s.diff {
			o.ID = "x#y" // a random ID would differ between backends
		}
		o.Ent = s.ent(t, o.Type, o.ID)
		o.Cond = s.cond(t, o.Type, 15)
	case opPut:
		o.ID = s.id(t)
		o.Ent = s.ent(t, o.Type, o.ID)
		o.Cond = s.cond(t, o.Type, 20)
	case opGet:
		o.ID = s.knownID(t)
	case opUpdate:
		o.ID = s.knownID(t)
		o.Ent = s.ent(t, o.Type, o.ID)
		o.Attrs = s.attrs(t, o.Type)
		o.Cond = s.cond(t, o.Type, 25)
	case opUpdateExpr:
		o.ID = s.knownID(t)
		o.Upd = s.upds(t, o.Type)
		o.Cond = s.cond(t, o.Type, 25)
	case opDelete:
		o.ID = s.knownID(t)
		o.Cond = s.cond(t, o.Type, 40)
	case opQuery, opAll:
		s.query(t, &o, false)
	case opQueryIndex, opAllIndex:
		if !chance(t, 3) {
			o.Type = tTicket
		}
		s.query(t, &o, true)
	case opBatchGet, opBatchDelete:
		if chance(t, 5) {
			// More than one request holds (100 keys, 25 writes).
			n := 101 + uniform(t, 5)
			if o.Kind == opBatchDelete {
				n = 26 + uniform(t, 5)
			}
			o.IDs = bigBatchIDs(n)
			break
		}
		for range uniform(t, 7) {
			o.IDs = append(o.IDs, s.knownID(t))
		}
	case opBatchPut:
		switch {
		case chance(t, 5):
			for _, id := range bigBatchIDs(26 + uniform(t, 5)) {
				o.Ents = append(o.Ents, s.ent(t, o.Type, id))
			}
		case chance(t, 35) && !(s.lite && chance(t, 75)):
			// Five or more entities of 300 KB: a 1 MB page holds four.
			if o.Tenant >= 0 {
				s.big = append(s.big, writtenKey{o.Tenant, o.Type})
			}
			ids := rapid.Permutation(idPool[:9]).Draw(t, "")
			for _, id := range ids[:5+uniform(t, 3)] {
				e := s.ent(t, o.Type, id)
				e.Name, e.Note = bigValue, bigValue
				if o.Type != tTicket {
					e.Note = ""
				} else {
					e.Name = ""
				}
				o.Ents = append(o.Ents, e)
			}
		default:
			for range uniform(t, 5) {
				o.Ents = append(o.Ents, s.ent(t, o.Type, s.id(t)))
			}
		}
	case opTransact:
		n := 1 + uniform(t, 4)
		if chance(t, 2) {
			n = 0
		}
		type key struct {
			t  typ
			id string
		}
		seen := map[key]bool{}
		for i := range n {
			a := s.txAction(t)
			if seen[key{a.Type, a.ID}] && !chance(t, 15) {
				// Mostly not two actions on one item (refused).
				a.ID, a.Ent.ID = idPool[3+i], idPool[3+i]
			}
			seen[key{a.Type, a.ID}] = true
			o.Tx = append(o.Tx, a)
		}
	case opRawQuery:
		s.rawQuery(t, &o)
	case opRawWrite:
		s.rawWriteOp(t, &o)
	}
	return o
}

// rawQuery draws a backend query of a tenant's partition or index
// partition, often from where an earlier one stopped.
func (s *seq) rawQuery(t *rapid.T, o *op) {
	o.Raw.Start = -1
	if len(s.rawPool) > 0 && chance(t, 40) {
		i := uniform(t, len(s.rawPool))
		o.Raw = rawQuery{In: s.rawPool[i].In, Start: i}
		if chance(t, 30) {
			o.Raw.In.Descending = !o.Raw.In.Descending
		}
		return
	}
	tenant := s.tenants[uniform(t, len(s.tenants))]
	in := backend.QueryInput{Limit: 1 + uniform(t, 3), Descending: chance(t, 50)}
	if chance(t, 40) {
		ix := pick(t, []string{"by-owner", "by-status"})
		in.Index = backend.IndexName(map[string]int{"by-owner": 1, "by-status": 3}[ix])
		in.PK = entity.IndexPartitionKey(tenant, "ticket", ix, pick(t, partsOfIndex[ix]))
		in.Range = backend.SortRange{Op: backend.BeginsWith}
		switch uniform(t, 3) {
		case 1:
			in.Range.Lo = pick(t, indexBounds)
		case 2:
			lo, hi := pick(t, indexBounds), pick(t, indexBounds)
			if lo > hi {
				lo, hi = hi, lo
			}
			in.Range = backend.SortRange{Op: backend.Between, Lo: lo, Hi: hi}
		}
	} else {
		in.PK = entity.PartitionKey(tenant)
		p := pick(t, []string{"", "item#", "items#", "ticket#"})
		in.Range = backend.SortRange{Op: backend.BeginsWith, Lo: p}
		if chance(t, 40) {
			lo, hi := p+pick(t, idBounds), p+pick(t, idBounds)
			if lo > hi {
				lo, hi = hi, lo
			}
			in.Range = backend.SortRange{Op: backend.Between, Lo: lo, Hi: hi}
		}
	}
	if len(s.rawPool) > 0 && chance(t, 15) {
		o.Raw.Start = uniform(t, len(s.rawPool))
	}
	o.Raw.In = in
}
