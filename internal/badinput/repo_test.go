package badinput_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	dynamodbbackend "github.com/tenantrepo/tenantrepo/backend/dynamodb"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/repo"
)

// badCase is one call with bad input and the kinds its error must be
// (none: the call must succeed, and still change nothing).
type badCase struct {
	name string
	want []error
	call func(f *fixture) error
}

func kinds(errs ...error) []error { return errs }

var (
	invalidArg = kinds(repo.ErrInvalidArgument)
	invalidID  = kinds(repo.ErrInvalidID)
	tooLarge   = kinds(repo.ErrItemTooLarge)
	badCursor  = kinds(repo.ErrInvalidCursor)
)

func newDynamoBackend(t *testing.T, client *ddb.Client, table string, indexes int) backend.Backend {
	t.Helper()
	b, err := dynamodbbackend.New(client, table, func(o *dynamodbbackend.Options) { o.Indexes = indexes })
	require.NoError(t, err)
	return b
}

// entryPoints are every public entry point of a repository, with valid
// arguments that would change the store, for the context given.
func entryPoints(f *fixture, ctx context.Context) []struct {
	name string
	call func() error
} {
	set := expression.Set(expression.Name("user_name"), expression.Value("changed"))
	return []struct {
		name string
		call func() error
	}{
		{"Get", func() error { _, err := f.users.Get(ctx, "u1"); return err }},
		{"Create", func() error { _, err := f.users.Create(ctx, user{ID: "new1"}); return err }},
		{"Create/assigned ID", func() error { _, err := f.users.Create(ctx, user{Name: "x"}); return err }},
		{"Put", func() error { _, err := f.users.Put(ctx, user{ID: "u1", Name: "changed"}); return err }},
		{"Update", func() error {
			_, err := f.users.Update(ctx, user{ID: "u1", Name: "changed"}, []string{"user_name"})
			return err
		}},
		{"UpdateExpr", func() error { _, err := f.users.UpdateExpr(ctx, "u1", set); return err }},
		{"Delete", func() error { return f.users.Delete(ctx, "u1") }},
		{"List", func() error { _, err := f.users.List(ctx); return err }},
		{"Query", func() error { _, err := f.users.Query(ctx, repo.GreaterThan("u1")); return err }},
		{"QueryIndex", func() error {
			_, err := f.users.Index("by-group").Query(ctx, "g1")
			return err
		}},
		{"All", func() error { return firstErr(f.users.All(ctx)) }},
		{"QueryAll", func() error { return firstErr(f.users.QueryAll(ctx, repo.BeginsWith("u"))) }},
		{"QueryIndexAll", func() error {
			return firstErr(f.users.Index("by-group").All(ctx, "g1"))
		}},
		{"BatchGet", func() error { _, _, err := f.users.BatchGet(ctx, []string{"u1", "u2"}); return err }},
		{"BatchPut", func() error { return f.users.BatchPut(ctx, []user{{ID: "new2"}, {ID: "u1", Name: "changed"}}) }},
		{"BatchDelete", func() error { return f.users.BatchDelete(ctx, []string{"u1", "u2"}) }},
		{"Transact", func() error {
			return repo.Transact(ctx, f.users.TxCreate(user{ID: "new3"}), f.users.TxPut(user{ID: "u1", Name: "changed"}),
				f.users.TxUpdate(user{ID: "u2", Name: "changed"}, []string{"user_name"}), f.users.TxUpdateExpr("u3", set),
				f.users.TxDelete("u4"), f.users.TxCheck("u5", expression.Name("user_name").AttributeExists()))
		}},
	}
}

// contextCases: every entry point with a nil context, one without a
// tenant, a canceled one and an expired one.
func contextCases() []badCase {
	var cases []badCase
	ctxs := []struct {
		name string
		ctx  func(*fixture) context.Context
		want []error
	}{
		{"nil context", func(*fixture) context.Context { return nil }, invalidArg},
		{"no tenant", func(f *fixture) context.Context { return f.noTenant }, kinds(repo.ErrNoTenant)},
		{"canceled", func(f *fixture) context.Context { return f.canceled }, kinds(context.Canceled)},
		{"expired", func(f *fixture) context.Context { return f.expired }, kinds(context.DeadlineExceeded)},
	}
	for _, c := range ctxs {
		for i, ep := range entryPoints(&fixture{}, nil) {
			cases = append(cases, badCase{name: c.name + "/" + ep.name, want: c.want, call: func(f *fixture) error {
				return entryPoints(f, c.ctx(f))[i].call()
			}})
		}
	}
	return cases
}

// badIDs break the key rules; "" is left to idCases, as Create assigns an ID
// to an empty one.
var badIDs = map[string]string{
	"hash":          "a#b",
	"only hash":     "#",
	"invalid UTF-8": "\xff",
	"truncated":     "a\xc3",
	"too long":      strings.Repeat("x", entity.MaxSortKeyBytes-len("user#")+1),
	"far too long":  strings.Repeat("x", 1<<20),
}

// idCases: every entry point that takes an ID, given a bad one, alone or
// after good ones.
func idCases() []badCase {
	var cases []badCase
	byID := func(id string) []struct {
		name string
		call func(f *fixture) error
	} {
		set := expression.Set(expression.Name("user_name"), expression.Value("x"))
		tx := func(f *fixture, op repo.TxOp) error {
			return repo.Transact(f.ctx, f.users.TxPut(user{ID: "u1", Name: "changed"}), op)
		}
		return []struct {
			name string
			call func(f *fixture) error
		}{
			{"Get", func(f *fixture) error { _, err := f.users.Get(f.ctx, id); return err }},
			{"Put", func(f *fixture) error { _, err := f.users.Put(f.ctx, user{ID: id}); return err }},
			{"Update", func(f *fixture) error {
				_, err := f.users.Update(f.ctx, user{ID: id, Name: "x"}, []string{"user_name"})
				return err
			}},
			{"UpdateExpr", func(f *fixture) error { _, err := f.users.UpdateExpr(f.ctx, id, set); return err }},
			{"Delete", func(f *fixture) error { return f.users.Delete(f.ctx, id) }},
			{"Create without setter", func(f *fixture) error { _, err := f.notes.Create(f.ctx, note{Key: id}); return err }},
			{"BatchGet", func(f *fixture) error { _, _, err := f.users.BatchGet(f.ctx, []string{"u1", "u2", id}); return err }},
			{"BatchPut", func(f *fixture) error {
				return f.users.BatchPut(f.ctx, []user{{ID: "u1", Name: "changed"}, {ID: "new"}, {ID: id}})
			}},
			{"BatchDelete", func(f *fixture) error { return f.users.BatchDelete(f.ctx, []string{"u1", "u2", id}) }},
			{"TxCreate", func(f *fixture) error { return tx(f, f.users.TxCreate(user{ID: id})) }},
			{"TxPut", func(f *fixture) error { return tx(f, f.users.TxPut(user{ID: id})) }},
			{"TxUpdate", func(f *fixture) error { return tx(f, f.users.TxUpdate(user{ID: id}, []string{"user_name"})) }},
			{"TxUpdateExpr", func(f *fixture) error { return tx(f, f.users.TxUpdateExpr(id, set)) }},
			{"TxDelete", func(f *fixture) error { return tx(f, f.users.TxDelete(id)) }},
			{"TxCheck", func(f *fixture) error {
				return tx(f, f.users.TxCheck(id, expression.Name("user_name").AttributeExists()))
			}},
		}
	}
	for name, id := range badIDs {
		for _, c := range byID(id) {
			cases = append(cases, badCase{name: "ID " + name + "/" + c.name, want: invalidID, call: c.call})
		}
	}
	for _, c := range byID("") {
		switch c.name {
		case "Create without setter", "TxCreate", "Get", "Put", "Update", "UpdateExpr", "Delete", "BatchGet",
			"BatchPut", "BatchDelete", "TxPut", "TxUpdate", "TxUpdateExpr", "TxDelete", "TxCheck":
			cases = append(cases, badCase{name: "ID empty/" + c.name, want: invalidID, call: c.call})
		}
	}
	// The longest ID is accepted by the rules: Get of it is no error.
	longest := strings.Repeat("x", entity.MaxSortKeyBytes-len("user#"))
	cases = append(cases, badCase{name: "ID longest/Get", want: kinds(repo.ErrNotFound), call: func(f *fixture) error {
		_, err := f.users.Get(f.ctx, longest)
		return err
	}})
	return cases
}

