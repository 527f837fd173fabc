package proptest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/repo"
)

// An op is one step of a sequence: one repository call (or, in the
// differential test, one raw backend query) by one tenant.
type op struct {
	Kind   opKind
	Tenant int // index into the sequence's tenants; -1 for a context without one
	Type   typ
	ID     string
	IDs    []string
	Ent    ent
	Ents   []ent
	Attrs  []string
	Cond   *cond
	Upd    []upd
	Q      query
	Tx     []txAction
	Raw    rawQuery
	RawW   *rawWrite
	To     int // opCopy, opExportImport: the destination tenant, as Tenant

	text string // describe's, for rapid's log of the draw
}

// GoString is what rapid logs for the op's draw.
func (o op) GoString() string { return o.text }

type opKind int

const (
	opCreate opKind = iota
	opGet
	opPut
	opUpdate
	opUpdateExpr
	opDelete
	opQuery
	opQueryIndex
	opAll      // QueryAll
	opAllIndex // QueryIndexAll
	opBatchGet
	opBatchPut
	opBatchDelete
	opTransact
	opCheck    // TxCheck, in transactions only
	opRawQuery // backend.Query, in the differential test only
	opRawWrite // backend.Put or Update of a "raw#" item, in the differential test only (fidelity_test.go)
	// The tenant operations of package ops (tenantops_test.go).
	opPurge        // ops.Purge of the tenant
	opCopy         // ops.Copy of the tenant to tenant To, in the same backend
	opExportImport // ops.Export of the tenant, ops.Import of the data as tenant To
	opReindex      // ops.Reindex of the ticket type
	opStats        // ops.Stats of the tenant
)

var opNames = [...]string{"Create", "Get", "Put", "Update", "UpdateExpr", "Delete", "Query", "QueryIndex",
	"QueryAll", "QueryIndexAll", "BatchGet", "BatchPut", "BatchDelete", "Transact", "TxCheck", "RawQuery", "RawWrite",
	"Purge", "Copy", "ExportImport", "Reindex", "Stats"}

func (k opKind) String() string { return opNames[k] }

// cond is a write's condition (WithCondition, TxCheck).
type cond struct {
	Kind condKind
	Attr string
	S    string
	N    int64
}

type condKind int

const (
	condEq        condKind = iota // Attr = S
	condExists                    // attribute_exists(Attr)
	condNotExists                 // attribute_not_exists(Attr)
	condLess                      // count < N
)

func (c cond) builder() expression.ConditionBuilder {
	n := expression.Name(c.Attr)
	switch c.Kind {
	case condEq:
		return n.Equal(expression.Value(c.S))
	case condExists:
		return expression.AttributeExists(n)
	case condNotExists:
		return expression.AttributeNotExists(n)
	}
	return n.LessThan(expression.Value(c.N))
}

func (c cond) String() string {
	switch c.Kind {
	case condEq:
		return fmt.Sprintf("%s = %q", c.Attr, c.S)
	case condExists:
		return fmt.Sprintf("attribute_exists(%s)", c.Attr)
	case condNotExists:
		return fmt.Sprintf("attribute_not_exists(%s)", c.Attr)
	}
	return fmt.Sprintf("%s < %d", c.Attr, c.N)
}

// upd is one action of an UpdateExpr.
type upd struct {
	Kind updKind
	Attr string
	S    string
	N    int64
	Num  string // updSetNum: the number as written
	Set  []string
}

type updKind int

const (
	updSet     updKind = iota // SET Attr = S
	updAdd                    // ADD Attr N
	updSetPlus                // SET Attr = Attr + N
	updRemove                 // REMOVE Attr
	updAddSet                 // ADD Attr {Set}
	updDelSet                 // DELETE Attr {Set}
	updSetNum                 // SET Attr = Num, a number spelled as written
)

