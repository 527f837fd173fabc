package proptest

import (
	"bytes"
	"crypto/sha1" //nolint:gosec // DynamoDB Local's tie order, not security
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
)

// model is what the repositories should hold: for each tenant and type,
// each entity's attributes as DynamoDB stores them (string, int64, or a
// sorted []string for a string set). It is deliberately simple: maps, and
// sorting on every read.
type model struct {
	tenants []string
	data    map[string]*[numTypes]map[string]attrs
}

type attrs map[string]any

func newModel(tenants []string) *model {
	return &model{tenants: tenants, data: map[string]*[numTypes]map[string]attrs{}}
}

func (m *model) of(tenant string, t typ) map[string]attrs {
	d := m.data[tenant]
	if d == nil {
		d = new([numTypes]map[string]attrs)
		m.data[tenant] = d
	}
	if d[t] == nil {
		d[t] = map[string]attrs{}
	}
	return d[t]
}

func (a attrs) clone() attrs {
	out := make(attrs, len(a))
	for k, v := range a {
		if s, ok := v.([]string); ok {
			v = slices.Clone(s)
		}
		out[k] = v
	}
	return out
}

// encode is the item of e as the repository writes it (less keys): what
// attributevalue makes of the type's fields.
func encode(t typ, e ent) (attrs, string) {
	a := attrs{}
	str := func(k, v string) {
		if v != "" {
			a[k] = v
		}
	}
	if e.Count != 0 {
		a["count"] = e.Count
	}
	switch t {
	case tItem:
		a["name"] = e.Name
		if e.Tags != nil {
			set := normSet(e.Tags)
			if len(slices.Compact(slices.Clone(set))) != len(set) {
				return nil, "InvalidArgument" // DynamoDB refuses a set with a member twice
			}
			a["tags"] = set
		}
	case tOther:
		a["id"] = e.ID
		a["name"] = e.Name
	case tTicket:
		str("owner", e.Owner)
		str("created", e.Created)
		str("status", e.Status)
		str("rank", e.Rank)
		str("note", e.Note)
	}
	return a, ""
}

// decode is the entity the repository reads from a.
func decode(id string, a attrs) ent {
	s := func(k string) string { v, _ := a[k].(string); return v }
	e := ent{ID: id, Name: s("name"), Owner: s("owner"), Created: s("created"), Status: s("status"), Rank: s("rank"), Note: s("note")}
	e.Count, _ = a["count"].(int64)
	if set, ok := a["tags"].([]string); ok {
		e.Tags = slices.Clone(set)
	}
	return e
}

// indexOK reports whether a ticket of the tenant fits its index keys: an
// index partition key is at most 2048 bytes.
func indexOK(tenant string, t typ, a attrs) bool {
	if t != tTicket {
		return true
	}
	for _, ix := range ticketIndexes {
		p, _ := a[ix.PartitionAttr].(string)
		s, _ := a[ix.SortAttr].(string)
		if p != "" && s != "" && len(entity.IndexPartitionKey(tenant, "ticket", ix.Name, p)) > entity.MaxPartitionKeyBytes {
			return false
		}
	}
	return true
}

// checkEnc is the repository's encoding of e for the tenant: the
// attributes, or the kind of error.
func checkEnc(tenant string, t typ, e ent) (attrs, string) {
	a, kind := encode(t, e)
	if kind != "" || !indexOK(tenant, t, a) {
		return nil, "InvalidArgument"
	}
	if tooLarge(tenant, t, e.ID, a) {
		return nil, "ItemTooLarge"
	}
	return a, ""
}

