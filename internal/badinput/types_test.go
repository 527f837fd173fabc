// Package badinput_test gives every public entry point of package repo (and
// tenantctx.WithTenant, repo.New, dynamodb.New and the memory backend's own
// methods) input it must refuse, and checks that each call returns its
// documented error kind (errors.Is, and no other kind) and that the store is
// exactly as it was before the call.
//
// The repository cases run on the memory backend and, when DYNAMODB_ENDPOINT
// is set, on DynamoDB Local (the snapshot is a consistent Scan of the
// table):
//
//	scripts/dynamodb-local.sh with -- go test -race ./internal/badinput/
package badinput_test

import (
	"time"

	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/internal/codec"
	"github.com/tenantrepo/tenantrepo/internal/testfixture"
)

// user is the main entity type of the cases: ID in user_id and the sort
// key, a string set, a map, a binary, a float, and an index.
type user struct {
	ID    string            `dynamodbav:"user_id"`
	Name  string            `dynamodbav:"user_name"`
	Tags  []string          `dynamodbav:"tags,omitempty,stringset"`
	Attrs map[string]string `dynamodbav:"attrs,omitempty"`
	Blob  []byte            `dynamodbav:"blob,omitempty"`
	Score float64           `dynamodbav:"score,omitempty"`
	Group string            `dynamodbav:"grp,omitempty"`
	At    string            `dynamodbav:"at,omitempty"`
}

func (user) EntityPrefix() string     { return "user" }
func (u user) EntityID() string       { return u.ID }
func (u *user) SetEntityID(id string) { u.ID = id }
func (user) Indexes() []entity.Index {
	return []entity.Index{{Name: "by-group", Slot: 2, PartitionAttr: "grp", SortAttr: "at"}}
}

// note cannot be given an ID (no SetEntityID) and has no index.
type note struct {
	Key  string `dynamodbav:"key"`
	Text string `dynamodbav:"text"`
}

func (note) EntityPrefix() string { return "note" }
func (n note) EntityID() string   { return n.Key }

// acct is versioned (prefix "acct", ID only in the sort key).
type acct = testfixture.Account

// clash has an attribute named like the partition key, which the library
// owns; gsiClash one named like an index key.
type clash struct {
	ID string `dynamodbav:"-"`
	PK string `dynamodbav:"PK"`
}

func (clash) EntityPrefix() string     { return "clash" }
func (c clash) EntityID() string       { return c.ID }
func (c *clash) SetEntityID(id string) { c.ID = id }

type gsiClash struct {
	ID string `dynamodbav:"-"`
	X  string `dynamodbav:"GSI4SK"`
}

func (gsiClash) EntityPrefix() string     { return "gsiclash" }
func (g gsiClash) EntityID() string       { return g.ID }
func (g *gsiClash) SetEntityID(id string) { g.ID = id }

// liar's SetEntityID does not set the ID EntityID returns.
type liar struct {
	ID string `dynamodbav:"id"`
}

func (liar) EntityPrefix() string  { return "liar" }
func (l liar) EntityID() string    { return l.ID }
func (l *liar) SetEntityID(string) {}

// impostor claims user's prefix.
type impostor struct {
	ID string `dynamodbav:"id"`
}

func (impostor) EntityPrefix() string { return "user" }
func (i impostor) EntityID() string   { return i.ID }

// The types repo.New must refuse all use the prefix "bad"; goodBad, made
// after them, shows that none of the refusals registered it.
type badBase struct{}

func (badBase) EntityPrefix() string { return "bad" }
func (badBase) EntityID() string     { return "1" }

type goodBad struct {
	badBase
	ID string `dynamodbav:"id"`
}

type withFunc struct {
	badBase
	F func() `dynamodbav:"f"`
}
type withChan struct {
	badBase
	C chan int `dynamodbav:"c"`
}
type withComplex64 struct {
	badBase
	C complex64 `dynamodbav:"c"`
}
type withComplex128 struct {
	badBase
	C complex128 `dynamodbav:"c"`
}
type withUnsafe struct {
	badBase
	P codec.UnsafePointer `dynamodbav:"p"`
}
type funcInSlice struct {
	badBase
	S []func() `dynamodbav:"s"`
}
type funcInMap struct {
	badBase
	M map[string]func() `dynamodbav:"m"`
}
type chanPtr struct {
	badBase
	P *chan int `dynamodbav:"p"`
}
type funcInArray struct {
	badBase
	A [2]func() `dynamodbav:"a"`
}
type funcNested struct {
	badBase
	In struct {
		F func() `dynamodbav:"f"`
	} `dynamodbav:"in"`
}
type funcEmbedded struct {
	badBase
	withFunc
}

// strEntity is not a struct.
type strEntity string

func (strEntity) EntityPrefix() string { return "bad" }
func (s strEntity) EntityID() string   { return string(s) }

// prefixed has the prefix its parameter names.
type prefixName interface{ name() string }

