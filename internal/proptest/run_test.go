package proptest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/ops"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// result is what one op returned, in a form to compare: with the model
// (isolation test) or with the other backend (differential test).
type result struct {
	Ents    []ent    // the entity written or read, a page's items, BatchGet's found
	Missing []string // BatchGet
	Next    string   // a page's cursor
	Err     string   // errText of the error
	Raw     []string // a raw page's items, described
	LastKey string   // a raw page's LastKey, described; "" for none
}

func (r result) describe(t typ) string {
	var b strings.Builder
	b.WriteString(r.Err)
	if r.Ents != nil {
		b.WriteString(" [")
		for i, e := range r.Ents {
			if i > 0 {
				b.WriteString(" ")
			}
			b.WriteString(e.String(t))
		}
		b.WriteString("]")
	}
	if r.Missing != nil {
		fmt.Fprintf(&b, " missing %s", shortList(r.Missing))
	}
	if r.Next != "" {
		b.WriteString(" next=" + r.Next)
	}
	if r.Raw != nil {
		fmt.Fprintf(&b, " raw %q", r.Raw)
	}
	if r.LastKey != "" {
		b.WriteString(" lastkey=" + r.LastKey)
	}
	return b.String()
}

// sentinels are the repository's error kinds, by name.
var sentinels = []struct {
	name string
	err  error
}{
	{"NotFound", repo.ErrNotFound},
	{"AlreadyExists", repo.ErrAlreadyExists},
	{"NoTenant", repo.ErrNoTenant},
	{"InvalidTenant", repo.ErrInvalidTenant},
	{"InvalidID", repo.ErrInvalidID},
	{"InvalidCursor", repo.ErrInvalidCursor},
	{"ItemTooLarge", repo.ErrItemTooLarge},
	{"InvalidArgument", repo.ErrInvalidArgument},
	{"DuplicatePrefix", repo.ErrDuplicatePrefix},
	{"Decode", repo.ErrDecode},
	{"Throttled", repo.ErrThrottled},
	{"Conflict", repo.ErrConflict},
	{"ConditionFailed", repo.ErrConditionFailed},
	{"TxCanceled", repo.ErrTxCanceled},
	{"Unsupported", repo.ErrUnsupported},
	{"ops.InvalidArgument", ops.ErrInvalidArgument},
	{"Verify", ops.ErrVerify},
	{"NotEmpty", ops.ErrNotEmpty},
	{"ForeignItem", ops.ErrForeignItem},
	{"BadExport", ops.ErrBadExport},
	{"InvalidCheckpoint", ops.ErrInvalidCheckpoint},
}

// kinds names every sentinel err is (errors.Is), joined by "|".
func kinds(err error) string {
	var out []string
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			out = append(out, s.name)
		}
	}
	if len(out) == 0 {
		return "unknown(" + err.Error() + ")"
	}
	return strings.Join(out, "|")
}

// errText renders an error as its kinds: "ok", "NotFound", or for a
// transaction "TxCanceled[...]" with each action's kinds and DynamoDB's
// cancellation code.
func errText(err error) string {
	if err == nil {
		return "ok"
	}
	var te *repo.TxError
	if errors.As(err, &te) {
		var acts []string
		for _, a := range te.Actions {
			k := "-"
			if a.Err != nil {
				k = kinds(a.Err)
			}
			acts = append(acts, k+"/"+a.Code)
		}
		return kinds(err) + "[" + strings.Join(acts, ", ") + "]"
	}
	return kinds(err)
}

// ctxFor returns the context of the op's tenant.
func ctxFor(tenants []string, tenant int) context.Context {
	ctx := context.Background()
	if tenant < -1 {
		return hostileContext{ctx, hostileTenants[-tenant-2]}
	}
	if tenant < 0 {
		return ctx
	}
	return tenantctx.MustWithTenant(ctx, tenants[tenant])
}

// cursorOf returns the cursor string a query is given.
func cursorOf(c cursorRef, tenants []string, tenant int, t typ, pool []cursorEntry) string {
	switch c.Kind {
	case curPool:
		return pool[c.Pool].Cur
	case curMutated:
		return mutate(pool[c.Pool].Cur, c.Mutate)
	case curSigned:
		signer := ""
		if tenant >= 0 {
			signer = tenants[tenant]
		}
		return signCursor(signer, t.prefix(), c.Parts...)
	case curGarbage:
		return c.Garbage
	}
	return ""
}