// storedItem is the item stored for an entity: its attributes, its keys
// and, for a ticket, its keys in each index it is in.
func storedItem(tenant string, t typ, id string, a attrs) backend.Item {
	it := backend.Item{
		"PK": &types.AttributeValueMemberS{Value: entity.PartitionKey(tenant)},
		"SK": &types.AttributeValueMemberS{Value: entity.SortKey(t.prefix(), id)},
	}
	for k, v := range a {
		switch v := v.(type) {
		case string:
			it[k] = &types.AttributeValueMemberS{Value: v}
		case int64:
			it[k] = &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
		case []string:
			it[k] = &types.AttributeValueMemberSS{Value: v}
		}
	}
	if t == tTicket {
		for _, ix := range ticketIndexes {
			p, _ := a[ix.PartitionAttr].(string)
			s, _ := a[ix.SortAttr].(string)
			if p != "" && s != "" {
				pk, sk := backend.IndexKeyNames(backend.IndexName(ix.Slot))
				it[pk] = &types.AttributeValueMemberS{Value: entity.IndexPartitionKey(tenant, t.prefix(), ix.Name, p)}
				it[sk] = &types.AttributeValueMemberS{Value: s}
			}
		}
	}
	return it
}

func tooLarge(tenant string, t typ, id string, a attrs) bool {
	return backend.ItemSize(storedItem(tenant, t, id, a)) > backend.MaxItemBytes
}

func validID(t typ, id string) bool {
	return entity.ValidateID(t.prefix(), id) == nil
}

func evalCond(c *cond, a attrs) bool {
	if c == nil {
		return true
	}
	v, ok := a[c.Attr]
	switch c.Kind {
	case condEq:
		s, isS := v.(string)
		return isS && s == c.S
	case condExists:
		return ok
	case condNotExists:
		return !ok
	}
	n, isN := v.(int64)
	return isN && n < c.N
}

// ownedAttr reports whether the library owns the attribute name.
func ownedAttr(name string) bool {
	if name == "PK" || name == "SK" {
		return true
	}
	for n := 1; n <= backend.MaxIndexes; n++ {
		pk, sk := backend.IndexKeyNames(backend.IndexName(n))
		if name == pk || name == sk {
			return true
		}
	}
	return false
}

// typeAttrs are the attribute names of each type's fields.
var typeAttrs = [numTypes][]string{
	{"name", "count", "tags"},
	{"id", "name", "count"},
	{"owner", "created", "status", "rank", "note", "count"},
}

// checkUpdate checks an Update as the repository plans it, and returns the
// error kind or "".
func checkUpdate(tenant string, t typ, e ent, names []string) (attrs, string) {
	if !validID(t, e.ID) {
		return nil, "InvalidID"
	}
	if len(names) == 0 {
		return nil, "InvalidArgument"
	}
	enc, kind := checkEnc(tenant, t, e)
	if kind != "" {
		return nil, kind
	}
	seen := map[string]bool{}
	for _, n := range names {
		if ownedAttr(n) || seen[n] || !slices.Contains(typeAttrs[t], n) {
			return nil, "InvalidArgument"
		}
		seen[n] = true
	}
	if t == tTicket {
		for _, ix := range ticketIndexes {
			if seen[ix.PartitionAttr] != seen[ix.SortAttr] {
				return nil, "InvalidArgument"
			}
		}
	}
	return enc, ""
}

// checkUpdateExpr checks an UpdateExpr before it reaches the store: the
// repository's checks of the names, then DynamoDB's of the expression (two
// actions on one path, a set with a member twice).
func checkUpdateExpr(t typ, id string, us []upd) (repoKind, storeKind string) {
	if !validID(t, id) {
		return "InvalidID", ""
	}
	for _, u := range us {
		if ownedAttr(u.Attr) {
			return "InvalidArgument", ""
		}
		if t == tTicket && slices.Contains([]string{"owner", "created", "status", "rank"}, u.Attr) {
			return "InvalidArgument", ""
		}
	}
	for _, u := range us {
		// count is an int64: it takes a number as given only spelled as
		// DynamoDB returns it ("13", not "13.0", "1.3e1", "+13" or "-0"),
		// which every backend stores as written.
		if u.Kind == updSetNum && backend.NormalizeNumber(u.Num) != u.Num {
			return "InvalidArgument", ""
		}
	}
	seen := map[string]bool{}
	size := 0
	for _, u := range us {
		if seen[u.Attr] {
			return "", "InvalidArgument"
		}
		seen[u.Attr] = true
		if u.Set != nil && len(slices.Compact(normSet(u.Set))) != len(u.Set) {
			return "", "InvalidArgument"
		}
		switch u.Kind {
		case updSet:
			size += len(u.S)
		case updAdd, updSetPlus:
			size += backend.ValueSize(&types.AttributeValueMemberN{Value: strconv.FormatInt(u.N, 10)})
		case updAddSet, updDelSet:
			size += backend.ValueSize(&types.AttributeValueMemberSS{Value: u.Set})
		case updSetNum:
			size += backend.ValueSize(&types.AttributeValueMemberN{Value: u.Num})
		}
	}
	if size >= backend.MaxItemBytes {
		// Values too large for any item: refused before the item is read.
		return "", "ItemTooLarge"
	}
	return "", ""
}