// pageCases: page sizes, key conditions, index arguments and cursors.
func pageCases() []badCase {
	var cases []badCase
	queries := func(opts ...func(*repo.PageOptions)) []struct {
		name string
		call func(f *fixture) error
	} {
		return []struct {
			name string
			call func(f *fixture) error
		}{
			{"List", func(f *fixture) error { _, err := f.users.List(f.ctx, opts...); return err }},
			{"Query", func(f *fixture) error { _, err := f.users.Query(f.ctx, repo.GreaterThan("u0"), opts...); return err }},
			{"QueryIndex", func(f *fixture) error {
				_, err := f.users.Index("by-group").Query(f.ctx, "g1", opts...)
				return err
			}},
			{"All", func(f *fixture) error { return firstErr(f.users.All(f.ctx, opts...)) }},
			{"QueryAll", func(f *fixture) error { return firstErr(f.users.QueryAll(f.ctx, repo.GreaterThan("u0"), opts...)) }},
			{"QueryIndexAll", func(f *fixture) error {
				return firstErr(f.users.Index("by-group").All(f.ctx, "g1", opts...))
			}},
		}
	}
	for _, n := range []int{-1, repo.MaxPageSize + 1, math.MaxInt, math.MinInt} {
		for _, q := range queries(repo.WithLimit(n)) {
			cases = append(cases, badCase{name: fmt.Sprintf("limit %d/%s", n, q.name), want: invalidArg, call: q.call})
		}
	}
	for _, n := range []int{0, 1, repo.MaxPageSize} { // in range: no error
		for _, q := range queries(repo.WithLimit(n)) {
			cases = append(cases, badCase{name: fmt.Sprintf("limit %d/%s", n, q.name), call: q.call})
		}
	}

	tableConds := map[string]repo.KeyCondition{
		"between reversed":        repo.Between("u3", "u1"),
		"between empty low":       repo.Between("", "u1"),
		"between empty high":      repo.Between("u1", ""),
		"greater than empty":      repo.GreaterThan(""),
		"greater or equal empty":  repo.GreaterOrEqual(""),
		"less than empty":         repo.LessThan(""),
		"less or equal empty":     repo.LessOrEqual(""),
		"begins with hash":        repo.BeginsWith("u#"),
		"greater than hash":       repo.GreaterThan("a#b"),
		"between hash":            repo.Between("a", "b#"),
		"begins with bad UTF-8":   repo.BeginsWith("\xff"),
		"less than bad UTF-8":     repo.LessThan("u\xc3"),
		"less than too long":      repo.LessThan(strings.Repeat("x", entity.MaxSortKeyBytes)),
		"begins with far too big": repo.BeginsWith(strings.Repeat("x", 1<<20)),
	}
	for name, c := range tableConds {
		cases = append(cases,
			badCase{name: "condition " + name + "/Query", want: invalidArg, call: func(f *fixture) error {
				_, err := f.users.Query(f.ctx, c)
				return err
			}},
			badCase{name: "condition " + name + "/QueryAll", want: invalidArg, call: func(f *fixture) error {
				return firstErr(f.users.QueryAll(f.ctx, c))
			}})
	}
	indexConds := map[string]repo.KeyCondition{
		"between reversed":      repo.Between("b", "a"),
		"between empty":         repo.Between("", "a"),
		"greater than empty":    repo.GreaterThan(""),
		"less or equal empty":   repo.LessOrEqual(""),
		"begins with bad UTF-8": repo.BeginsWith("\xff"),
		"greater than too long": repo.GreaterThan(strings.Repeat("x", entity.MaxSortKeyBytes+1)),
	}
	for name, c := range indexConds {
		cases = append(cases,
			badCase{name: "index condition " + name + "/QueryIndex", want: invalidArg, call: func(f *fixture) error {
				_, err := f.users.Index("by-group").Query(f.ctx, "g1", repo.Where(c))
				return err
			}},
			badCase{name: "index condition " + name + "/QueryIndexAll", want: invalidArg, call: func(f *fixture) error {
				return firstErr(f.users.Index("by-group").All(f.ctx, "g1", repo.Where(c)))
			}})
	}
	indexArgs := map[string]func(f *fixture) error{
		"unknown index": func(f *fixture) error {
			_, err := f.users.Index("nope").Query(f.ctx, "g1")
			return err
		},
		"empty index name": func(f *fixture) error {
			_, err := f.users.Index("").Query(f.ctx, "g1")
			return err
		},
		"index of a type without": func(f *fixture) error {
			_, err := f.notes.Index("by-group").Query(f.ctx, "g1")
			return err
		},
		"empty partition": func(f *fixture) error {
			_, err := f.users.Index("by-group").Query(f.ctx, "")
			return err
		},
		"partition bad UTF-8": func(f *fixture) error {
			_, err := f.users.Index("by-group").Query(f.ctx, "g\xff")
			return err
		},
		"partition too long": func(f *fixture) error {
			_, err := f.users.Index("by-group").Query(f.ctx, strings.Repeat("g", entity.MaxPartitionKeyBytes))
			return err
		},
		"consistent read": func(f *fixture) error {
			_, err := f.users.Index("by-group").Query(f.ctx, "g1", repo.ConsistentRead)
			return err
		},
		"all: unknown index": func(f *fixture) error {
			return firstErr(f.users.Index("nope").All(f.ctx, "g1"))
		},
	}
	for name, fn := range indexArgs {
		cases = append(cases, badCase{name: "index " + name, want: invalidArg, call: fn})
	}

	// Cursors: made up, of another tenant, type, store, query or direction
	// of query, changed, cut short.
	literal := map[string]string{
		"garbage":       "not a cursor!",
		"base64 zeros":  "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"padding":       "====",
		"huge":          strings.Repeat("A", 1<<16),
		"control chars": "\x00\x01",
	}
	for name, cur := range literal {
		for _, q := range queries(repo.WithCursor(cur)) {
			cases = append(cases, badCase{name: "cursor " + name + "/" + q.name, want: badCursor, call: q.call})
		}
	}
	made := []struct {
		name, cursor string
		query        string // the queries it is wrong for; "" for all
	}{
		{"of another tenant (list)", "other-list", ""},
		{"of another tenant (index)", "other-index", ""},
		{"of another type", "notes-list", ""},
		{"of another store", "elsewhere-ok", "QueryIndex"}, // same tenant, type and key: valid for table queries
		{"of an index query", "index-g1", "List"},
		{"of a table query", "list", "QueryIndex"},
	}
	for _, m := range made {
		for _, q := range queries() {
			if m.query != "" && !strings.HasPrefix(q.name, m.query) && !strings.HasPrefix(q.name, strings.Replace(m.query, "List", "All", 1)) {
				continue
			}
			cases = append(cases, badCase{name: "cursor " + m.name + "/" + q.name, want: badCursor, call: func(f *fixture) error {
				return queriesWithCursor(f, q.name, f.cursors[m.cursor])
			}})
		}
	}
	cursorFns := map[string]func(f *fixture) error{
		"index cursor of another partition": func(f *fixture) error {
			_, err := f.users.Index("by-group").Query(f.ctx, "g2", repo.WithCursor(f.cursors["index-g1"]))
			return err
		},
		"index cursor outside the range": func(f *fixture) error {
			_, err := f.users.Index("by-group").Query(f.ctx, "g1", repo.Where(repo.BeginsWith("2025")), repo.WithCursor(f.cursors["index-g1"]))
			return err
		},
		"cursor outside the range": func(f *fixture) error {
			_, err := f.users.Query(f.ctx, repo.LessThan("u1"), repo.WithCursor(f.cursors["query-gt-u1"]))
			return err
		},
		"changed": func(f *fixture) error {
			c := f.cursors["list"]
			b := []byte(c)
			b[len(b)/2] ^= 1 // another base64url character
			_, err := f.users.List(f.ctx, repo.WithCursor(string(b)))
			return err
		},
		"cut short": func(f *fixture) error {
			c := f.cursors["list"]
			_, err := f.users.List(f.ctx, repo.WithCursor(c[:len(c)-4]))
			return err
		},
		"extended": func(f *fixture) error {
			_, err := f.users.List(f.ctx, repo.WithCursor(f.cursors["list"]+"AAAA"))
			return err
		},
	}
	for name, fn := range cursorFns {
		cases = append(cases, badCase{name: "cursor " + name, want: badCursor, call: fn})
	}
	// A descending cursor given to an ascending query reads on from its
	// position: allowed, not an error.
	cases = append(cases, badCase{name: "cursor of the other direction", call: func(f *fixture) error {
		_, err := f.users.List(f.ctx, repo.WithCursor(f.cursors["list-desc"]))
		return err
	}})
	return cases
}

