package proptest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"pgregory.net/rapid"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
)

// TestCapacityDifferential runs the same random sequences of backend
// requests on the memory backend and on DynamoDB Local, each with a meter
// of its own, and requires every request's backend.Usage to be equal: the
// table's and each index's read and write units, and the requests. The
// sequences put items of sizes around the 1 KB and 4 KB boundaries (ASCII
// and multi-byte padding, numbers), change, add and remove index keys,
// update, delete, read (consistent or not), query the table and the
// indexes with limits and filters, scan, batch and transact, with
// conditions that hold or fail, so both the memory backend's rules and
// what DynamoDB Local reports are compared request by request.
//
// Where DynamoDB Local reports nothing (a failed condition, a canceled
// transaction) both backends charge the computed rule, so the comparison
// holds by construction there; the conformance capability Capacity checks
// those figures. Two known differences of DynamoDB Local are set apart,
// and counted: it charges a BatchWriteItem delete of a missing item 2
// write units where DeleteItem charges 1 (corrected for), and its figures
// for a TransactWriteItems of several actions, or one that creates an
// item or deletes a missing one, follow no rule we could find (two
// ConditionChecks of small items: 2, not 4; a put of a new item and a
// delete of a 200 B item: 2, not 4; one, two or three deletes of missing
// items: 1). Such transactions are run and their errors compared, their
// usage not; a transaction of one action on an existing item, and a
// canceled one, is compared. The memory backend follows the published
// rule throughout.
func TestCapacityDifferential(t *testing.T) {
	dynamotest.Endpoint(t)
	minSteps := configure(t, budget{checks: 50, steps: 50})
	st := newStats()
	newLocal := localTables(t)
	var corrected int
	check(t, st, minSteps, func(rt *rapid.T) {
		local, done, err := newLocal()
		if err != nil {
			rt.Fatalf("DynamoDB Local table: %v", err)
		}
		defer done()
		mem := memory.New()
		steps := 0
		defer func() { st.add(1, steps) }()
		rt.Repeat(map[string]func(*rapid.T){
			"step": func(rt *rapid.T) {
				steps++
				o := drawCapOp(rt)
				// The memory backend says which keys exist, before the op.
				missing := 0
				for _, k := range o.deletes {
					if !exists(mem, k) {
						missing++
					}
				}
				before := describeKeys(mem, capKeys)
				txMissing := false
				for _, k := range o.txKeys {
					txMissing = txMissing || !exists(mem, k)
				}
				start := time.Now()
				um, em := o.run(mem)
				st.timed("memory", start)
				start = time.Now()
				ul, el := o.run(local)
				st.timed(o.name, start)
				if backend.KindOf(em) != backend.KindOf(el) {
					rt.Fatalf("step %d %s: errors differ: memory %v, local %v", steps, o.text, em, el)
				}
				if em == nil && (txMissing || len(o.txKeys) > 1) {
					// DynamoDB Local's figures for a transaction of
					// several actions, or that creates an item or
					// deletes a missing one, do not always follow the
					// rule (see TestCapacityDifferential): not
					// compared, counted.
					st.mu.Lock()
					st.outcomes["transact of several actions or a missing item: usage not compared"]++
					st.mu.Unlock()
					return
				}
				if missing > 0 && em == nil && o.name == "batch write" {
					// DynamoDB Local charges a batch delete of a missing
					// item 2 units where DeleteItem charges 1.
					um.Capacity.Table.Write += float64(missing)
					corrected++
				}
				// The SDK may retry a request DynamoDB Local failed
				// (Requests 2, Retries 1): one request all the same.
				if retried := ul.Retries; retried > 0 {
					st.mu.Lock()
					st.outcomes["retried by the SDK on DynamoDB Local"] += retried
					st.mu.Unlock()
				}
				if um.Capacity != ul.Capacity || um.Requests != 1 || ul.Requests-ul.Retries != 1 || um.Throttles+ul.Throttles != 0 {
					rt.Fatalf("step %d %s: usage differs:\n memory: %+v\n  local: %+v\n items before: %s\n items after: %s", steps, o.text, um, ul, before, describeKeys(mem, capKeys))
				}
				st.mu.Lock()
				st.outcomes[o.name+" "+backend.KindOf(em).String()]++
				st.mu.Unlock()
			},
		})
	})
	st.report(t, "capacity, memory and DynamoDB Local")
	t.Logf("batch writes corrected for DynamoDB Local's 2 units per delete of a missing item: %d", corrected)
}

// capPK is the partition the sequences write.
const capPK = "tenant#cap"