// applyUpd applies an UpdateExpr's actions to a copy of a; ok is false
// when DynamoDB refuses them for the item (an operand that is missing).
func applyUpd(a attrs, us []upd) (attrs, bool) {
	out := a.clone()
	for _, u := range us {
		switch u.Kind {
		case updSet:
			out[u.Attr] = u.S
		case updAdd:
			n, _ := a[u.Attr].(int64)
			out[u.Attr] = n + u.N
		case updSetPlus:
			n, ok := a[u.Attr].(int64)
			if !ok {
				return nil, false
			}
			out[u.Attr] = n + u.N
		case updRemove:
			delete(out, u.Attr)
		case updSetNum:
			// Spelled as DynamoDB returns numbers (checkUpdateExpr).
			n, err := strconv.ParseInt(u.Num, 10, 64)
			if err != nil {
				panic("model: number " + u.Num + " is no int64")
			}
			out[u.Attr] = n
		case updAddSet:
			cur, _ := a[u.Attr].([]string)
			out[u.Attr] = slices.Compact(normSet(append(slices.Clone(cur), u.Set...)))
		case updDelSet:
			cur, ok := a[u.Attr].([]string)
			if !ok {
				continue
			}
			var left []string
			for _, x := range cur {
				if !slices.Contains(u.Set, x) {
					left = append(left, x)
				}
			}
			if len(left) == 0 {
				delete(out, u.Attr)
			} else {
				out[u.Attr] = left
			}
		}
	}
	return out, true
}

