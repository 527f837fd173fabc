package proptest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"pgregory.net/rapid"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
)

// Raw writes (opRawWrite, in the differential test only) put and update
// items straight through the backend, under the sort keys "raw#...", which
// no entity type's prefix begins, with the shapes at the edges of
// DynamoDB's data model (issue #10, items 9 to 13): numbers of every
// spelling, valid or not, and of every size and sign near the item size
// limit; documents nested around the 32-level limit, by a put or by the
// path an update writes at; attribute names and map keys with dots, and
// of backend.MaxNameBytes bytes and one more; the "empty" forms of values
// (NULL false, nil binaries, nil elements, nil and empty lists and maps:
// drawEdge); and conditions near the limits of expressions (operators,
// length, IN operands). Both backends must answer each alike, and store the same.

// rawWrite is one raw write.
type rawWrite struct {
	Tenant int
	SK     string
	Item   backend.Item        // a put, when set
	Expr   backend.Expressions // the put's condition, or the update
}

// rawSKs are the sort keys raw writes use: few, so they overwrite, update
// and test each other's items.
var rawSKs = []string{"raw#1", "raw#2", "raw#3"}

// rawNames are attribute names and map keys: with dots, which are names
// like any other outside expression text, and plain ones.
var rawNames = []string{"n", "a.", ".", "..", ".a", "a..b", "x.y", "doc", "nums", "Ω."}

// numberPool holds spellings DynamoDB takes or refuses (see conformance's
// fidelityNumbers, recorded against DynamoDB Local 3.3.0).
var numberPool = []string{
	"0", "-0", "+0", "7", "+7", "-7", ".5", "5.", "-.5", "1.50", "-1.5", "123.4", "-123.4", "1e5", "1E+5",
	"1e-5", "-1.5e-3", "007", "0.000", "1e125", "9.99e125", "-9.99e125", "1e-130", "-1e-130",
	"12345678901234567890123456789012345678", "-1.2345678901234567890123456789012345678",
	"0e2147483647", "0e-2147483647", "١", "٠.٥", "\uff11",
	// Refused.
	" 7", "7 ", "\t7", "7\n", "\u00a07", "0x1", "NaN", "Inf", "1_0", "", ".", "1e", "1e126", "1e-131",
	"123456789012345678901234567890123456789", "0e2147483648", "0e-2147483648", "0.0e-2147483647",
	"\U0001D7CF",
}

// drawNumber draws a number's spelling: from numberPool, or built from a
// sign, digits, a point, trailing zeros and an exponent, near the limits of
// precision and range.
func drawNumber(t *rapid.T) string {
	if chance(t, 40) {
		return pick(t, numberPool)
	}
	var b strings.Builder
	b.WriteString(pick(t, []string{"", "", "-", "+"}))
	digits := func(n int) {
		for range n {
			b.WriteByte(byte('0' + uniform(t, 10)))
		}
	}
	digits(uniform(t, 21))
	if chance(t, 50) {
		b.WriteByte('.')
		digits(uniform(t, 21))
		b.WriteString(strings.Repeat("0", uniform(t, 3)))
	}
	if b.Len() == 0 || chance(t, 10) {
		b.WriteByte('1')
	}
	if chance(t, 40) {
		b.WriteString(pick(t, []string{"e", "E", "e+", "e-", "E-"}))
		b.WriteString(strconv.Itoa(pick(t, []int{0, 1, 5, 38, 100, 124, 125, 126, 128, 129, 130, 131, 140})))
	}
	return b.String()
}

// drawName draws an attribute name or map key: one of rawNames, or at
// times one of backend.MaxNameBytes bytes, which both backends store, or
// one byte longer, which both refuse.
func drawName(t *rapid.T) string {
	if chance(t, 3) {
		return strings.Repeat("n", backend.MaxNameBytes+uniform(t, 2))
	}
	return pick(t, rawNames)
}