func (u upd) String() string {
	switch u.Kind {
	case updSet:
		return fmt.Sprintf("SET %s = %s", u.Attr, shortQ(u.S))
	case updAdd:
		return fmt.Sprintf("ADD %s %d", u.Attr, u.N)
	case updSetPlus:
		return fmt.Sprintf("SET %s = %s + %d", u.Attr, u.Attr, u.N)
	case updRemove:
		return "REMOVE " + u.Attr
	case updAddSet:
		return fmt.Sprintf("ADD %s %s", u.Attr, shortList(u.Set))
	case updSetNum:
		return fmt.Sprintf("SET %s = %s (the number as written)", u.Attr, u.Num)
	}
	return fmt.Sprintf("DELETE %s %s", u.Attr, shortList(u.Set))
}

func updBuilder(us []upd) expression.UpdateBuilder {
	var b expression.UpdateBuilder
	for _, u := range us {
		n := expression.Name(u.Attr)
		switch u.Kind {
		case updSet:
			b = b.Set(n, expression.Value(u.S))
		case updAdd:
			b = b.Add(n, expression.Value(u.N))
		case updSetPlus:
			b = b.Set(n, n.Plus(expression.Value(u.N)))
		case updRemove:
			b = b.Remove(n)
		case updAddSet:
			b = b.Add(n, expression.Value(&types.AttributeValueMemberSS{Value: u.Set}))
		case updDelSet:
			b = b.Delete(n, expression.Value(&types.AttributeValueMemberSS{Value: u.Set}))
		case updSetNum:
			b = b.Set(n, expression.Value(&types.AttributeValueMemberN{Value: u.Num}))
		}
	}
	return b
}

func writeOpts(c *cond) []func(*repo.WriteOptions) {
	if c == nil {
		return nil
	}
	return []func(*repo.WriteOptions){repo.WithCondition(c.builder())}
}

// keyCond mirrors repo.KeyCondition, which keeps its fields to itself.
type keyCond struct {
	Op     keyOp
	Lo, Hi string
}

type keyOp int

const (
	keyAll keyOp = iota
	keyBegins
	keyBetween
	keyGT
	keyGE
	keyLT
	keyLE
)

func (k keyCond) repo() repo.KeyCondition {
	switch k.Op {
	case keyBegins:
		return repo.BeginsWith(k.Lo)
	case keyBetween:
		return repo.Between(k.Lo, k.Hi)
	case keyGT:
		return repo.GreaterThan(k.Lo)
	case keyGE:
		return repo.GreaterOrEqual(k.Lo)
	case keyLT:
		return repo.LessThan(k.Hi)
	case keyLE:
		return repo.LessOrEqual(k.Hi)
	}
	return repo.KeyCondition{}
}

func (k keyCond) String() string { return k.repo().String() }

// query is what Query, QueryIndex and their All forms are asked.
type query struct {
	Index, Part string // QueryIndex
	Key         keyCond
	Limit       int // 0 for the default
	Desc        bool
	Cursor      cursorRef
}

func (q query) pageOpts(cursor string) []func(*repo.PageOptions) {
	opts := []func(*repo.PageOptions){repo.WithLimit(q.Limit)}
	if cursor != "" {
		opts = append(opts, repo.WithCursor(cursor))
	}
	if q.Desc {
		opts = append(opts, repo.WithDescending())
	}
	return opts
}

// cursorRef says which cursor a query is given.
type cursorRef struct {
	Kind    cursorKind
	Pool    int      // curPool, curMutated: the pool entry
	Mutate  int      // curMutated: how it is changed (see mutate)
	Parts   []string // curSigned: the key strings
	Garbage string   // curGarbage
}

type cursorKind int

const (
	curNone    cursorKind = iota
	curPool               // a cursor a page returned earlier, as it is
	curMutated            // one of those, changed
	curSigned             // made and signed by the test, as a forger with the key would
	curGarbage            // not a cursor at all
)

// mutate changes a cursor: a character replaced, the end cut, or more
// appended. Never the last character alone, whose low bits base64 may
// ignore.
func mutate(cur string, how int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	switch how % 3 {
	case 0:
		i := (how / 3) % (len(cur) - 1)
		c := alphabet[(strings.IndexByte(alphabet, cur[i])+1+how%7)%len(alphabet)]
		return cur[:i] + string(c) + cur[i+1:]
	case 1:
		return cur[:len(cur)-4]
	}
	return cur + "AAAA"
}