// capKeys is the pool of sort keys, few so that writes meet items.
var capKeys = []string{"c#0", "c#1", "c#2", "c#3", "c#4", "c#é"}

// capOp is one request, run alike on either backend.
type capOp struct {
	name, text string
	fn         func(ctx context.Context, b backend.Backend) error
	deletes    []backend.Key // the deletes of a batch
	txKeys     []backend.Key // the items of a transaction
}

// describeKeys describes the items at the keys sks: size and index keys.
func describeKeys(mem backend.Backend, sks []string) string {
	var out []string
	for _, sk := range sks {
		it, err := mem.Get(context.Background(), backend.GetInput{Key: capKey(sk), ConsistentRead: true})
		if err != nil {
			continue
		}
		d := fmt.Sprintf("%s %d B", sk, backend.ItemSize(it))
		for _, n := range []string{"GSI1", "GSI2"} {
			p, _ := it[n+"PK"].(*types.AttributeValueMemberS)
			s, _ := it[n+"SK"].(*types.AttributeValueMemberS)
			if p != nil && s != nil {
				d += fmt.Sprintf(" %s=%s/%s", n, p.Value, s.Value)
			}
		}
		if v, ok := it["n"].(*types.AttributeValueMemberN); ok {
			d += " n=" + v.Value
		}
		out = append(out, d)
	}
	return strings.Join(out, "; ")
}

// exists reports whether the memory backend holds an item at k.
func exists(mem backend.Backend, k backend.Key) bool {
	_, err := mem.Get(context.Background(), backend.GetInput{Key: k, ConsistentRead: true})
	return err == nil
}

// run runs the op with a meter and returns what it charged and its error.
func (o *capOp) run(b backend.Backend) (backend.Usage, error) {
	ctx, m := backend.WithMeter(context.Background())
	err := o.fn(ctx, b)
	return m.Usage(), err
}

func capKey(sk string) backend.Key { return backend.Key{PK: capPK, SK: sk} }

// drawSize draws an item size around a boundary: 1 KB, 2 KB, 4 KB, 8 KB,
// or small.
func drawSize(rt *rapid.T, label string) int {
	base := rapid.SampledFrom([]int{200, 1024, 2048, 4096, 8192}).Draw(rt, label+" near")
	return max(120, base+rapid.IntRange(-24, 24).Draw(rt, label+" off"))
}

// drawPad draws a string of n bytes: ASCII or two-byte é's.
func drawPad(rt *rapid.T, n int) string {
	if n <= 0 {
		return ""
	}
	if rapid.Bool().Draw(rt, "multi-byte") {
		return strings.Repeat("é", n/2) + strings.Repeat("x", n%2)
	}
	return strings.Repeat("x", n)
}

// drawCapItem draws an item of key sk of about size bytes (exactly, when
// the keys leave room), maybe in GSI1 and GSI2, maybe with a number.
func drawCapItem(rt *rapid.T, sk string) backend.Item {
	it := backend.Item{"PK": &types.AttributeValueMemberS{Value: capPK}, "SK": &types.AttributeValueMemberS{Value: sk}}
	for _, n := range []string{"GSI1", "GSI2"} {
		if v := rapid.SampledFrom([]string{"", "ga", "gb"}).Draw(rt, n+"PK"); v != "" {
			it[n+"PK"] = &types.AttributeValueMemberS{Value: v}
			it[n+"SK"] = &types.AttributeValueMemberS{Value: rapid.SampledFrom([]string{"s", "t"}).Draw(rt, n+"SK")}
		}
	}
	if rapid.Bool().Draw(rt, "number") {
		it["n"] = &types.AttributeValueMemberN{Value: rapid.SampledFrom([]string{"1", "10", "1.5", "-7", "12345678901234567890", "1E+10"}).Draw(rt, "n")}
	}
	size := drawSize(rt, "size")
	it["data"] = &types.AttributeValueMemberS{Value: drawPad(rt, size-backend.ItemSize(it)-len("data"))}
	return it
}

// drawCond draws no condition, one that the item exists, or one that it
// does not.
func drawCond(rt *rapid.T) *expression.ConditionBuilder {
	switch rapid.IntRange(0, 3).Draw(rt, "condition") {
	case 1:
		c := expression.AttributeExists(expression.Name("PK"))
		return &c
	case 2:
		c := expression.AttributeNotExists(expression.Name("PK"))
		return &c
	}
	return nil
}