// cutPages counts the pages the model cut at 1 MB, to show the tests
// reach that case.
var cutPages atomic.Int64

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// step returns what the op should return, and applies it to the model.
// actual is what the backend returned, read only for the ID Create
// assigns. pos is where a page with a Next stopped.
func (m *model) step(o *op, pool []cursorEntry, actual result) (want result, pos position) {
	fail := func(kind string) result { return result{Err: kind} }
	if o.Tenant < 0 {
		kind := "NoTenant"
		if o.Tenant < -1 {
			kind = "InvalidTenant" // a hostile context (see hostileTenants)
		}
		if o.Kind == opQuery || o.Kind == opQueryIndex || o.Kind == opAll || o.Kind == opAllIndex {
			return result{Err: kind, Ents: []ent{}}, pos
		}
		return fail(kind), pos
	}
	if o.Kind >= opPurge {
		return m.tenantOp(o), pos
	}
	tenant := m.tenants[o.Tenant]
	items := m.of(tenant, o.Type)
	okEnt := func(id string, a attrs) result { return result{Err: "ok", Ents: []ent{decode(id, a)}} }
	switch o.Kind {
	case opCreate:
		e := o.Ent
		if e.ID == "" {
			// The repository assigns a new UUID: take the one it
			// returned, if it is one and new.
			e.ID = "<a new UUID>"
			if actual.Err == "ok" && len(actual.Ents) == 1 && uuidRE.MatchString(actual.Ents[0].ID) && items[actual.Ents[0].ID] == nil {
				e.ID = actual.Ents[0].ID
			}
		}
		if !validID(o.Type, e.ID) {
			return fail("InvalidID"), pos
		}
		enc, kind := checkEnc(tenant, o.Type, e)
		if kind != "" {
			return fail(kind), pos
		}
		if items[e.ID] != nil {
			return fail("AlreadyExists"), pos
		}
		if !evalCond(o.Cond, nil) {
			return fail("ConditionFailed"), pos
		}
		items[e.ID] = enc
		return okEnt(e.ID, enc), pos
	case opGet:
		if !validID(o.Type, o.ID) {
			return fail("InvalidID"), pos
		}
		if a := items[o.ID]; a != nil {
			return okEnt(o.ID, a), pos
		}
		return fail("NotFound"), pos
	case opPut:
		if !validID(o.Type, o.Ent.ID) {
			return fail("InvalidID"), pos
		}
		enc, kind := checkEnc(tenant, o.Type, o.Ent)
		if kind != "" {
			return fail(kind), pos
		}
		if !evalCond(o.Cond, items[o.Ent.ID]) {
			return fail("ConditionFailed"), pos
		}
		items[o.Ent.ID] = enc
		return okEnt(o.Ent.ID, enc), pos
	case opUpdate:
		enc, kind := checkUpdate(tenant, o.Type, o.Ent, o.Attrs)
		if kind != "" {
			return fail(kind), pos
		}
		cur := items[o.Ent.ID]
		if cur == nil {
			return fail("NotFound"), pos
		}
		if !evalCond(o.Cond, cur) {
			return fail("ConditionFailed"), pos
		}
		next := applyNamed(cur, enc, o.Attrs)
		if tooLarge(tenant, o.Type, o.Ent.ID, next) {
			return fail("ItemTooLarge"), pos
		}
		items[o.Ent.ID] = next
		return okEnt(o.Ent.ID, next), pos
	case opUpdateExpr:
		if k1, k2 := checkUpdateExpr(o.Type, o.ID, o.Upd); k1+k2 != "" {
			return fail(k1 + k2), pos
		}
		cur := items[o.ID]
		if cur == nil {
			return fail("NotFound"), pos
		}
		if !evalCond(o.Cond, cur) {
			return fail("ConditionFailed"), pos
		}
		next, ok := applyUpd(cur, o.Upd)
		if !ok {
			return fail("InvalidArgument"), pos
		}
		if tooLarge(tenant, o.Type, o.ID, next) {
			return fail("ItemTooLarge"), pos
		}
		items[o.ID] = next
		return okEnt(o.ID, next), pos
	case opDelete:
		if !validID(o.Type, o.ID) {
			return fail("InvalidID"), pos
		}
		if o.Cond != nil {
			cur := items[o.ID]
			if cur == nil {
				return fail("NotFound"), pos
			}
			if !evalCond(o.Cond, cur) {
				return fail("ConditionFailed"), pos
			}
		}
		delete(items, o.ID)
		return result{Err: "ok"}, pos
	case opQuery, opQueryIndex, opAll, opAllIndex:
		return m.query(o, pool)
	case opBatchGet:
		if kind := checkBatchIDs(o.Type, o.IDs); kind != "" {
			return fail(kind), pos
		}
		want = result{Err: "ok", Ents: []ent{}, Missing: []string{}}
		for _, id := range o.IDs {
			if a := items[id]; a != nil {
				want.Ents = append(want.Ents, decode(id, a))
			} else {
				want.Missing = append(want.Missing, id)
			}
		}
		return want, pos
	case opBatchPut:
		var ids []string
		for _, e := range o.Ents {
			ids = append(ids, e.ID)
		}
		if kind := checkBatchIDs(o.Type, ids); kind != "" {
			return fail(kind), pos
		}
		encs := make([]attrs, len(o.Ents))
		for i, e := range o.Ents {
			enc, kind := checkEnc(tenant, o.Type, e)
			if kind != "" {
				return fail(kind), pos
			}
			encs[i] = enc
		}
		for i, e := range o.Ents {
			items[e.ID] = encs[i]
		}
		return result{Err: "ok"}, pos
	case opBatchDelete:
		if kind := checkBatchIDs(o.Type, o.IDs); kind != "" {
			return fail(kind), pos
		}
		for _, id := range o.IDs {
			delete(items, id)
		}
		return result{Err: "ok"}, pos
	case opTransact:
		return result{Err: m.transact(tenant, o.Tx)}, pos
	}
	panic("model: no " + o.Kind.String())
}