// signCursor makes a cursor as package repo does (see repo/cursor.go):
// base64url of a version byte and the length-prefixed key strings, then
// an HMAC-SHA256 over the tenant, the type's prefix and that payload,
// truncated to 16 bytes. Tests sign with cursorKey, as a forger who knows
// the key would.
func signCursor(tenant, prefix string, parts ...string) string {
	payload := []byte{1}
	for _, p := range parts {
		payload = binary.AppendUvarint(payload, uint64(len(p)))
		payload = append(payload, p...)
	}
	m := hmac.New(sha256.New, cursorKey)
	for _, s := range []string{tenant, prefix} {
		m.Write(binary.AppendUvarint(nil, uint64(len(s))))
		m.Write([]byte(s))
	}
	m.Write(payload)
	return base64.RawURLEncoding.EncodeToString(append(payload, m.Sum(nil)[:16]...))
}

// txAction is one action of a transaction.
type txAction struct {
	Kind  opKind // opCreate, opPut, opUpdate, opUpdateExpr, opDelete, opCheck
	Type  typ
	ID    string
	Ent   ent
	Attrs []string
	Cond  *cond
	Upd   []upd
}

// rawQuery is a backend.Query of the differential test.
type rawQuery struct {
	In    backend.QueryInput // StartKey unset
	Start int                // -1, or the raw pool entry whose key starts the page
}

// cursorEntry is a cursor a page returned, with what the test knows of it.
type cursorEntry struct {
	Cur    string
	Tenant int
	Type   typ
	Q      query    // the query that returned it (Cursor aside)
	Pos    position // where the page stopped, as the model has it (isolation test)
}

// position is where a page stopped: the table sort key, and in an index
// the index sort value.
type position struct {
	SK, ISK string
}

// describe renders an op for the failure messages.
func (o op) describe(tenants []string, pool []cursorEntry) string {
	who := "no tenant"
	if o.Tenant < -1 {
		who = fmt.Sprintf("hostile context %#v", hostileTenants[-o.Tenant-2])
	}
	if o.Tenant >= 0 {
		who = "tenant " + shortQ(tenants[o.Tenant])
	}
	p := o.Type.prefix()
	var s string
	switch o.Kind {
	case opCreate, opPut:
		s = fmt.Sprintf("%s.%s(%s%s)", p, o.Kind, o.Ent.String(o.Type), condSuffix(o.Cond))
	case opGet:
		s = fmt.Sprintf("%s.Get(%s)", p, shortQ(o.ID))
	case opUpdate:
		s = fmt.Sprintf("%s.Update(%s, %q%s)", p, o.Ent.String(o.Type), o.Attrs, condSuffix(o.Cond))
	case opUpdateExpr:
		s = fmt.Sprintf("%s.UpdateExpr(%s, %s%s)", p, shortQ(o.ID), updString(o.Upd), condSuffix(o.Cond))
	case opDelete:
		s = fmt.Sprintf("%s.Delete(%s%s)", p, shortQ(o.ID), condSuffix(o.Cond))
	case opQuery, opAll:
		s = fmt.Sprintf("%s.%s(%v%s)", p, o.Kind, o.Q.Key, o.Q.describe(tenants, pool))
	case opQueryIndex, opAllIndex:
		s = fmt.Sprintf("%s.%s(%q, %q, %v%s)", p, o.Kind, o.Q.Index, o.Q.Part, o.Q.Key, o.Q.describe(tenants, pool))
	case opBatchGet, opBatchDelete:
		s = fmt.Sprintf("%s.%s(%s)", p, o.Kind, shortList(o.IDs))
	case opBatchPut:
		var es []string
		for _, e := range o.Ents {
			es = append(es, e.String(o.Type))
		}
		s = fmt.Sprintf("%s.BatchPut([%s])", p, strings.Join(es, " "))
	case opTransact:
		var as []string
		for _, a := range o.Tx {
			as = append(as, a.describe())
		}
		s = fmt.Sprintf("Transact(%s)", strings.Join(as, ", "))
	case opRawQuery:
		in := o.Raw.In
		rng := fmt.Sprintf("begins_with(SK, %q)", in.Range.Lo)
		if in.Range.Op == backend.Between {
			rng = fmt.Sprintf("SK between %q and %q", in.Range.Lo, in.Range.Hi)
		}
		start := "no start key"
		if o.Raw.Start >= 0 {
			start = fmt.Sprintf("start at raw LastKey #%d", o.Raw.Start)
		}
		s = fmt.Sprintf("backend.Query(index %q, PK %s, %s, limit %d, descending %v, %s)",
			in.Index, shortQ(in.PK), rng, in.Limit, in.Descending, start)
	case opRawWrite:
		s = o.RawW.describe(tenants)
	default:
		s = describeTenantOp(o, tenants)
	}
	return "[" + who + "] " + s
}