// queriesWithCursor runs the named query of the queries in pageCases with
// the cursor.
func queriesWithCursor(f *fixture, name, cursor string) error {
	opt := repo.WithCursor(cursor)
	switch name {
	case "List":
		_, err := f.users.List(f.ctx, opt)
		return err
	case "Query":
		_, err := f.users.Query(f.ctx, repo.GreaterThan("u0"), opt)
		return err
	case "QueryIndex":
		_, err := f.users.Index("by-group").Query(f.ctx, "g1", opt)
		return err
	case "All":
		return firstErr(f.users.All(f.ctx, opt))
	case "QueryAll":
		return firstErr(f.users.QueryAll(f.ctx, repo.GreaterThan("u0"), opt))
	case "QueryIndexAll":
		return firstErr(f.users.Index("by-group").All(f.ctx, "g1", opt))
	}
	panic(name)
}

// entityCases: oversize, zero and badly made entities and values.
func entityCases() []badCase {
	big := make([]byte, backend.MaxItemBytes)
	var cases []badCase
	writes := func(v user) map[string]func(f *fixture) error {
		return map[string]func(f *fixture) error{
			"Create":   func(f *fixture) error { _, err := f.users.Create(f.ctx, v); return err },
			"Put":      func(f *fixture) error { _, err := f.users.Put(f.ctx, v); return err },
			"BatchPut": func(f *fixture) error { return f.users.BatchPut(f.ctx, []user{{ID: "u1", Name: "changed"}, v}) },
			"TxCreate": func(f *fixture) error {
				return repo.Transact(f.ctx, f.users.TxPut(user{ID: "u1"}), f.users.TxCreate(v))
			},
			"TxPut": func(f *fixture) error { return repo.Transact(f.ctx, f.users.TxPut(user{ID: "u1"}), f.users.TxPut(v)) },
		}
	}
	values := []struct {
		name string
		v    user
		want []error
	}{
		{"oversize", user{ID: "big", Blob: big}, tooLarge},
		{"oversize by a byte", user{ID: "big", Blob: big[:backend.MaxItemBytes-len("blob")-len("PK")-len("tenant#acme")-len("SK")-len("user#big")-len("user_id")-len("big")-len("user_name")+1]}, tooLarge},
		{"index partition too long", user{ID: "ix", Group: strings.Repeat("g", entity.MaxPartitionKeyBytes), At: "a"}, invalidArg},
		{"index sort too long", user{ID: "ix", Group: "g", At: strings.Repeat("a", entity.MaxSortKeyBytes+1)}, invalidArg},
		{"duplicate in a set", user{ID: "dup", Tags: []string{"a", "a"}}, invalidArg},
		{"empty map key", user{ID: "mk", Attrs: map[string]string{"": "x"}}, invalidArg},
		{"NaN", user{ID: "nan", Score: math.NaN()}, invalidArg},
		{"infinity", user{ID: "inf", Score: math.Inf(-1)}, invalidArg},
	}
	for _, val := range values {
		for name, fn := range writes(val.v) {
			cases = append(cases, badCase{name: "entity " + val.name + "/" + name, want: val.want, call: fn})
		}
	}
	cases = append(cases,
		badCase{"entity oversize/Update", tooLarge, func(f *fixture) error {
			_, err := f.users.Update(f.ctx, user{ID: "u1", Blob: big}, []string{"blob"})
			return err
		}},
		badCase{"entity oversize/UpdateExpr", tooLarge, func(f *fixture) error {
			_, err := f.users.UpdateExpr(f.ctx, "u1", expression.Set(expression.Name("blob"), expression.Value(big)))
			return err
		}},
		badCase{"entity oversize/TxUpdateExpr", kinds(repo.ErrItemTooLarge), func(f *fixture) error {
			return repo.Transact(f.ctx, f.users.TxUpdateExpr("u1", expression.Set(expression.Name("blob"), expression.Value(big))))
		}},
		badCase{"entity zero/Put", invalidID, func(f *fixture) error { _, err := f.users.Put(f.ctx, user{}); return err }},
		badCase{"entity zero/Update", invalidID, func(f *fixture) error {
			_, err := f.users.Update(f.ctx, user{}, []string{"user_name"})
			return err
		}},
		badCase{"entity zero/BatchPut", invalidID, func(f *fixture) error { return f.users.BatchPut(f.ctx, []user{{}}) }},
		badCase{"entity zero/TxPut", invalidID, func(f *fixture) error { return repo.Transact(f.ctx, f.users.TxPut(user{})) }},
		badCase{"entity zero/TxCreate", invalidID, func(f *fixture) error { return repo.Transact(f.ctx, f.users.TxCreate(user{})) }},
		badCase{"entity zero/Create without setter", invalidID, func(f *fixture) error {
			_, err := f.notes.Create(f.ctx, note{})
			return err
		}},
		badCase{"entity zero TxOp", invalidArg, func(f *fixture) error {
			return repo.Transact(f.ctx, f.users.TxPut(user{ID: "u1"}), repo.TxOp{})
		}},
		badCase{"entity SetEntityID that does not set/Create", invalidArg, func(f *fixture) error {
			_, err := f.liars.Create(f.ctx, liar{})
			return err
		}},
		badCase{"entity attribute PK/Put", invalidArg, func(f *fixture) error {
			_, err := f.clashes.Put(f.ctx, clash{ID: "c", PK: "tenant#globex"})
			return err
		}},
		badCase{"entity attribute PK/BatchPut", invalidArg, func(f *fixture) error {
			return f.clashes.BatchPut(f.ctx, []clash{{ID: "c", PK: "tenant#globex"}})
		}},
		badCase{"entity attribute GSI4SK/Create", invalidArg, func(f *fixture) error {
			_, err := f.gsiClash.Create(f.ctx, gsiClash{ID: "g", X: "x"})
			return err
		}},
		// Nothing to do is no error.
		badCase{"no-op/BatchPut nil", nil, func(f *fixture) error { return f.users.BatchPut(f.ctx, nil) }},
		badCase{"no-op/BatchDelete nil", nil, func(f *fixture) error { return f.users.BatchDelete(f.ctx, nil) }},
		badCase{"no-op/BatchGet nil", nil, func(f *fixture) error { _, _, err := f.users.BatchGet(f.ctx, nil); return err }},
		badCase{"no-op/Delete missing", nil, func(f *fixture) error { return f.users.Delete(f.ctx, "missing") }},
	)
	return cases
}