func build(rt *rapid.T, b expression.Builder) backend.Expressions {
	e, err := b.Build()
	if err != nil {
		rt.Fatalf("expression: %v", err)
	}
	return backend.Expressions{Condition: deref(e.Condition()), Update: deref(e.Update()), Filter: deref(e.Filter()),
		Names: e.Names(), Values: e.Values()}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func condExpr(rt *rapid.T, c *expression.ConditionBuilder) backend.Expressions {
	if c == nil {
		return backend.Expressions{}
	}
	return build(rt, expression.NewBuilder().WithCondition(*c))
}

// drawUpdate draws an update: new padding, index keys set or removed, a
// number set, or the same value written again.
func drawUpdate(rt *rapid.T, c *expression.ConditionBuilder) (string, backend.Expressions) {
	var u expression.UpdateBuilder
	var text string
	switch rapid.IntRange(0, 4).Draw(rt, "update") {
	case 0:
		n := drawSize(rt, "data size")
		u = expression.Set(expression.Name("data"), expression.Value(drawPad(rt, n)))
		text = fmt.Sprintf("SET data (%d B)", n)
	case 1:
		idx := rapid.SampledFrom([]string{"GSI1", "GSI2"}).Draw(rt, "index")
		v := rapid.SampledFrom([]string{"ga", "gb", "gc"}).Draw(rt, "index pk")
		u = expression.Set(expression.Name(idx+"PK"), expression.Value(v)).Set(expression.Name(idx+"SK"), expression.Value("s"))
		text = "SET " + idx + " keys " + v
	case 2:
		idx := rapid.SampledFrom([]string{"GSI1", "GSI2"}).Draw(rt, "index")
		u = expression.Remove(expression.Name(idx + "PK"))
		text = "REMOVE " + idx + "PK"
	case 3:
		v := rapid.SampledFrom([]string{"1", "1.0", "10", "12345678901234567890"}).Draw(rt, "n")
		u = expression.Set(expression.Name("n"), expression.Value(&types.AttributeValueMemberN{Value: v}))
		text = "SET n = " + v
	default:
		u = expression.Set(expression.Name("GSI1SK"), expression.Value("s"))
		text = "SET GSI1SK = s"
	}
	b := expression.NewBuilder().WithUpdate(u)
	if c != nil {
		b = b.WithCondition(*c)
	}
	return text, build(rt, b)
}

// drawCapOp draws one request.
func drawCapOp(rt *rapid.T) capOp {
	sk := rapid.SampledFrom(capKeys).Draw(rt, "sk")
	k := capKey(sk)
	switch kind := rapid.IntRange(0, 9).Draw(rt, "op"); kind {
	case 0, 1:
		it := drawCapItem(rt, sk)
		c := drawCond(rt)
		e := condExpr(rt, c)
		return capOp{name: "put", text: fmt.Sprintf("put %s %d B cond %v", sk, backend.ItemSize(it), c != nil),
			fn: func(ctx context.Context, b backend.Backend) error {
				return b.Put(ctx, backend.PutInput{Item: backend.CopyItem(it), Expr: e})
			}}
	case 2:
		c := drawCond(rt)
		text, e := drawUpdate(rt, c)
		return capOp{name: "update", text: "update " + sk + " " + text,
			fn: func(ctx context.Context, b backend.Backend) error {
				_, err := b.Update(ctx, backend.UpdateInput{Key: k, Expr: e})
				return err
			}}
	case 3:
		c := drawCond(rt)
		e := condExpr(rt, c)
		return capOp{name: "delete", text: "delete " + sk,
			fn: func(ctx context.Context, b backend.Backend) error {
				return b.Delete(ctx, backend.DeleteInput{Key: k, Expr: e})
			}}
	case 4:
		consistent := rapid.Bool().Draw(rt, "consistent")
		return capOp{name: "get", text: fmt.Sprintf("get %s consistent %v", sk, consistent),
			fn: func(ctx context.Context, b backend.Backend) error {
				_, err := b.Get(ctx, backend.GetInput{Key: k, ConsistentRead: consistent})
				if backend.KindOf(err) == backend.KindNotFound {
					return nil
				}
				return err
			}}
	case 5:
		in := backend.QueryInput{PK: capPK, Limit: rapid.IntRange(1, 8).Draw(rt, "limit"),
			Descending: rapid.Bool().Draw(rt, "desc")}
		if idx := rapid.SampledFrom([]string{"", "GSI1", "GSI2"}).Draw(rt, "index"); idx != "" {
			in.Index, in.PK = idx, rapid.SampledFrom([]string{"ga", "gb", "gc"}).Draw(rt, "index pk")
		} else {
			in.ConsistentRead = rapid.Bool().Draw(rt, "consistent")
			in.Range = backend.SortRange{Op: backend.BeginsWith, Lo: "c#"}
		}
		if rapid.Bool().Draw(rt, "filter") {
			in.Expr = build(rt, expression.NewBuilder().WithFilter(expression.AttributeExists(expression.Name("n"))))
		}
		return capOp{name: "query", text: fmt.Sprintf("query %+v", in),
			fn: func(ctx context.Context, b backend.Backend) error {
				_, err := b.Query(ctx, in)
				return err
			}}
	case 6:
		keys := drawKeys(rt)
		consistent := rapid.Bool().Draw(rt, "consistent")
		return capOp{name: "batch get", text: fmt.Sprintf("batch get %v consistent %v", keys, consistent),
			fn: func(ctx context.Context, b backend.Backend) error {
				_, err := b.BatchGet(ctx, backend.BatchGetInput{Keys: keys, ConsistentRead: consistent})
				return err
			}}
	case 7:
		keys := drawKeys(rt)
		var writes []backend.WriteRequest
		var deletes []backend.Key
		for i := range keys {
			if rapid.Bool().Draw(rt, "put") {
				writes = append(writes, backend.WriteRequest{Put: drawCapItem(rt, keys[i].SK)})
			} else {
				writes = append(writes, backend.WriteRequest{Delete: &keys[i]})
				deletes = append(deletes, keys[i])
			}
		}
		return capOp{name: "batch write", text: fmt.Sprintf("batch write %d writes, deletes %v", len(writes), deletes), deletes: deletes,
			fn: func(ctx context.Context, b backend.Backend) error {
				ws := make([]backend.WriteRequest, len(writes))
				for i, w := range writes {
					ws[i] = backend.WriteRequest{Put: backend.CopyItem(w.Put), Delete: w.Delete}
				}
				_, err := b.BatchWrite(ctx, backend.BatchWriteInput{Writes: ws})
				return err
			}}
	case 8:
		keys := drawKeys(rt)
		var acts []backend.TxAction
		var text []string
		for _, k := range keys {
			c := drawCond(rt)
			switch rapid.IntRange(0, 3).Draw(rt, "action") {
			case 0:
				it := drawCapItem(rt, k.SK)
				acts = append(acts, backend.TxAction{Kind: backend.TxPut, Item: it, Expr: condExpr(rt, c)})
				text = append(text, fmt.Sprintf("put %s %d B", k.SK, backend.ItemSize(it)))
			case 1:
				t, e := drawUpdate(rt, c)
				acts = append(acts, backend.TxAction{Kind: backend.TxUpdate, Key: k, Expr: e})
				text = append(text, "update "+k.SK+" "+t)
			case 2:
				acts = append(acts, backend.TxAction{Kind: backend.TxDelete, Key: k, Expr: condExpr(rt, c)})
				text = append(text, "delete "+k.SK)
			default:
				if c == nil {
					cc := expression.AttributeExists(expression.Name("PK"))
					c = &cc
				}
				acts = append(acts, backend.TxAction{Kind: backend.TxCheck, Key: k, Expr: condExpr(rt, c)})
				text = append(text, "check "+k.SK)
			}
		}
		return capOp{name: "transact", text: "transact " + strings.Join(text, "; "), txKeys: keys,
			fn: func(ctx context.Context, b backend.Backend) error {
				as := make([]backend.TxAction, len(acts))
				for i, a := range acts {
					a.Item = backend.CopyItem(a.Item)
					as[i] = a
				}
				return b.TransactWrite(ctx, backend.TransactInput{Actions: as})
			}}
	default:
		in := backend.ScanInput{TotalSegments: 1, Limit: rapid.IntRange(1, 8).Draw(rt, "limit"),
			ConsistentRead: rapid.Bool().Draw(rt, "consistent"), KeysOnly: rapid.Bool().Draw(rt, "keys only")}
		return capOp{name: "scan", text: fmt.Sprintf("scan %+v", in),
			fn: func(ctx context.Context, b backend.Backend) error {
				_, err := b.(backend.Scanner).Scan(ctx, in)
				return err
			}}
	}
}

// drawKeys draws one to four distinct keys of the pool.
func drawKeys(rt *rapid.T) []backend.Key {
	perm := rapid.Permutation(capKeys).Draw(rt, "keys")
	n := rapid.IntRange(1, 4).Draw(rt, "how many")
	keys := make([]backend.Key, n)
	for i := range keys {
		keys[i] = capKey(perm[i])
	}
	return keys
}
