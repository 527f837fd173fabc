package badinput_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/repo"
)

// fuzzBytes hands out the fuzzer's bytes as choices; past the end, zeros.
type fuzzBytes struct{ b []byte }

func (f *fuzzBytes) next() int {
	if len(f.b) == 0 {
		return 0
	}
	c := f.b[0]
	f.b = f.b[1:]
	return int(c)
}

func (f *fuzzBytes) pick(n int) int { return f.next() % n }

// fuzzNames are attribute names and map keys for stored items: the fields
// of the fuzzed types, their case variants, the library's attributes and
// others.
var fuzzNames = func() []string {
	names := []string{"PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "pk", "Pk", "sk", "Sk", "gsi1pk", "other", "x", "\x000", "#0", ":0"}
	for _, n := range []string{"age", "small", "u", "f", "b", "s", "tags", "nums", "m", "at", "fixed", "in", "ptr", "any", "str",
		"blobs", "mm", "name", "n", "user_id", "grp", "inner", "a", "l", "bs", "nest", "anies", "p", "pp", "ps", "mp", "t", "rec",
		"kids", "o", "null", "ss", "ns", "mb", "k", "1", "true", "secret", "Secret", "Exported", "N", "Name", "K"} {
		names = append(names, n, strings.ToUpper(n))
	}
	return names
}()

var fuzzNumbers = []string{"0", "1", "-1", "1.5", "-0.5", "127", "128", "255", "256", "-129", "65536", "300", "1e3", "1E-130",
	"9.9999999999999999999999999999999999999E+125", "-9.9999999999999999999999999999999999999E+125", "99999999999999999999",
	"18446744073709551615", "18446744073709551616", "-9223372036854775809", "1700000000", "3.4e38", "3.5e38", "0.1"}

var fuzzStrings = []string{"", "a", "abc", "12", "-3", "2024-01-02T03:04:05Z", "true", "1.5", "tenant#acme", "é", "\x00"}

// fuzzValue makes an attribute value from the fuzzer's bytes, nested at
// most depth deep.
func fuzzValue(f *fuzzBytes, depth int) types.AttributeValue {
	kinds := 10
	if depth > 0 {
		kinds = 12
	}
	switch f.pick(kinds) {
	case 0:
		return s2(fuzzStrings[f.pick(len(fuzzStrings))])
	case 1:
		return &typesN{Value: fuzzNumbers[f.pick(len(fuzzNumbers))]}
	case 2:
		return &typesB{Value: make([]byte, f.pick(7))}
	case 3:
		return &types.AttributeValueMemberBOOL{Value: f.pick(2) == 1}
	case 4:
		return &types.AttributeValueMemberNULL{Value: true}
	case 5:
		n := 1 + f.pick(3)
		set := make([]string, 0, n)
		for i := range n {
			set = append(set, fmt.Sprint(fuzzStrings[f.pick(len(fuzzStrings))], i))
		}
		return &typesSS{Value: set}
	case 6:
		n := 1 + f.pick(3)
		set := make([]string, 0, n)
		for i := range n {
			set = append(set, fmt.Sprint(i*1000+f.pick(100)))
		}
		return &types.AttributeValueMemberNS{Value: set}
	case 7:
		n := 1 + f.pick(3)
		set := make([][]byte, 0, n)
		for i := range n {
			b := make([]byte, f.pick(5))
			set = append(set, append(b, byte(i))) // distinct members
		}
		return &types.AttributeValueMemberBS{Value: set}
	case 8:
		return s2(fuzzNames[f.pick(len(fuzzNames))])
	case 9:
		return &typesN{Value: fmt.Sprint(f.next() - 128)}
	case 10:
		n := f.pick(4)
		l := make([]types.AttributeValue, n)
		for i := range l {
			l[i] = fuzzValue(f, depth-1)
		}
		return &types.AttributeValueMemberL{Value: l}
	default:
		n := f.pick(4)
		m := make(map[string]types.AttributeValue, n)
		for range n {
			m[fuzzNames[f.pick(len(fuzzNames))]] = fuzzValue(f, depth-1)
		}
		return &types.AttributeValueMemberM{Value: m}
	}
}

// fuzzItem makes a stored item's attributes (keys apart) from the bytes.
func fuzzItem(f *fuzzBytes) backend.Item {
	item := backend.Item{}
	for range f.pick(10) {
		name := fuzzNames[f.pick(len(fuzzNames))]
		if name == "PK" || name == "SK" {
			continue
		}
		item[name] = fuzzValue(f, 3)
	}
	return item
}

// holds reports whether a string in the item's attributes (keys apart)
// holds sub.
func holds(item backend.Item, sub string) bool {
	var in func(types.AttributeValue) bool
	in = func(av types.AttributeValue) bool {
		switch v := av.(type) {
		case *types.AttributeValueMemberS:
			return strings.Contains(v.Value, sub)
		case *typesSS:
			return strings.Contains(strings.Join(v.Value, " "), sub)
		case *types.AttributeValueMemberL:
			for _, e := range v.Value {
				if in(e) {
					return true
				}
			}
		case *types.AttributeValueMemberM:
			for k, e := range v.Value {
				if strings.Contains(k, sub) || in(e) {
					return true
				}
			}
		}
		return false
	}
	for k, v := range item {
		if k != "PK" && k != "SK" && in(v) {
			return true
		}
	}
	return false
}

// fuzzTarget runs every read and write of a repository of E on the entity
// "f1", stored from bytes, and reports a panic or an error of no
// repository kind.
type fuzzTarget interface {
	run(t *testing.T, ctx context.Context, f *fuzzBytes, item backend.Item)
	prefix() string
}

type fuzzRepo[E entity.Entity] struct {
	r    *repo.Repository[E]
	zero E
}

func (fr fuzzRepo[E]) prefix() string { return fr.r.Prefix() }

// typedErr fails the test unless err is nil or of a repository kind.
func typedErr(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if len(kindNames(err, repoKinds)) == 0 {
		t.Fatalf("%s: an error of no repository kind: %v", what, err)
	}
}

func (fr fuzzRepo[E]) run(t *testing.T, ctx context.Context, f *fuzzBytes, item backend.Item) {
	check := func(what string, fn func() error) error {
		t.Helper()
		err, p := call(fn)
		if p != nil {
			t.Fatalf("%s %s panicked: %v", fr.prefix(), what, p)
		}
		typedErr(t, fr.prefix()+" "+what, err)
		return err
	}
	var got E
	getErr := check("Get", func() (err error) { got, err = fr.r.Get(ctx, "f1"); return err })
	if getErr == nil {
		// Reads are deterministic.
		var again E
		check("Get again", func() (err error) { again, err = fr.r.Get(ctx, "f1"); return err })
		if !reflect.DeepEqual(again, got) {
			t.Fatalf("%s: two reads differ:\n%#v\n%#v", fr.prefix(), got, again)
		}
		// The library's keys never reach a field.
		if !holds(item, "tenant#") && strings.Contains(fmt.Sprintf("%+v", got), "tenant#") {
			t.Fatalf("%s: the partition key was read into a field: %+v", fr.prefix(), got)
		}
	} else if !errors.Is(getErr, repo.ErrDecode) {
		t.Fatalf("%s Get: %v", fr.prefix(), getErr)
	}
	check("List", func() error { _, err := fr.r.List(ctx); return err })
	check("BatchGet", func() error { _, _, err := fr.r.BatchGet(ctx, []string{"f1", "f2"}); return err })
	check("Create", func() error { _, err := fr.r.Create(ctx, fr.zero); return err })
	// An update of a field to a value from the bytes: refused, or stored
	// and readable, or (the stored item did not decode before, or a sum)
	// stored and said so.
	name := fuzzNames[f.pick(len(fuzzNames))]
	val := fuzzValue(f, 2)
	for _, u := range []expression.UpdateBuilder{
		expression.Set(expression.Name(name), expression.Value(val)),
		expression.Add(expression.Name(name), expression.Value(val)),
		expression.Set(expression.Name(name), expression.ListAppend(expression.Name(name), expression.Value(val))),
		expression.Delete(expression.Name(name), expression.Value(val)),
		expression.Remove(expression.Name(name)),
	} {
		err := check("UpdateExpr "+name, func() error { _, err := fr.r.UpdateExpr(ctx, "f1", u); return err })
		if errors.Is(err, repo.ErrDecode) && !errors.Is(err, repo.ErrApplied) {
			t.Fatalf("%s UpdateExpr %s: ErrDecode without ErrApplied: %v", fr.prefix(), name, err)
		}
	}
	if getErr == nil {
		err := check("Put of what Get read", func() error { _, err := fr.r.Put(ctx, got); return err })
		if err != nil && !errors.Is(err, repo.ErrItemTooLarge) && !errors.Is(err, repo.ErrInvalidArgument) && !errors.Is(err, repo.ErrConflict) {
			t.Fatalf("%s Put of what Get read: %v", fr.prefix(), err)
		}
	}
	check("Delete", func() error { return fr.r.Delete(ctx, "f1") })
}

func newFuzzRepo[E entity.Entity](t testing.TB, b backend.Backend, zero E) fuzzTarget {
	r, err := repo.New[E](b)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return fuzzRepo[E]{r: r, zero: zero}
}

// FuzzStoredItem (issue 10, item 5): an item stored from the fuzzer's
// bytes (attribute names among the types' fields, their case variants and
// the library's; values of every type, binaries of every length, NULLs,
// nested maps and lists, numbers out of every range) under each of a set
// of entity types with arrays, pointers, embedded structs, maps, sets,
// times, tag options and interfaces. No repository call may panic or
// return an error of no repository kind; reads are deterministic; an
// UpdateExpr's ErrDecode comes with ErrApplied.
//
//	go test ./internal/badinput/ -run '^$' -fuzz FuzzStoredItem -fuzztime 60s
func FuzzStoredItem(f *testing.F) {
	for _, seed := range [][]byte{
		// fixed (typed) and a (okArrays): binaries of other lengths;
		// pk, Sk (cased): beside PK and SK.
		{}, {1, 35, 2, 3}, {1, 59, 2, 5}, {1, 5, 0, 1}, {1, 8, 0, 2}, {3, 40, 2, 3, 41, 7, 2, 1, 1, 2, 5},
		{4, 44, 11, 3, 90, 10, 92, 2, 0, 5, 1, 80, 7, 1},
		{5, 70, 0, 2, 60, 11, 2, 100, 2, 5, 101, 1, 9, 120, 10, 2, 4, 4},
	} {
		f.Add(seed)
	}
	b := memory.New()
	targets := []fuzzTarget{
		newFuzzRepo(f, b, typed{ID: "z"}), newFuzzRepo(f, b, cased{ID: "z"}), newFuzzRepo(f, b, okArrays{ID: "z"}),
		newFuzzRepo(f, b, okPointers{ID: "z"}), newFuzzRepo(f, b, okTagged{ID: "z"}), newFuzzRepo(f, b, okEmbedsPtr{ID: "z"}),
		newFuzzRepo(f, b, okEmbedsHidden{ID: "z"}), newFuzzRepo(f, b, vx{ID: "z"}), newFuzzRepo(f, b, acct{ID: "z"}),
		newFuzzRepo(f, b, okTaggedHidden{ID: "z"}), newFuzzRepo(f, b, okIgnoredHiddenPtr{ID: "z"}),
	}
	ctx := acme()
	f.Fuzz(func(t *testing.T, data []byte) {
		fb := &fuzzBytes{b: data}
		item := fuzzItem(fb)
		for _, v := range item {
			if s, ok := v.(*types.AttributeValueMemberS); ok && !utf8.ValidString(s.Value) {
				return
			}
		}
		for _, tg := range targets {
			it := backend.Item{}
			for k, v := range item {
				it[k] = v
			}
			it["PK"] = s2("tenant#" + tenant)
			it["SK"] = s2(tg.prefix() + "#f1")
			if err := b.Put(context.Background(), backend.PutInput{Item: it}); err != nil {
				continue // not an item DynamoDB stores
			}
			tg.run(t, ctx, fb, item)
			_ = b.Delete(context.Background(), backend.DeleteInput{Key: backend.Key{PK: "tenant#" + tenant, SK: tg.prefix() + "#z"}})
		}
	})
}