// exec runs the op on w and returns what it returned, and for a raw query
// its LastKey.
func (w *world) exec(tenants []string, o *op, pool []cursorEntry, rawPool []backend.Key) (result, *backend.Key) {
	ctx := ctxFor(tenants, o.Tenant)
	r := w.repos[o.Type]
	one := func(e ent, err error) result {
		if err != nil {
			return result{Err: errText(err)}
		}
		return result{Ents: []ent{e}, Err: "ok"}
	}
	if o.Kind >= opPurge {
		return w.execTenantOp(ctx, tenants, o), nil
	}
	var res result
	switch o.Kind {
	case opCreate:
		res = one(r.create(ctx, o.Ent, writeOpts(o.Cond)))
	case opGet:
		res = one(r.get(ctx, o.ID))
	case opPut:
		res = one(r.put(ctx, o.Ent, writeOpts(o.Cond)))
	case opUpdate:
		res = one(r.update(ctx, o.Ent, o.Attrs, writeOpts(o.Cond)))
	case opUpdateExpr:
		res = one(r.updateExpr(ctx, o.ID, updBuilder(o.Upd), writeOpts(o.Cond)))
	case opDelete:
		res = result{Err: errText(r.delete(ctx, o.ID, writeOpts(o.Cond)))}
	case opQuery, opQueryIndex:
		cur := cursorOf(o.Q.Cursor, tenants, o.Tenant, o.Type, pool)
		var err error
		if o.Kind == opQuery {
			res.Ents, res.Next, err = r.query(ctx, o.Q.Key.repo(), o.Q.pageOpts(cur))
		} else {
			res.Ents, res.Next, err = r.queryIndex(ctx, o.Q.Index, o.Q.Part, o.Q.Key.repo(), o.Q.pageOpts(cur))
		}
		res.Err = errText(err)
		if res.Ents == nil {
			res.Ents = []ent{}
		}
	case opAll, opAllIndex:
		cur := cursorOf(o.Q.Cursor, tenants, o.Tenant, o.Type, pool)
		var err error
		if o.Kind == opAll {
			res.Ents, err = r.all(ctx, o.Q.Key.repo(), o.Q.pageOpts(cur))
		} else {
			res.Ents, err = r.allIndex(ctx, o.Q.Index, o.Q.Part, o.Q.Key.repo(), o.Q.pageOpts(cur))
		}
		res.Err = errText(err)
		if res.Ents == nil {
			res.Ents = []ent{}
		}
	case opBatchGet:
		var err error
		res.Ents, res.Missing, err = r.batchGet(ctx, o.IDs)
		res.Err = errText(err)
		if err == nil {
			if res.Ents == nil {
				res.Ents = []ent{}
			}
			if res.Missing == nil {
				res.Missing = []string{}
			}
		}
	case opBatchPut:
		res.Err = errText(r.batchPut(ctx, o.Ents))
	case opBatchDelete:
		res.Err = errText(r.batchDelete(ctx, o.IDs))
	case opTransact:
		var acts []repo.TxOp
		for _, a := range o.Tx {
			ar := w.repos[a.Type]
			w := writeOpts(a.Cond)
			switch a.Kind {
			case opCreate:
				acts = append(acts, ar.txCreate(a.Ent, w))
			case opPut:
				acts = append(acts, ar.txPut(a.Ent, w))
			case opUpdate:
				acts = append(acts, ar.txUpdate(a.Ent, a.Attrs, w))
			case opUpdateExpr:
				acts = append(acts, ar.txUpdateExpr(a.ID, updBuilder(a.Upd), w))
			case opDelete:
				acts = append(acts, ar.txDelete(a.ID, w))
			case opCheck:
				acts = append(acts, ar.txCheck(a.ID, a.Cond.builder()))
			}
		}
		res.Err = errText(repo.Transact(ctx, acts...))
	case opRawQuery:
		in := o.Raw.In
		if o.Raw.Start >= 0 {
			k := rawPool[o.Raw.Start]
			in.StartKey = &k
		}
		out, err := w.b.Query(context.Background(), in)
		if err != nil {
			return result{Err: backendKinds(err)}, nil
		}
		res.Err = "ok"
		res.Raw = []string{}
		for _, it := range out.Items {
			res.Raw = append(res.Raw, describeItem(it))
		}
		if out.LastKey != nil {
			res.LastKey = fmt.Sprintf("%+v", *out.LastKey)
		}
		return res, out.LastKey
	case opRawWrite:
		return w.execRawWrite(tenants, o.RawW), nil
	}
	return res, nil
}