func (a txAction) describe() string {
	p := a.Type.prefix()
	switch a.Kind {
	case opCreate:
		return fmt.Sprintf("%s.TxCreate(%s%s)", p, a.Ent.String(a.Type), condSuffix(a.Cond))
	case opPut:
		return fmt.Sprintf("%s.TxPut(%s%s)", p, a.Ent.String(a.Type), condSuffix(a.Cond))
	case opUpdate:
		return fmt.Sprintf("%s.TxUpdate(%s, %q%s)", p, a.Ent.String(a.Type), a.Attrs, condSuffix(a.Cond))
	case opUpdateExpr:
		return fmt.Sprintf("%s.TxUpdateExpr(%s, %s%s)", p, shortQ(a.ID), updString(a.Upd), condSuffix(a.Cond))
	case opDelete:
		return fmt.Sprintf("%s.TxDelete(%s%s)", p, shortQ(a.ID), condSuffix(a.Cond))
	}
	return fmt.Sprintf("%s.TxCheck(%s, %v)", p, shortQ(a.ID), a.Cond)
}

func (q query) describe(tenants []string, pool []cursorEntry) string {
	s := fmt.Sprintf(", limit %d", q.Limit)
	if q.Desc {
		s += ", descending"
	}
	switch c := q.Cursor; c.Kind {
	case curPool:
		s += ", cursor " + pool[c.Pool].describe(c.Pool, tenants)
	case curMutated:
		s += fmt.Sprintf(", cursor %s changed (%d)", pool[c.Pool].describe(c.Pool, tenants), c.Mutate)
	case curSigned:
		s += fmt.Sprintf(", signed cursor %q", c.Parts)
	case curGarbage:
		s += fmt.Sprintf(", cursor %q", c.Garbage)
	}
	return s
}

func (e cursorEntry) describe(i int, tenants []string) string {
	where := "table"
	if e.Q.Index != "" {
		where = fmt.Sprintf("index %q partition %q", e.Q.Index, e.Q.Part)
	}
	return fmt.Sprintf("#%d (of tenant %s, %s %s)", i, shortQ(tenants[e.Tenant]), e.Type.prefix(), where)
}

func condSuffix(c *cond) string {
	if c == nil {
		return ""
	}
	return ", if " + c.String()
}

func updString(us []upd) string {
	var s []string
	for _, u := range us {
		s = append(s, u.String())
	}
	return strings.Join(s, "; ")
}

// shortQ quotes s, shortening long strings.
func shortQ(s string) string {
	if len(s) > 48 {
		cut := 24
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return fmt.Sprintf("%q...(%d bytes)", s[:cut], len(s))
	}
	return fmt.Sprintf("%q", s)
}

// tenantList is a sequence's tenants, which rapid logs shortened.
type tenantList []string

func (l tenantList) GoString() string { return shortList(l) }

func shortList(ss []string) string {
	var out []string
	for _, s := range ss {
		out = append(out, shortQ(s))
	}
	return "[" + strings.Join(out, " ") + "]"
}