// drawEdge draws one of the "empty" forms of a value: those DynamoDB
// stores (NULL true, an empty binary alone or in a set, nil and empty
// lists and maps) and those both backends refuse (NULL false, a nil
// binary, a binary set with a nil element, a nil value in a list or map,
// a member of unknown type); see backend.CheckShape.
func drawEdge(t *rapid.T) types.AttributeValue {
	switch uniform(t, 12) {
	case 0:
		return &types.AttributeValueMemberNULL{Value: true}
	case 1:
		return &types.AttributeValueMemberNULL{Value: false}
	case 2:
		return &types.AttributeValueMemberB{Value: []byte{}}
	case 3:
		return &types.AttributeValueMemberB{}
	case 4:
		return &types.AttributeValueMemberBS{Value: [][]byte{{}}}
	case 5:
		return &types.AttributeValueMemberBS{Value: [][]byte{{1}, nil}}
	case 6:
		return &types.AttributeValueMemberL{}
	case 7:
		return &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}}
	case 8:
		return &types.AttributeValueMemberL{Value: []types.AttributeValue{nil}}
	case 9:
		return &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"k": nil}}
	case 10:
		return &types.UnknownUnionMember{Tag: "X", Value: []byte("1")}
	}
	return &types.AttributeValueMemberM{}
}

// drawDoc draws an attribute value: a number, a number set, a string, an
// "empty" form (drawEdge), or a map or list; levels bounds how deep maps
// and lists may go.
func drawDoc(t *rapid.T, levels int) types.AttributeValue {
	k := uniform(t, 7)
	if levels <= 0 {
		k = uniform(t, 3)
	}
	if k == 6 || (levels <= 0 && chance(t, 10)) {
		return drawEdge(t)
	}
	switch k {
	case 0:
		return &types.AttributeValueMemberN{Value: drawNumber(t)}
	case 1:
		ns := []string{drawNumber(t)}
		for range uniform(t, 3) {
			ns = append(ns, drawNumber(t))
		}
		return &types.AttributeValueMemberNS{Value: ns}
	case 2:
		return &types.AttributeValueMemberS{Value: pick(t, []string{"", "x", "é", "a.b"})}
	case 3:
		m := map[string]types.AttributeValue{}
		for range 1 + uniform(t, 2) {
			m[drawName(t)] = drawDoc(t, levels-1)
		}
		return &types.AttributeValueMemberM{Value: m}
	case 4:
		var l []types.AttributeValue
		for range uniform(t, 3) {
			l = append(l, drawDoc(t, levels-1))
		}
		return &types.AttributeValueMemberL{Value: l}
	}
	// Deep: a chain of maps and lists around the 32-level limit.
	return drawDeep(t, 28+uniform(t, 6))
}

// drawDeep returns a chain of levels maps and lists, mostly maps keyed "a"
// (which update paths below reach), around a scalar or an empty document.
func drawDeep(t *rapid.T, levels int) types.AttributeValue {
	var v types.AttributeValue = &types.AttributeValueMemberS{Value: "x"}
	if chance(t, 20) {
		v = &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}}
	}
	lists := chance(t, 30)
	for range levels {
		if lists && chance(t, 50) {
			v = &types.AttributeValueMemberL{Value: []types.AttributeValue{v}}
		} else {
			v = &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"a": v}}
		}
	}
	return v
}

// drawPadding adds to item a string that brings it to about MaxItemBytes,
// as backend.ItemSize counts, give or take a few bytes: where a wrong count
// of its numbers makes one backend store what the other refuses.
func drawPadding(t *rapid.T, item backend.Item) {
	if !chance(t, 25) || backend.ValidateItem(item) != nil {
		return // an item both refuse anyway
	}
	var list []types.AttributeValue
	for range uniform(t, 200) {
		list = append(list, &types.AttributeValueMemberN{Value: pick(t, []string{"-1.5", "-1", "0", "1.001", "-123.4", "99"})})
	}
	item["nums"] = &types.AttributeValueMemberL{Value: list}
	delete(item, "pad")
	size := backend.ItemSize(item)
	n := backend.MaxItemBytes - size - len("pad") + uniform(t, 5) - 2
	if n >= 0 {
		item["pad"] = &types.AttributeValueMemberS{Value: strings.Repeat("p", n)}
	}
}