// applyNamed is Update's effect: each named attribute set to its value in
// enc, or removed when enc has none.
func applyNamed(cur, enc attrs, names []string) attrs {
	next := cur.clone()
	for _, n := range names {
		if v, ok := enc[n]; ok {
			next[n] = v
		} else {
			delete(next, n)
		}
	}
	return next
}

// checkBatchIDs checks a batch's IDs in order, as the repository does.
func checkBatchIDs(t typ, ids []string) string {
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			return "InvalidArgument"
		}
		seen[id] = true
		if !validID(t, id) {
			return "InvalidID"
		}
	}
	return ""
}

// transact returns a transaction's errText, and applies it when it
// succeeds.
func (m *model) transact(tenant string, acts []txAction) string {
	if len(acts) == 0 {
		return "InvalidArgument"
	}
	type key struct {
		t  typ
		id string
	}
	seen := map[key]bool{}
	encs := make([]attrs, len(acts))
	storeKind := ""
	// The repository plans every action, in order, before sending any.
	for i, a := range acts {
		id := a.ID
		switch a.Kind {
		case opCreate, opPut:
			id = a.Ent.ID
			if a.Kind == opCreate && id == "" {
				return "InvalidID"
			}
			if !validID(a.Type, id) {
				return "InvalidID"
			}
			enc, kind := checkEnc(tenant, a.Type, a.Ent)
			if kind != "" {
				return kind
			}
			encs[i] = enc
		case opUpdate:
			id = a.Ent.ID
			enc, kind := checkUpdate(tenant, a.Type, a.Ent, a.Attrs)
			if kind != "" {
				return kind
			}
			encs[i] = enc
		case opUpdateExpr:
			k1, k2 := checkUpdateExpr(a.Type, a.ID, a.Upd)
			if k1 != "" {
				return k1
			}
			if storeKind == "" {
				storeKind = k2
			}
		default:
			if !validID(a.Type, id) {
				return "InvalidID"
			}
		}
		if seen[key{a.Type, id}] {
			return "InvalidArgument"
		}
		seen[key{a.Type, id}] = true
	}
	if storeKind != "" {
		return storeKind
	}
	// Every condition is judged against the items as they were.
	results := make([]string, len(acts))
	failed := map[string]bool{}
	invalid := "" // the kind of an update that fails the request whole
	next := make([]attrs, len(acts))
	for i, a := range acts {
		items := m.of(tenant, a.Type)
		id := a.ID
		if a.Kind == opCreate || a.Kind == opPut || a.Kind == opUpdate {
			id = a.Ent.ID
		}
		cur := items[id]
		res := ""
		switch a.Kind {
		case opCreate:
			switch {
			case cur != nil:
				res = "AlreadyExists/ConditionalCheckFailed"
			case !evalCond(a.Cond, nil):
				res = "ConditionFailed/ConditionalCheckFailed"
			}
			next[i] = encs[i]
		case opPut:
			if !evalCond(a.Cond, cur) {
				res = "ConditionFailed/ConditionalCheckFailed"
			}
			next[i] = encs[i]
		case opUpdate, opUpdateExpr, opCheck:
			switch {
			case cur == nil:
				res = "NotFound/ConditionalCheckFailed"
			case !evalCond(a.Cond, cur):
				res = "ConditionFailed/ConditionalCheckFailed"
			case a.Kind == opUpdate:
				next[i] = applyNamed(cur, encs[i], a.Attrs)
				if tooLarge(tenant, a.Type, id, next[i]) {
					res = "InvalidArgument/ValidationError"
				}
			case a.Kind == opUpdateExpr:
				var ok bool
				if next[i], ok = applyUpd(cur, a.Upd); !ok {
					// An update DynamoDB cannot apply to an item whose
					// condition holds fails the whole request
					// (ValidationException), whatever the other actions'
					// conditions do: as DynamoDB Local 3.3.0 does.
					invalid = "InvalidArgument"
				} else if tooLarge(tenant, a.Type, id, next[i]) {
					// An item made too large cancels the transaction
					// with a ValidationError for the action.
					res = "InvalidArgument/ValidationError"
				}
			}
		case opDelete:
			if a.Cond != nil {
				switch {
				case cur == nil:
					res = "NotFound/ConditionalCheckFailed"
				case !evalCond(a.Cond, cur):
					res = "ConditionFailed/ConditionalCheckFailed"
				}
			}
		}
		if res == "" {
			results[i] = "-/None"
		} else {
			results[i] = res
			failed[strings.Split(res, "/")[0]] = true
		}
	}
	if invalid != "" {
		return invalid
	}
	if len(failed) > 0 {
		failed["TxCanceled"] = true
		var ks []string
		for _, s := range sentinels {
			if failed[s.name] {
				ks = append(ks, s.name)
			}
		}
		return strings.Join(ks, "|") + "[" + strings.Join(results, ", ") + "]"
	}
	for i, a := range acts {
		items := m.of(tenant, a.Type)
		switch a.Kind {
		case opCreate, opPut, opUpdate:
			items[a.Ent.ID] = next[i]
		case opUpdateExpr:
			items[a.ID] = next[i]
		case opDelete:
			delete(items, a.ID)
		}
	}
	return "ok"
}