// writeCases: conditions, updates, versions, batches and transactions the
// repository refuses, or that fail as documented.
func writeCases() []badCase {
	zeroCond := repo.WithCondition(expression.ConditionBuilder{})
	never := repo.WithCondition(expression.Name("user_name").Equal(expression.Value("nobody")))
	set := func(name string) expression.UpdateBuilder {
		return expression.Set(expression.Name(name), expression.Value("x"))
	}
	var cases []badCase
	add := func(name string, want []error, fn func(f *fixture) error) {
		cases = append(cases, badCase{name: name, want: want, call: fn})
	}
	// Conditions.
	add("condition zero/Create", invalidArg, func(f *fixture) error { _, err := f.users.Create(f.ctx, user{ID: "c1"}, zeroCond); return err })
	add("condition zero/Put", invalidArg, func(f *fixture) error { _, err := f.users.Put(f.ctx, user{ID: "u1"}, zeroCond); return err })
	add("condition zero/Update", invalidArg, func(f *fixture) error {
		_, err := f.users.Update(f.ctx, user{ID: "u1"}, []string{"user_name"}, zeroCond)
		return err
	})
	add("condition zero/UpdateExpr", invalidArg, func(f *fixture) error {
		_, err := f.users.UpdateExpr(f.ctx, "u1", set("user_name"), zeroCond)
		return err
	})
	add("condition zero/Delete", invalidArg, func(f *fixture) error { return f.users.Delete(f.ctx, "u1", zeroCond) })
	add("condition zero/TxCheck", invalidArg, func(f *fixture) error {
		return repo.Transact(f.ctx, f.users.TxCheck("u1", expression.ConditionBuilder{}))
	})
	add("condition empty name/Put", invalidArg, func(f *fixture) error {
		_, err := f.users.Put(f.ctx, user{ID: "u1"}, repo.WithCondition(expression.Name("").AttributeExists()))
		return err
	})
	add("condition fails/Put", kinds(repo.ErrConditionFailed), func(f *fixture) error {
		_, err := f.users.Put(f.ctx, user{ID: "u1"}, never)
		return err
	})
	add("condition fails/Delete", kinds(repo.ErrConditionFailed), func(f *fixture) error { return f.users.Delete(f.ctx, "u1", never) })
	add("condition on missing/Delete", kinds(repo.ErrNotFound), func(f *fixture) error { return f.users.Delete(f.ctx, "zz", never) })
	add("exists/Create", kinds(repo.ErrAlreadyExists), func(f *fixture) error { _, err := f.users.Create(f.ctx, user{ID: "u1"}); return err })
	// Updates.
	add("update zero/UpdateExpr", invalidArg, func(f *fixture) error {
		_, err := f.users.UpdateExpr(f.ctx, "u1", expression.UpdateBuilder{})
		return err
	})
	add("update zero/TxUpdateExpr", invalidArg, func(f *fixture) error {
		return repo.Transact(f.ctx, f.users.TxUpdateExpr("u1", expression.UpdateBuilder{}))
	})
	for _, name := range []string{"PK", "SK", "GSI1PK", "GSI2SK", "GSI5PK", "grp", "at"} {
		add("update names "+name+"/UpdateExpr", invalidArg, func(f *fixture) error {
			_, err := f.users.UpdateExpr(f.ctx, "u1", set(name))
			return err
		})
	}
	add("update names PK in a path/UpdateExpr", invalidArg, func(f *fixture) error {
		_, err := f.users.UpdateExpr(f.ctx, "u1", set("attrs.PK"))
		return err
	})
	add("update names the version/UpdateExpr", invalidArg, func(f *fixture) error {
		_, err := f.accts.UpdateExpr(f.ctx, "a1", expression.Add(expression.Name("version"), expression.Value(1)))
		return err
	})
	add("update adds to a string/UpdateExpr", invalidArg, func(f *fixture) error {
		_, err := f.users.UpdateExpr(f.ctx, "u1", expression.Add(expression.Name("user_name"), expression.Value(1)))
		return err
	})
	add("update of missing/UpdateExpr", kinds(repo.ErrNotFound), func(f *fixture) error {
		_, err := f.users.UpdateExpr(f.ctx, "zz", set("user_name"))
		return err
	})
	add("update of missing/Update", kinds(repo.ErrNotFound), func(f *fixture) error {
		_, err := f.users.Update(f.ctx, user{ID: "zz", Name: "x"}, []string{"user_name"})
		return err
	})
	for name, attrs := range map[string][]string{
		"nil": nil, "empty": {}, "unknown": {"nope"}, "twice": {"user_name", "user_name"}, "PK": {"PK"},
		"SK": {"SK"}, "GSI2PK": {"GSI2PK"}, "one of an index": {"grp"}, "empty name": {""},
	} {
		add("update attributes "+name+"/Update", invalidArg, func(f *fixture) error {
			_, err := f.users.Update(f.ctx, user{ID: "u1", Name: "x"}, attrs)
			return err
		})
		add("update attributes "+name+"/TxUpdate", invalidArg, func(f *fixture) error {
			return repo.Transact(f.ctx, f.users.TxUpdate(user{ID: "u1", Name: "x"}, attrs))
		})
	}
	add("update attributes version/Update", invalidArg, func(f *fixture) error {
		_, err := f.accts.Update(f.ctx, acct{ID: "a1", Version: 1}, []string{"version"})
		return err
	})
	// Versions.
	add("version stale/Put", kinds(repo.ErrConflict), func(f *fixture) error {
		_, err := f.accts.Put(f.ctx, acct{ID: "a1", Balance: 1, Version: 0})
		return err
	})
	add("version ahead/Put", kinds(repo.ErrConflict), func(f *fixture) error {
		_, err := f.accts.Put(f.ctx, acct{ID: "a1", Balance: 1, Version: 7})
		return err
	})
	add("version negative/Put", invalidArg, func(f *fixture) error {
		_, err := f.accts.Put(f.ctx, acct{ID: "a1", Balance: 1, Version: -1})
		return err
	})
	add("version stale/Delete", kinds(repo.ErrConflict), func(f *fixture) error { return f.accts.Delete(f.ctx, "a1", repo.IfVersion(7)) })
	add("version stale/UpdateExpr", kinds(repo.ErrConflict), func(f *fixture) error {
		_, err := f.accts.UpdateExpr(f.ctx, "a1", expression.Add(expression.Name("balance"), expression.Value(1)), repo.IfVersion(0))
		return err
	})
	add("version stale/TxPut", kinds(repo.ErrTxCanceled, repo.ErrConflict), func(f *fixture) error {
		return repo.Transact(f.ctx, f.accts.TxPut(acct{ID: "a1", Version: 3}))
	})
	add("version of unversioned/Delete", invalidArg, func(f *fixture) error { return f.users.Delete(f.ctx, "u1", repo.IfVersion(1)) })
	add("version of unversioned/UpdateExpr", invalidArg, func(f *fixture) error {
		_, err := f.users.UpdateExpr(f.ctx, "u1", set("user_name"), repo.IfVersion(1))
		return err
	})
	add("version batch/BatchPut", invalidArg, func(f *fixture) error {
		return f.accts.BatchPut(f.ctx, []acct{{ID: "a2"}})
	})
	// Batches: duplicates, and one bad entity after many good ones.
	add("batch duplicate/BatchGet", invalidArg, func(f *fixture) error {
		_, _, err := f.users.BatchGet(f.ctx, []string{"u1", "u2", "u1"})
		return err
	})
	add("batch duplicate/BatchPut", invalidArg, func(f *fixture) error {
		return f.users.BatchPut(f.ctx, []user{{ID: "n1"}, {ID: "n2"}, {ID: "n1"}})
	})
	add("batch duplicate/BatchDelete", invalidArg, func(f *fixture) error {
		return f.users.BatchDelete(f.ctx, []string{"u1", "u2", "u1"})
	})
	many := func(n int, last user) []user {
		vs := make([]user, n, n+1)
		for i := range vs {
			vs[i] = user{ID: fmt.Sprintf("many%03d", i)}
		}
		return append(vs, last)
	}
	manyIDs := func(n int, last string) []string {
		ids := make([]string, n, n+1)
		for i := range ids {
			ids[i] = fmt.Sprintf("u%d", i+1)
		}
		return append(ids, last)
	}
	add("batch 60 then a bad ID/BatchPut", invalidID, func(f *fixture) error { return f.users.BatchPut(f.ctx, many(60, user{ID: "a#b"})) })
	add("batch 60 then oversize/BatchPut", tooLarge, func(f *fixture) error {
		return f.users.BatchPut(f.ctx, many(60, user{ID: "big", Blob: make([]byte, backend.MaxItemBytes)}))
	})
	add("batch 60 then NaN/BatchPut", invalidArg, func(f *fixture) error {
		return f.users.BatchPut(f.ctx, many(60, user{ID: "nan", Score: math.NaN()}))
	})
	add("batch 60 then a duplicate/BatchPut", invalidArg, func(f *fixture) error {
		return f.users.BatchPut(f.ctx, many(60, user{ID: "many000"}))
	})
	add("batch 150 then a bad ID/BatchGet", invalidID, func(f *fixture) error {
		_, _, err := f.users.BatchGet(f.ctx, manyIDs(150, "\xff"))
		return err
	})
	add("batch 60 then a bad ID/BatchDelete", invalidID, func(f *fixture) error {
		return f.users.BatchDelete(f.ctx, manyIDs(60, ""))
	})
	// Transactions.
	add("tx no actions", invalidArg, func(f *fixture) error { return repo.Transact(f.ctx) })
	add("tx 101 actions", invalidArg, func(f *fixture) error {
		ops := make([]repo.TxOp, 101)
		for i := range ops {
			ops[i] = f.users.TxCreate(user{ID: fmt.Sprintf("t%03d", i)})
		}
		return repo.Transact(f.ctx, ops...)
	})
	add("tx 99 then a bad ID", invalidID, func(f *fixture) error {
		ops := make([]repo.TxOp, 99, 100)
		for i := range ops {
			ops[i] = f.users.TxCreate(user{ID: fmt.Sprintf("t%03d", i)})
		}
		return repo.Transact(f.ctx, append(ops, f.users.TxDelete("a#b"))...)
	})
	add("tx one item twice", invalidArg, func(f *fixture) error {
		return repo.Transact(f.ctx, f.users.TxPut(user{ID: "u1"}), f.users.TxDelete("u1"))
	})
	add("tx one item twice across types", nil, func(f *fixture) error {
		// Same ID, two types: two items, allowed; leaves the store as it
		// was only because both are checks.
		return repo.Transact(f.ctx, f.users.TxCheck("u1", expression.Name("user_name").AttributeExists()),
			f.notes.TxCheck("n1", expression.Name("text").AttributeExists()))
	})
	add("tx another store", invalidArg, func(f *fixture) error {
		return repo.Transact(f.ctx, f.users.TxPut(user{ID: "u1"}), f.elsewhere.TxPut(user{ID: "e3"}))
	})
	add("tx create existing", kinds(repo.ErrTxCanceled, repo.ErrAlreadyExists), func(f *fixture) error {
		return repo.Transact(f.ctx, f.users.TxPut(user{ID: "t1"}), f.users.TxCreate(user{ID: "u1"}))
	})
	add("tx check fails", kinds(repo.ErrTxCanceled, repo.ErrConditionFailed), func(f *fixture) error {
		return repo.Transact(f.ctx, f.users.TxPut(user{ID: "t1"}),
			f.users.TxCheck("u1", expression.Name("user_name").Equal(expression.Value("nobody"))))
	})
	add("tx update missing", kinds(repo.ErrTxCanceled, repo.ErrNotFound), func(f *fixture) error {
		return repo.Transact(f.ctx, f.users.TxPut(user{ID: "t1"}), f.users.TxUpdate(user{ID: "zz", Name: "x"}, []string{"user_name"}))
	})
	add("tx delete with failing condition", kinds(repo.ErrTxCanceled, repo.ErrConditionFailed), func(f *fixture) error {
		return repo.Transact(f.ctx, f.users.TxCreate(user{ID: "t1"}), f.users.TxDelete("u1", never))
	})
	add("tx oversize", tooLarge, func(f *fixture) error {
		return repo.Transact(f.ctx, f.users.TxCreate(user{ID: "t1"}), f.users.TxPut(user{ID: "big", Blob: make([]byte, backend.MaxItemBytes)}))
	})
	return cases
}