type prefixed[P prefixName] struct {
	ID string `dynamodbav:"id"`
}

func (prefixed[P]) EntityPrefix() string { var p P; return p.name() }
func (x prefixed[P]) EntityID() string   { return x.ID }

type (
	emptyPrefix   struct{}
	hashPrefix    struct{}
	controlPrefix struct{}
	invalidPrefix struct{}
	longPrefix    struct{}
)

func (emptyPrefix) name() string   { return "" }
func (hashPrefix) name() string    { return "a#b" }
func (controlPrefix) name() string { return "a\tb" }
func (invalidPrefix) name() string { return "\xff" }
func (longPrefix) name() string {
	return string(make([]byte, entity.MaxSortKeyBytes-1)) // 1023 bytes: no room for "#" and an ID
}

// special types: versioned, expiring or indexed as their parameter says.
type specName interface {
	version() string
	expiry() string
	indexes() []entity.Index
}

type specFields struct {
	badBase
	Balance int64     `dynamodbav:"balance"`
	Version int64     `dynamodbav:"version"`
	Exp     time.Time `dynamodbav:"exp,unixtime"`
	A       string    `dynamodbav:"a"`
	B       string    `dynamodbav:"b"`
}

type versioned[S specName] struct{ specFields }

func (versioned[S]) VersionAttribute() string { var s S; return s.version() }

type expiring[S specName] struct{ specFields }

func (expiring[S]) ExpiryAttribute() string { var s S; return s.expiry() }

type both[S specName] struct{ specFields }

func (both[S]) VersionAttribute() string { var s S; return s.version() }
func (both[S]) ExpiryAttribute() string  { var s S; return s.expiry() }

type indexed[S specName] struct{ specFields }

func (indexed[S]) Indexes() []entity.Index { var s S; return s.indexes() }

type versionedIndexed[S specName] struct{ specFields }

func (versionedIndexed[S]) VersionAttribute() string { return "version" }
func (versionedIndexed[S]) Indexes() []entity.Index  { var s S; return s.indexes() }

type spec struct{}

func (spec) version() string         { return "" }
func (spec) expiry() string          { return "" }
func (spec) indexes() []entity.Index { return nil }

type (
	versionEmpty   struct{ spec }
	versionKey     struct{ spec }
	versionMissing struct{ spec }
	expiryMissing  struct{ spec }
	expiryKey      struct{ spec }
	sameVerExp     struct{ spec }
	ixNoName       struct{ spec }
	ixHashName     struct{ spec }
	ixBadUTF8Name  struct{ spec }
	ixSlot0        struct{ spec }
	ixSlot6        struct{ spec }
	ixSameAttrs    struct{ spec }
	ixDupName      struct{ spec }
	ixDupSlot      struct{ spec }
	ixKeyAttr      struct{ spec }
	ixMissingAttr  struct{ spec }
	ixVersionAttr  struct{ spec }
	ixEmptyAttr    struct{ spec }
)

func (versionEmpty) version() string   { return "" }
func (versionKey) version() string     { return "SK" }
func (versionMissing) version() string { return "nope" }
func (expiryMissing) expiry() string   { return "nope" }
func (expiryKey) expiry() string       { return "GSI1PK" }
func (sameVerExp) version() string     { return "balance" }
func (sameVerExp) expiry() string      { return "balance" }

func ix(name string, slot int, p, s string) entity.Index {
	return entity.Index{Name: name, Slot: slot, PartitionAttr: p, SortAttr: s}
}

func (ixNoName) indexes() []entity.Index      { return []entity.Index{ix("", 1, "a", "b")} }
func (ixHashName) indexes() []entity.Index    { return []entity.Index{ix("a#b", 1, "a", "b")} }
func (ixBadUTF8Name) indexes() []entity.Index { return []entity.Index{ix("\xff", 1, "a", "b")} }
func (ixSlot0) indexes() []entity.Index       { return []entity.Index{ix("i", 0, "a", "b")} }
func (ixSlot6) indexes() []entity.Index       { return []entity.Index{ix("i", 6, "a", "b")} }
func (ixSameAttrs) indexes() []entity.Index   { return []entity.Index{ix("i", 1, "a", "a")} }
func (ixDupName) indexes() []entity.Index {
	return []entity.Index{ix("i", 1, "a", "b"), ix("i", 2, "b", "a")}
}
func (ixDupSlot) indexes() []entity.Index {
	return []entity.Index{ix("i", 1, "a", "b"), ix("j", 1, "b", "a")}
}
func (ixKeyAttr) indexes() []entity.Index     { return []entity.Index{ix("i", 1, "PK", "b")} }
func (ixMissingAttr) indexes() []entity.Index { return []entity.Index{ix("i", 1, "a", "nope")} }
func (ixVersionAttr) indexes() []entity.Index { return []entity.Index{ix("i", 1, "a", "version")} }
func (ixEmptyAttr) indexes() []entity.Index   { return []entity.Index{ix("i", 1, "", "b")} }