// Key ranges, as package repo maps key conditions to sort keys (table) and
// index sort values (index). This is the contract the model holds the
// repository to.
var maxIndexValue = strings.Repeat("\U0010FFFF", entity.MaxSortKeyBytes/4)

func tableRange(prefix string, k keyCond) (rng backend.SortRange, exclude string, ok bool) {
	first, last := prefix+"#", prefix+"$"
	for _, s := range []string{k.Lo, k.Hi} {
		if !utf8.ValidString(s) || strings.Contains(s, "#") || len(first)+len(s) > entity.MaxSortKeyBytes {
			return rng, "", false
		}
	}
	between := func(lo, hi string) backend.SortRange { return backend.SortRange{Op: backend.Between, Lo: lo, Hi: hi} }
	switch k.Op {
	case keyAll:
		return backend.SortRange{Op: backend.BeginsWith, Lo: first}, "", true
	case keyBegins:
		return backend.SortRange{Op: backend.BeginsWith, Lo: first + k.Lo}, "", true
	case keyBetween:
		return between(first+k.Lo, first+k.Hi), "", k.Lo != "" && k.Hi != "" && k.Lo <= k.Hi
	case keyGT, keyGE:
		if k.Op == keyGT {
			exclude = first + k.Lo
		}
		return between(first+k.Lo, last), exclude, k.Lo != ""
	}
	if k.Op == keyLT {
		exclude = first + k.Hi
	}
	return between(first, first+k.Hi), exclude, k.Hi != ""
}

func indexRange(k keyCond) (rng backend.SortRange, exclude string, ok bool) {
	for _, s := range []string{k.Lo, k.Hi} {
		if !utf8.ValidString(s) || len(s) > entity.MaxSortKeyBytes {
			return rng, "", false
		}
	}
	between := func(lo, hi string) backend.SortRange { return backend.SortRange{Op: backend.Between, Lo: lo, Hi: hi} }
	switch k.Op {
	case keyAll:
		return backend.SortRange{Op: backend.BeginsWith}, "", true
	case keyBegins:
		return backend.SortRange{Op: backend.BeginsWith, Lo: k.Lo}, "", true
	case keyBetween:
		return between(k.Lo, k.Hi), "", k.Lo != "" && k.Hi != "" && k.Lo <= k.Hi
	case keyGT, keyGE:
		if k.Op == keyGT {
			exclude = k.Lo
		}
		return between(k.Lo, maxIndexValue), exclude, k.Lo != ""
	}
	if k.Op == keyLT {
		exclude = k.Hi
	}
	return between("\x01", k.Hi), exclude, k.Hi != ""
}