// TestRepositoryBadInput runs every case on the memory backend and on
// DynamoDB Local, checking each error's kinds and that the store is
// unchanged.
func TestRepositoryBadInput(t *testing.T) {
	var all []badCase
	for _, group := range [][]badCase{contextCases(), idCases(), pageCases(), entityCases(), writeCases(), codecCases()} {
		all = append(all, group...)
	}
	seen := map[string]bool{}
	for _, c := range all {
		require.False(t, seen[c.name], "case %q twice", c.name)
		seen[c.name] = true
	}
	onBothBackends(t, func(t *testing.T, f *fixture) {
		before := f.snapshot(t)
		require.NotEmpty(t, before)
		for _, c := range all {
			t.Run(c.name, func(t *testing.T) {
				err, p := call(func() error { return c.call(f) })
				if p != nil {
					t.Fatalf("panic: %v", p)
				}
				checkKinds(t, err, c.want, repoKinds)
				if after := f.snapshot(t); !assert.Equal(t, before, after, "the store changed") {
					before = after // report each change once
				}
			})
		}
		t.Logf("%d bad-input cases on %s", len(all), f.name)
	})
}

// newCases are the types and options repo.New refuses.
func newCases(f *fixture) []badCase {
	type opts = func(*repo.Options)
	nw := func(fn func() error) func(*fixture) error { return func(*fixture) error { return fn() } }
	return []badCase{
		{"nil backend", invalidArg, nw(func() error { _, err := repo.New[goodBad](nil); return err })},
		{"func field", invalidArg, nw(func() error { _, err := repo.New[withFunc](f.b); return err })},
		{"chan field", invalidArg, nw(func() error { _, err := repo.New[withChan](f.b); return err })},
		{"complex64 field", invalidArg, nw(func() error { _, err := repo.New[withComplex64](f.b); return err })},
		{"complex128 field", invalidArg, nw(func() error { _, err := repo.New[withComplex128](f.b); return err })},
		{"unsafe.Pointer field", invalidArg, nw(func() error { _, err := repo.New[withUnsafe](f.b); return err })},
		{"func in a slice", invalidArg, nw(func() error { _, err := repo.New[funcInSlice](f.b); return err })},
		{"func in a map", invalidArg, nw(func() error { _, err := repo.New[funcInMap](f.b); return err })},
		{"pointer to chan", invalidArg, nw(func() error { _, err := repo.New[chanPtr](f.b); return err })},
		{"func in an array", invalidArg, nw(func() error { _, err := repo.New[funcInArray](f.b); return err })},
		{"func in a nested struct", invalidArg, nw(func() error { _, err := repo.New[funcNested](f.b); return err })},
		{"func in an embedded struct", invalidArg, nw(func() error { _, err := repo.New[funcEmbedded](f.b); return err })},
		{"not a struct", invalidArg, nw(func() error { _, err := repo.New[strEntity](f.b); return err })},
		{"pointer type", invalidArg, nw(func() error { _, err := repo.New[*user](f.b); return err })},
		{"prefix empty", invalidArg, nw(func() error { _, err := repo.New[prefixed[emptyPrefix]](f.b); return err })},
		{"prefix with hash", invalidArg, nw(func() error { _, err := repo.New[prefixed[hashPrefix]](f.b); return err })},
		{"prefix with tab", invalidArg, nw(func() error { _, err := repo.New[prefixed[controlPrefix]](f.b); return err })},
		{"prefix bad UTF-8", invalidArg, nw(func() error { _, err := repo.New[prefixed[invalidPrefix]](f.b); return err })},
		{"prefix too long", invalidArg, nw(func() error { _, err := repo.New[prefixed[longPrefix]](f.b); return err })},
		{"version empty", invalidArg, nw(func() error { _, err := repo.New[versioned[versionEmpty]](f.b); return err })},
		{"version a key", invalidArg, nw(func() error { _, err := repo.New[versioned[versionKey]](f.b); return err })},
		{"version missing", invalidArg, nw(func() error { _, err := repo.New[versioned[versionMissing]](f.b); return err })},
		{"expiry missing", invalidArg, nw(func() error { _, err := repo.New[expiring[expiryMissing]](f.b); return err })},
		{"expiry an index key", invalidArg, nw(func() error { _, err := repo.New[expiring[expiryKey]](f.b); return err })},
		{"version is expiry", invalidArg, nw(func() error { _, err := repo.New[both[sameVerExp]](f.b); return err })},
		{"index without name", invalidArg, nw(func() error { _, err := repo.New[indexed[ixNoName]](f.b); return err })},
		{"index name with hash", invalidArg, nw(func() error { _, err := repo.New[indexed[ixHashName]](f.b); return err })},
		{"index name bad UTF-8", invalidArg, nw(func() error { _, err := repo.New[indexed[ixBadUTF8Name]](f.b); return err })},
		{"index slot 0", invalidArg, nw(func() error { _, err := repo.New[indexed[ixSlot0]](f.b); return err })},
		{"index slot 6", invalidArg, nw(func() error { _, err := repo.New[indexed[ixSlot6]](f.b); return err })},
		{"index one attribute twice", invalidArg, nw(func() error { _, err := repo.New[indexed[ixSameAttrs]](f.b); return err })},
		{"index name twice", invalidArg, nw(func() error { _, err := repo.New[indexed[ixDupName]](f.b); return err })},
		{"index slot twice", invalidArg, nw(func() error { _, err := repo.New[indexed[ixDupSlot]](f.b); return err })},
		{"index on a key", invalidArg, nw(func() error { _, err := repo.New[indexed[ixKeyAttr]](f.b); return err })},
		{"index on a missing attribute", invalidArg, nw(func() error { _, err := repo.New[indexed[ixMissingAttr]](f.b); return err })},
		{"index on an empty name", invalidArg, nw(func() error { _, err := repo.New[indexed[ixEmptyAttr]](f.b); return err })},
		{"index on the version", invalidArg, nw(func() error {
			_, err := repo.New[versionedIndexed[ixVersionAttr]](f.b)
			return err
		})},
		{"index slot the table lacks", invalidArg, nw(func() error { _, err := repo.New[user](f.lessIndexes); return err })},
		{"option empty cursor key", invalidArg, nw(func() error {
			_, err := repo.New[goodBad](f.b, opts(func(o *repo.Options) { o.CursorKey = nil }))
			return err
		})},
		{"option nil clock", invalidArg, nw(func() error {
			_, err := repo.New[goodBad](f.b, opts(func(o *repo.Options) { o.Clock = nil }))
			return err
		})},
		{"option nil retry delay", invalidArg, nw(func() error {
			_, err := repo.New[goodBad](f.b, opts(func(o *repo.Options) { o.RetryDelay = nil }))
			return err
		})},
		{"prefix of another type", kinds(repo.ErrDuplicatePrefix), nw(func() error { _, err := repo.New[impostor](f.b); return err })},
		{"MustNew panics", nil, nw(func() error {
			defer func() { recover() }()
			repo.MustNew[withFunc](f.b)
			return fmt.Errorf("MustNew did not panic")
		})},
	}
}