// drawCondition draws a condition (on a dotted name through a placeholder,
// or a chain near DynamoDB's limits) and adds its placeholders to e.
func drawCondition(t *rapid.T, e *backend.Expressions) {
	if e.Names == nil {
		e.Names = map[string]string{}
	}
	if e.Values == nil {
		e.Values = map[string]types.AttributeValue{}
	}
	e.Names["#c"] = pick(t, rawNames)
	e.Values[":c"] = &types.AttributeValueMemberN{Value: pick(t, []string{"1", "-1.5", "0"})}
	join := func(n int, unit, sep string) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = unit
		}
		return strings.Join(parts, sep)
	}
	var c string
	switch uniform(t, 6) {
	case 0:
		c = pick(t, []string{"attribute_exists(#c)", "attribute_not_exists(#c)", "#c = :c", "#c <> :c"})
	case 1: // 2n-1 operators: 299 at 150, 301 at 151
		c = join(pick(t, []int{2, 149, 150, 151}), "#c = :c", " OR ")
	case 2: // n NOTs and a comparison: 300 at 299
		c = strings.Repeat("NOT ", pick(t, []int{1, 298, 299, 300})) + "#c = :c"
	case 3: // IN: 100 operands at most
		c = "#c IN (" + join(pick(t, []int{1, 99, 100, 101}), ":c", ",") + ")"
	case 4: // 4096 bytes at most
		c = "#c = :c" + strings.Repeat(" ", pick(t, []int{0, 4088, 4089, 4090}))
	default: // size() and a function per comparison: 3n-1 operators
		c = join(pick(t, []int{99, 100, 101}), "size(#c) > :c", " AND ")
	}
	if e.Condition != "" {
		c = e.Condition + " AND (" + c + ")"
	}
	e.Condition = c
}

// rawWriteOp draws a raw write: a put of a drawn item, or an update that
// sets drawn values at top-level or deep paths, either with a condition at
// times.
func (s *seq) rawWriteOp(t *rapid.T, o *op) {
	w := &rawWrite{Tenant: uniform(t, len(s.tenants)), SK: pick(t, rawSKs)}
	o.Tenant = w.Tenant
	if chance(t, 55) {
		pk := entity.PartitionKey(s.tenants[w.Tenant])
		w.Item = backend.Item{"PK": &types.AttributeValueMemberS{Value: pk}, "SK": &types.AttributeValueMemberS{Value: w.SK}}
		for range 1 + uniform(t, 3) {
			w.Item[drawName(t)] = drawDoc(t, 3)
		}
		drawPadding(t, w.Item)
		if chance(t, 25) {
			drawCondition(t, &w.Expr)
		}
	} else {
		e := backend.Expressions{Names: map[string]string{}, Values: map[string]types.AttributeValue{}}
		var sets []string
		for i := range 1 + uniform(t, 2) {
			name := fmt.Sprintf("#u%d", i)
			e.Names[name] = rawNames[(i+uniform(t, len(rawNames)))%len(rawNames)]
			if chance(t, 3) {
				e.Names[name] = strings.Repeat("n", backend.MaxNameBytes+uniform(t, 2))
			}
			v := drawDoc(t, 3)
			// DynamoDB Local keeps the spelling of a top-level number an
			// update writes (the known difference
			// "local-keeps-number-spelling"): write normalized ones.
			switch n := v.(type) {
			case *types.AttributeValueMemberN:
				n.Value = backend.NormalizeNumber(n.Value)
			case *types.AttributeValueMemberNS:
				for j := range n.Value {
					n.Value[j] = backend.NormalizeNumber(n.Value[j])
				}
			}
			val := fmt.Sprintf(":u%d", i)
			e.Values[val] = v
			path := name
			if i == 0 && chance(t, 30) {
				// Down a chain of maps keyed "a", deeper than a value
				// there may make the document.
				e.Names["#a"] = "a"
				path += strings.Repeat(".#a", pick(t, []int{1, 20, 28, 29, 30, 31}))
			}
			sets = append(sets, path+" = "+val)
		}
		// Two names may stand for one attribute: paths that overlap,
		// which both backends refuse.
		e.Update = "SET " + strings.Join(sets, ", ")
		if chance(t, 30) {
			drawCondition(t, &e)
		}
		w.Expr = e
	}
	o.RawW = w
}

// describe renders a raw write for the log.
func (w *rawWrite) describe(tenants []string) string {
	if w.Item != nil {
		s := fmt.Sprintf("backend.Put(%s)", describeItem(w.Item))
		if w.Expr.Condition != "" {
			s += fmt.Sprintf(" if %s %s %s", shortQ(w.Expr.Condition), describeNames(w.Expr.Names), describeValues(w.Expr.Values))
		}
		return s
	}
	return fmt.Sprintf("backend.Update(PK %s, SK %q, %q, if %s, %s %s)", shortQ(entity.PartitionKey(tenants[w.Tenant])), w.SK,
		w.Expr.Update, shortQ(w.Expr.Condition), describeNames(w.Expr.Names), describeValues(w.Expr.Values))
}

func describeNames(m map[string]string) string {
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	})
	var out []string
	for _, k := range keys {
		out = append(out, fmt.Sprintf("%s=%s", k, shortQ(m[k])))
	}
	return "{" + strings.Join(out, " ") + "}"
}