// tieHash is the order DynamoDB Local 3.3.0 gives items with equal index
// sort values (the memory backend keeps it too, see backend/memory): the
// SHA-1 of a salt and the salted SHA-1s of the table keys. DynamoDB itself
// promises no order for them; the model needs one to say which items a
// page holds.
func tieHash(pk, sk string) []byte {
	salt := []byte("LocalDdb")
	sum := func(parts ...[]byte) []byte {
		h := sha1.New() //nolint:gosec
		h.Write(salt)
		for _, p := range parts {
			h.Write(p)
		}
		return h.Sum(nil)
	}
	return sum(sum([]byte(pk)), sum([]byte(sk)))
}

// walkItem is one item a query walks over.
type walkItem struct {
	id      string
	sk, isk string
	h       []byte
	size    int // backend.ItemSize of the item
}

// after reports whether x comes after position p in the walk's direction.
func (x walkItem) after(p walkItem, index, desc bool) bool {
	c := strings.Compare(x.sk, p.sk)
	if index {
		if c = strings.Compare(x.isk, p.isk); c == 0 {
			c = bytes.Compare(x.h, p.h)
		}
	}
	if desc {
		return c < 0
	}
	return c > 0
}

// cursorParts returns the key strings the repository reads from the op's
// cursor; verified is false for one that does not verify for the op's
// tenant and type (another tenant's or type's, changed, or garbage).
func (m *model) cursorParts(o *op, pool []cursorEntry) (parts []string, verified bool) {
	c := o.Q.Cursor
	switch c.Kind {
	case curPool:
		e := pool[c.Pool]
		if e.Tenant != o.Tenant || e.Type != o.Type {
			return nil, false
		}
		if e.Q.Index == "" {
			return []string{"", e.Pos.SK}, true
		}
		ipk := entity.IndexPartitionKey(m.tenants[e.Tenant], e.Type.prefix(), e.Q.Index, e.Q.Part)
		return []string{e.Q.Index, e.Pos.SK, ipk, e.Pos.ISK}, true
	case curSigned:
		return c.Parts, true
	}
	return nil, false
}