// TestNewBadInput checks what repo.New refuses, on both backends, and that
// no refusal registered the prefix "bad" that the refused types use: a
// good type takes it afterwards.
func TestNewBadInput(t *testing.T) {
	onBothBackends(t, func(t *testing.T, f *fixture) {
		before := f.snapshot(t)
		for _, c := range newCases(f) {
			t.Run(c.name, func(t *testing.T) {
				err, p := call(func() error { return c.call(f) })
				if p != nil {
					t.Fatalf("panic: %v", p)
				}
				checkKinds(t, err, c.want, repoKinds)
			})
		}
		_, err := repo.New[goodBad](f.b)
		require.NoError(t, err, "a refused type registered the prefix")
		assert.Equal(t, before, f.snapshot(t))
	})
}

// TestMemoryBackendBadInput calls the memory backend's own methods with
// input DynamoDB refuses.
func TestMemoryBackendBadInput(t *testing.T) {
	s := memory.New()
	ctx := context.Background()
	pk := "tenant#acme"
	str := func(v string) backend.Item { return backend.Item{"PK": s2(pk), "SK": s2(v)} }
	require.NoError(t, s.Put(ctx, backend.PutInput{Item: str("a#1")}))
	require.NoError(t, s.Put(ctx, backend.PutInput{Item: str("a#2")}))
	before := s.Snapshot()
	k := func(sk string) backend.Key { return backend.Key{PK: pk, SK: sk} }
	keys := func(n int) []backend.Key {
		out := make([]backend.Key, n)
		for i := range out {
			out[i] = k(fmt.Sprintf("a#%d", i))
		}
		return out
	}
	puts := func(n int) []backend.WriteRequest {
		out := make([]backend.WriteRequest, n)
		for i := range out {
			out[i] = backend.WriteRequest{Put: str(fmt.Sprintf("a#%d", i))}
		}
		return out
	}
	del := k("a#1")
	big := backend.Item{"PK": s2(pk), "SK": s2("a#big"), "b": &typesB{Value: make([]byte, backend.MaxItemBytes)}}
	cases := []struct {
		name string
		want error
		call func() error
	}{
		{"get empty key", backend.ErrInvalidArgument, func() error { _, err := s.Get(ctx, backend.GetInput{}); return err }},
		{"get sort key too long", backend.ErrInvalidArgument, func() error {
			_, err := s.Get(ctx, backend.GetInput{Key: k(strings.Repeat("a", 1025))})
			return err
		}},
		{"get partition key too long", backend.ErrInvalidArgument, func() error {
			_, err := s.Get(ctx, backend.GetInput{Key: backend.Key{PK: strings.Repeat("p", 2049), SK: "a#1"}})
			return err
		}},
		{"get missing", backend.ErrNotFound, func() error { _, err := s.Get(ctx, backend.GetInput{Key: k("a#9")}); return err }},
		{"put nil item", backend.ErrInvalidArgument, func() error { return s.Put(ctx, backend.PutInput{}) }},
		{"put without SK", backend.ErrInvalidArgument, func() error { return s.Put(ctx, backend.PutInput{Item: backend.Item{"PK": s2(pk)}}) }},
		{"put numeric PK", backend.ErrInvalidArgument, func() error {
			return s.Put(ctx, backend.PutInput{Item: backend.Item{"PK": &typesN{Value: "1"}, "SK": s2("a#1")}})
		}},
		{"put oversize", backend.ErrItemTooLarge, func() error { return s.Put(ctx, backend.PutInput{Item: big}) }},
		{"put bad number", backend.ErrInvalidArgument, func() error {
			it := str("a#1")
			it["n"] = &typesN{Value: "1e999"}
			return s.Put(ctx, backend.PutInput{Item: it})
		}},
		{"put empty set", backend.ErrInvalidArgument, func() error {
			it := str("a#1")
			it["ss"] = &typesSS{}
			return s.Put(ctx, backend.PutInput{Item: it})
		}},
		{"put nil value", backend.ErrInvalidArgument, func() error {
			it := str("a#1")
			it["x"] = nil
			return s.Put(ctx, backend.PutInput{Item: it})
		}},
		{"put numeric index key", backend.ErrInvalidArgument, func() error {
			it := str("a#1")
			it["GSI1PK"] = &typesN{Value: "1"}
			return s.Put(ctx, backend.PutInput{Item: it})
		}},
		{"put bad condition", backend.ErrInvalidArgument, func() error {
			return s.Put(ctx, backend.PutInput{Item: str("a#1"), Expr: backend.Expressions{Condition: "v = = 1"}})
		}},
		{"put with a filter", backend.ErrInvalidArgument, func() error {
			return s.Put(ctx, backend.PutInput{Item: str("a#1"), Expr: backend.Expressions{Filter: "attribute_exists(v)"}})
		}},
		{"update a key attribute", backend.ErrInvalidArgument, func() error {
			_, err := s.Update(ctx, backend.UpdateInput{Key: k("a#1"), Expr: backend.Expressions{
				Update: "SET PK = :v", Values: map[string]typesAV{":v": s2("x")}}})
			return err
		}},
		{"update unused value", backend.ErrInvalidArgument, func() error {
			_, err := s.Update(ctx, backend.UpdateInput{Key: k("a#1"), Expr: backend.Expressions{
				Update: "REMOVE v", Values: map[string]typesAV{":v": s2("x")}}})
			return err
		}},
		{"delete with an update", backend.ErrInvalidArgument, func() error {
			return s.Delete(ctx, backend.DeleteInput{Key: k("a#1"), Expr: backend.Expressions{Update: "REMOVE v"}})
		}},
		{"delete failing condition", backend.ErrConditionFailed, func() error {
			return s.Delete(ctx, backend.DeleteInput{Key: k("a#1"), Expr: backend.Expressions{Condition: "attribute_not_exists(PK)"}})
		}},
		{"query limit 0", backend.ErrInvalidArgument, func() error { _, err := s.Query(ctx, backend.QueryInput{PK: pk}); return err }},
		{"query reversed range", backend.ErrInvalidArgument, func() error {
			_, err := s.Query(ctx, backend.QueryInput{PK: pk, Limit: 1, Range: backend.SortRange{Op: backend.Between, Lo: "b", Hi: "a"}})
			return err
		}},
		{"query unknown op", backend.ErrInvalidArgument, func() error {
			_, err := s.Query(ctx, backend.QueryInput{PK: pk, Limit: 1, Range: backend.SortRange{Op: 9}})
			return err
		}},
		{"query start key of another partition", backend.ErrInvalidStartKey, func() error {
			_, err := s.Query(ctx, backend.QueryInput{PK: pk, Limit: 1, StartKey: &backend.Key{PK: "tenant#x", SK: "a#1"}})
			return err
		}},
		{"query unknown index", backend.ErrInvalidArgument, func() error {
			_, err := s.Query(ctx, backend.QueryInput{Index: "GSI9", PK: pk, Limit: 1})
			return err
		}},
		{"query index consistent", backend.ErrInvalidArgument, func() error {
			_, err := s.Query(ctx, backend.QueryInput{Index: "GSI1", PK: pk, Limit: 1, ConsistentRead: true})
			return err
		}},
		{"batch get 101", backend.ErrInvalidArgument, func() error { _, err := s.BatchGet(ctx, backend.BatchGetInput{Keys: keys(101)}); return err }},
		{"batch get twice", backend.ErrInvalidArgument, func() error {
			_, err := s.BatchGet(ctx, backend.BatchGetInput{Keys: []backend.Key{k("a#1"), k("a#1")}})
			return err
		}},
		{"batch write 26", backend.ErrInvalidArgument, func() error { _, err := s.BatchWrite(ctx, backend.BatchWriteInput{Writes: puts(26)}); return err }},
		{"batch write both", backend.ErrInvalidArgument, func() error {
			_, err := s.BatchWrite(ctx, backend.BatchWriteInput{Writes: []backend.WriteRequest{{Put: str("a#1"), Delete: &del}}})
			return err
		}},
		{"batch write neither", backend.ErrInvalidArgument, func() error {
			_, err := s.BatchWrite(ctx, backend.BatchWriteInput{Writes: []backend.WriteRequest{{}}})
			return err
		}},
		{"batch write twice", backend.ErrInvalidArgument, func() error {
			_, err := s.BatchWrite(ctx, backend.BatchWriteInput{Writes: []backend.WriteRequest{{Put: str("a#3")}, {Delete: &del}, {Put: str("a#1")}}})
			return err
		}},
		{"batch write oversize", backend.ErrItemTooLarge, func() error {
			_, err := s.BatchWrite(ctx, backend.BatchWriteInput{Writes: []backend.WriteRequest{{Put: str("a#3")}, {Put: big}}})
			return err
		}},
		{"transact 101", backend.ErrInvalidArgument, func() error {
			acts := make([]backend.TxAction, 101)
			for i := range acts {
				acts[i] = backend.TxAction{Kind: backend.TxPut, Item: str(fmt.Sprintf("a#%d", i))}
			}
			return s.TransactWrite(ctx, backend.TransactInput{Actions: acts})
		}},
		{"transact twice", backend.ErrInvalidArgument, func() error {
			return s.TransactWrite(ctx, backend.TransactInput{Actions: []backend.TxAction{
				{Kind: backend.TxPut, Item: str("a#1")}, {Kind: backend.TxDelete, Key: k("a#1")}}})
		}},
		{"transact unknown kind", backend.ErrInvalidArgument, func() error {
			return s.TransactWrite(ctx, backend.TransactInput{Actions: []backend.TxAction{{Kind: 9, Key: k("a#1")}}})
		}},
		{"transact condition fails", backend.ErrTxCanceled, func() error {
			return s.TransactWrite(ctx, backend.TransactInput{Actions: []backend.TxAction{
				{Kind: backend.TxPut, Item: str("a#3")},
				{Kind: backend.TxCheck, Key: k("a#9"), Expr: backend.Expressions{Condition: "attribute_exists(PK)"}}}})
		}},
		{"register prefix twice", backend.ErrDuplicatePrefix, func() error {
			if err := s.RegisterPrefix("p", "one"); err != nil {
				return err
			}
			return s.RegisterPrefix("p", "two")
		}},
		{"canceled context", context.Canceled, func() error {
			c, cancel := context.WithCancel(ctx)
			cancel()
			return s.Put(c, backend.PutInput{Item: str("a#3")})
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err, p := call(c.call)
			if p != nil {
				t.Fatalf("panic: %v", p)
			}
			checkKinds(t, err, kinds(c.want), backendKinds)
			assert.Equal(t, before, s.Snapshot(), "the store changed")
		})
	}
	for _, n := range []int{-1, backend.MaxIndexes + 1} {
		assert.Panics(t, func() { memory.New(func(o *memory.Options) { o.Indexes = n }) }, "Indexes %d", n)
	}
	t.Logf("%d memory backend cases", len(cases)+2)
}