func describeValues(m map[string]types.AttributeValue) string {
	return "{" + describeItem(m) + "}"
}

// execRawWrite runs a raw write on w's backend and returns its error kind
// and the item stored at its key afterwards.
func (w *world) execRawWrite(tenants []string, rw *rawWrite) result {
	ctx := context.Background()
	k := backend.Key{PK: entity.PartitionKey(tenants[rw.Tenant]), SK: rw.SK}
	var err error
	if rw.Item != nil {
		err = w.b.Put(ctx, backend.PutInput{Item: backend.CopyItem(rw.Item), Expr: rw.Expr})
	} else {
		_, err = w.b.Update(ctx, backend.UpdateInput{Key: k, Expr: rw.Expr})
	}
	res := result{Err: "ok", Raw: []string{}}
	if err != nil {
		res.Err = backendKinds(err)
	}
	it, gerr := w.b.Get(ctx, backend.GetInput{Key: k, ConsistentRead: true})
	switch {
	case gerr == nil:
		res.Raw = append(res.Raw, describeItem(it))
	case !errors.Is(gerr, backend.ErrNotFound):
		res.Raw = append(res.Raw, "get: "+backendKinds(gerr))
	}
	return res
}

// describeDoc renders the values describeValue does not: maps (keys
// sorted), lists, number and binary sets (sorted), binaries.
func describeDoc(v types.AttributeValue) string {
	switch v := v.(type) {
	case *types.AttributeValueMemberM:
		return "M{" + describeItem(v.Value) + "}"
	case *types.AttributeValueMemberL:
		var out []string
		for _, e := range v.Value {
			out = append(out, describeValue(e))
		}
		return "L[" + strings.Join(out, ",") + "]"
	case *types.AttributeValueMemberNS:
		return fmt.Sprintf("NS:%q", normSet(v.Value))
	case *types.AttributeValueMemberB:
		if v.Value == nil {
			return "B:nil"
		}
		return fmt.Sprintf("B:%x", v.Value)
	case *types.AttributeValueMemberBS:
		var out []string
		for _, b := range v.Value {
			if b == nil {
				out = append(out, "nil")
				continue
			}
			out = append(out, fmt.Sprintf("%x", b))
		}
		return fmt.Sprintf("BS:%q", normSet(out))
	}
	return fmt.Sprintf("%T", v)
}

func init() {
	knownDifferences = append(knownDifferences, knownDifference{
		name: "local-rewrites-nested-number-sets",
		reason: "DynamoDB Local 3.3.0 rewrites the members of a number set inside a map or list as Java's " +
			"BigDecimal prints them (\"000\" as 0, \"+2\" as 2, \"1.50\" kept, 1E-7 for 0.0000001), by a put or " +
			"an update, and so the members of any number set an update writes; it keeps other nested numbers " +
			"as written, as the memory backend keeps all of them. " +
			"Raw writes that hold a nested number set whose members could be printed otherwise are not run.",
		meets: func(o *op) bool {
			if o.Kind != opRawWrite {
				return false
			}
			for _, v := range o.RawW.Item {
				if rewritesNestedSet(v, false) {
					return true
				}
			}
			// An update writes number sets as it writes nested ones.
			for _, v := range o.RawW.Expr.Values {
				if rewritesNestedSet(v, o.RawW.Item == nil) {
					return true
				}
			}
			return false
		},
	})
}

// rewritesNestedSet reports whether v holds, below the top level (nested
// is set inside a map or list), a number set with a valid member that
// BigDecimal may print otherwise: not in plain normalized notation, or
// below 1E-6 (which it prints with an exponent).
func rewritesNestedSet(v types.AttributeValue, nested bool) bool {
	switch v := v.(type) {
	case *types.AttributeValueMemberNS:
		if !nested {
			return false
		}
		for _, m := range v.Value {
			if backend.ValidateNumber(m) != nil {
				continue
			}
			abs := strings.TrimPrefix(m, "-")
			if backend.NormalizeNumber(m) != m || strings.HasPrefix(abs, "0.000000") {
				return true
			}
		}
	case *types.AttributeValueMemberM:
		for _, e := range v.Value {
			if rewritesNestedSet(e, true) {
				return true
			}
		}
	case *types.AttributeValueMemberL:
		for _, e := range v.Value {
			if rewritesNestedSet(e, true) {
				return true
			}
		}
	}
	return false
}