// backendKinds names the backend error kinds err is.
func backendKinds(err error) string {
	var out []string
	for _, k := range []struct {
		name string
		err  error
	}{
		{"NotFound", backend.ErrNotFound}, {"ConditionFailed", backend.ErrConditionFailed},
		{"ItemTooLarge", backend.ErrItemTooLarge}, {"InvalidArgument", backend.ErrInvalidArgument},
		{"InvalidStartKey", backend.ErrInvalidStartKey}, {"Throttled", backend.ErrThrottled},
		{"TxCanceled", backend.ErrTxCanceled}, {"Unsupported", backend.ErrUnsupported},
	} {
		if errors.Is(err, k.err) {
			out = append(out, "backend."+k.name)
		}
	}
	if len(out) == 0 {
		return "unknown(" + err.Error() + ")"
	}
	return strings.Join(out, "|")
}

// describeItem renders a stored item deterministically, sets sorted.
func describeItem(it backend.Item) string {
	keys := make([]string, 0, len(it))
	for k := range it {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		name := k
		if len(name) > 64 {
			// Long names by length, to keep messages short.
			name = fmt.Sprintf("%s...(%d bytes)", name[:16], len(name))
		}
		fmt.Fprintf(&b, "%s=%s;", name, describeValue(it[k]))
	}
	return b.String()
}

func describeValue(v types.AttributeValue) string {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		if len(v.Value) > 64 {
			// Long values by length and hash, to keep messages short.
			sum := sha256.Sum256([]byte(v.Value))
			return fmt.Sprintf("S:%q...(%d bytes, sha256 %x)", v.Value[:16], len(v.Value), sum[:8])
		}
		return fmt.Sprintf("S:%q", v.Value)
	case *types.AttributeValueMemberN:
		return "N:" + v.Value
	case *types.AttributeValueMemberSS:
		return fmt.Sprintf("SS:%q", normSet(v.Value))
	case *types.AttributeValueMemberNULL:
		if !v.Value {
			return "NULL:false"
		}
		return "NULL"
	case *types.AttributeValueMemberBOOL:
		return fmt.Sprintf("BOOL:%v", v.Value)
	}
	return describeDoc(v)
}

// whereDiffer says where two results differ, briefly, for failure
// messages.
func whereDiffer(a, b result, t typ, exact bool) string {
	var out []string
	if a.Err != b.Err {
		out = append(out, fmt.Sprintf("error %s / %s", a.Err, b.Err))
	}
	if exact && a.Next != b.Next || (a.Next == "") != (b.Next == "") {
		out = append(out, fmt.Sprintf("next %q / %q", a.Next, b.Next))
	}
	if len(a.Ents) != len(b.Ents) {
		out = append(out, fmt.Sprintf("%d / %d entities", len(a.Ents), len(b.Ents)))
	}
	for i := range min(len(a.Ents), len(b.Ents)) {
		if !reflect.DeepEqual(a.Ents[i], b.Ents[i]) {
			out = append(out, fmt.Sprintf("entity %d: %s / %s", i, a.Ents[i].String(t), b.Ents[i].String(t)))
			break
		}
	}
	if !reflect.DeepEqual(a.Missing, b.Missing) {
		out = append(out, fmt.Sprintf("missing %s / %s", shortList(a.Missing), shortList(b.Missing)))
	}
	if len(a.Raw) != len(b.Raw) {
		out = append(out, fmt.Sprintf("%d / %d raw items", len(a.Raw), len(b.Raw)))
	}
	for i := range min(len(a.Raw), len(b.Raw)) {
		if a.Raw[i] != b.Raw[i] {
			out = append(out, fmt.Sprintf("raw item %d: %s / %s", i, a.Raw[i], b.Raw[i]))
			break
		}
	}
	if a.LastKey != b.LastKey {
		out = append(out, fmt.Sprintf("LastKey %q / %q", a.LastKey, b.LastKey))
	}
	return strings.Join(out, "; ")
}