// TestDynamoDBNewBadInput checks dynamodb.New's refusals, which make no
// request.
func TestDynamoDBNewBadInput(t *testing.T) {
	client := ddb.New(ddb.Options{Region: "us-east-1"}) // never called
	for name, fn := range map[string]func() error{
		"nil client":  func() error { _, err := dynamodbbackend.New(nil, "t"); return err },
		"empty table": func() error { _, err := dynamodbbackend.New(client, ""); return err },
		"indexes -1": func() error {
			_, err := dynamodbbackend.New(client, "t", func(o *dynamodbbackend.Options) { o.Indexes = -1 })
			return err
		},
		"indexes 6": func() error {
			_, err := dynamodbbackend.New(client, "t", func(o *dynamodbbackend.Options) { o.Indexes = backend.MaxIndexes + 1 })
			return err
		},
	} {
		err, p := call(fn)
		require.Nil(t, p, name)
		checkKinds(t, err, kinds(backend.ErrInvalidArgument), backendKinds)
	}
	// Waits and TTL defaults are no error.
	b, err := dynamodbbackend.New(client, "t", func(o *dynamodbbackend.Options) { o.TableWaitTimeout = -time.Second })
	require.NoError(t, err)
	assert.Equal(t, backend.MaxIndexes, b.Indexes())
}