// query is the result of a Query, QueryIndex or their All forms.
func (m *model) query(o *op, pool []cursorEntry) (result, position) {
	fail := func(kind string) (result, position) { return result{Err: kind, Ents: []ent{}}, position{} }
	tenant := m.tenants[o.Tenant]
	pk := entity.PartitionKey(tenant)
	index := o.Kind == opQueryIndex || o.Kind == opAllIndex
	q := o.Q
	var spec entity.Index
	if index {
		i := slices.IndexFunc(ticketIndexes, func(ix entity.Index) bool { return ix.Name == q.Index })
		if o.Type != tTicket || i < 0 {
			return fail("InvalidArgument")
		}
		spec = ticketIndexes[i]
	}
	if q.Limit < 0 || q.Limit > 1000 {
		return fail("InvalidArgument")
	}
	limit := q.Limit
	if limit == 0 {
		limit = 100
	}
	var rng backend.SortRange
	var exclude, ipk string
	var ok bool
	if index {
		ipk = entity.IndexPartitionKey(tenant, "ticket", spec.Name, q.Part)
		if q.Part == "" || len(ipk) > entity.MaxPartitionKeyBytes {
			return fail("InvalidArgument")
		}
		rng, exclude, ok = indexRange(q.Key)
	} else {
		rng, exclude, ok = tableRange(o.Type.prefix(), q.Key)
	}
	if !ok {
		return fail("InvalidArgument")
	}
	first := o.Type.prefix() + "#"

	// The walk: every item of the range, in order.
	var walk []walkItem
	for id, a := range m.of(tenant, o.Type) {
		x := walkItem{id: id, sk: first + id, size: backend.ItemSize(storedItem(tenant, o.Type, id, a))}
		if index {
			p, _ := a[spec.PartitionAttr].(string)
			s, _ := a[spec.SortAttr].(string)
			if p != q.Part || s == "" {
				continue
			}
			x.isk, x.h = s, tieHash(pk, x.sk)
		}
		key := x.sk
		if index {
			key = x.isk
		}
		if rng.Contains(key) {
			walk = append(walk, x)
		}
	}
	slices.SortFunc(walk, func(a, b walkItem) int {
		if a.after(b, index, false) {
			return 1
		}
		return -1
	})
	if q.Desc {
		slices.Reverse(walk)
	}
	excluded := func(x walkItem) bool {
		if index {
			return exclude != "" && x.isk == exclude
		}
		return exclude != "" && x.sk == exclude
	}
	// towards is the BETWEEN bound a table query reads towards: a start
	// key there is refused, and a page ending there has no LastKey.
	towards, hasTowards := rng.Hi, rng.Op == backend.Between && !index
	if q.Desc {
		towards = rng.Lo
	}

	// Where the walk starts.
	var start *walkItem
	if q.Cursor.Kind != curNone {
		parts, verified := m.cursorParts(o, pool)
		switch {
		case !verified || slices.ContainsFunc(parts, func(p string) bool { return !utf8.ValidString(p) }):
			return fail("InvalidCursor")
		case !index && (len(parts) != 2 || parts[0] != "" || !rng.Contains(parts[1]) || !strings.HasPrefix(parts[1], first) ||
			hasTowards && parts[1] == towards):
			return fail("InvalidCursor")
		case index && (len(parts) != 4 || parts[0] != spec.Name || parts[2] != ipk || !rng.Contains(parts[3]) ||
			!strings.HasPrefix(parts[1], first) || parts[3] == ""):
			return fail("InvalidCursor")
		case index:
			start = &walkItem{sk: parts[1], isk: parts[3], h: tieHash(pk, parts[1])}
		default:
			start = &walkItem{sk: parts[1]}
		}
	} else if !index && exclude != "" && (q.Key.Op == keyGT) != q.Desc {
		start = &walkItem{sk: exclude} // the walk begins at the excluded bound: after it
	}
	if start != nil {
		walk = slices.DeleteFunc(walk, func(x walkItem) bool { return !x.after(*start, index, q.Desc) })
	}

	res := result{Err: "ok", Ents: []ent{}}
	items := m.of(tenant, o.Type)
	if o.Kind == opAll || o.Kind == opAllIndex {
		for _, x := range walk {
			if !excluded(x) {
				res.Ents = append(res.Ents, decode(x.id, items[x.id]))
			}
		}
		return res, position{}
	}
	// One page: DynamoDB evaluates Limit items at a time, or fewer when
	// they reach 1 MB; the repository drops the excluded ones and reads on
	// while a page it would return is empty but has a cursor.
	for {
		n, bytes := 0, 0
		for n < len(walk) && n < limit && bytes < backend.MaxPageBytes {
			bytes += walk[n].size
			n++
		}
		chunk := walk[:n]
		walk = walk[n:]
		for _, x := range chunk {
			if !excluded(x) {
				res.Ents = append(res.Ents, decode(x.id, items[x.id]))
			}
		}
		var last walkItem
		switch {
		case n == limit:
			// Stopped at the Limit: a LastKey even if nothing follows,
			// but not on the BETWEEN bound a table query reads towards
			// (as DynamoDB Local 3.3.0 does).
			last = chunk[n-1]
			if hasTowards && last.sk == towards {
				return res, position{}
			}
		case bytes >= backend.MaxPageBytes && len(walk) > 0:
			// Cut at 1 MB (the item that reaches it included), with more
			// of the range to come.
			last = chunk[n-1]
			cutPages.Add(1)
		default:
			return res, position{} // the range ended: no LastKey
		}
		if !index && last.sk == exclude {
			return res, position{} // the excluded bound ends the walk
		}
		if len(res.Ents) > 0 {
			res.Next = "<a cursor>"
			return res, position{SK: last.sk, ISK: last.isk}
		}
	}
}

// list returns every entity of the tenant's type, in ID order.
func (m *model) list(tenant string, t typ) []ent {
	items := m.of(tenant, t)
	ids := make([]string, 0, len(items))
	for id := range items {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := []ent{}
	for _, id := range ids {
		out = append(out, decode(id, items[id]))
	}
	return out
}
