package conformance

import (
	"time"

	"github.com/tenantrepo/tenantrepo/entity"
)

// The entity types the suite stores. Their layouts are those other programs
// already write: a user's ID is in user_id as well as in the sort key; an
// order's ID is only in the sort key.

// user is stored under the prefix "user".
type user struct {
	ID     string            `dynamodbav:"user_id"`
	Name   string            `dynamodbav:"user_name"`
	Email  string            `dynamodbav:"user_email"`
	Age    int               `dynamodbav:"user_age,omitempty"`
	Tags   []string          `dynamodbav:"user_tags,omitempty"`
	Attrs  map[string]string `dynamodbav:"user_attrs,omitempty"`
	Orders int               `dynamodbav:"order_count,omitempty"`
}

func (user) EntityPrefix() string     { return "user" }
func (u user) EntityID() string       { return u.ID }
func (u *user) SetEntityID(id string) { u.ID = id }

// account shares the beginning of its prefix with user ("users" starts with
// "user"), to show the two never see each other's items.
type account struct {
	ID   string `dynamodbav:"account_id"`
	Name string `dynamodbav:"account_name"`
}

func (account) EntityPrefix() string     { return "users" }
func (a account) EntityID() string       { return a.ID }
func (a *account) SetEntityID(id string) { a.ID = id }

// order keeps its ID only in the sort key.
type order struct {
	ID     string `dynamodbav:"-"`
	UserID string `dynamodbav:"user_id"`
	Amount int64  `dynamodbav:"order_amount"`
}

func (order) EntityPrefix() string     { return "order" }
func (o order) EntityID() string       { return o.ID }
func (o *order) SetEntityID(id string) { o.ID = id }

// blob carries a payload of a chosen size.
type blob struct {
	ID   string `dynamodbav:"id"`
	Data []byte `dynamodbav:"data"`
}

func (blob) EntityPrefix() string     { return "blob" }
func (b blob) EntityID() string       { return b.ID }
func (b *blob) SetEntityID(id string) { b.ID = id }

// fixedID cannot be given an ID: it has no SetEntityID.
type fixedID struct {
	Key string `dynamodbav:"key"`
}

func (fixedID) EntityPrefix() string { return "fixed" }
func (f fixedID) EntityID() string   { return f.Key }

// userImpostor claims user's prefix from another type.
type userImpostor struct {
	ID string `dynamodbav:"id"`
}

func (userImpostor) EntityPrefix() string { return "user" }
func (u userImpostor) EntityID() string   { return u.ID }

// keyClash declares an attribute the library owns.
type keyClash struct {
	ID string `dynamodbav:"PK"`
}

func (keyClash) EntityPrefix() string { return "clash" }
func (k keyClash) EntityID() string   { return k.ID }

// badPrefix has a prefix with the key separator in it.
type badPrefix struct{ ID string }

func (badPrefix) EntityPrefix() string { return "a#b" }
func (b badPrefix) EntityID() string   { return b.ID }

// unsupported has a field attributevalue cannot encode.
type unsupported struct {
	ID string        `dynamodbav:"id"`
	Fn func() string `dynamodbav:"fn"`
}

func (unsupported) EntityPrefix() string { return "unsupported" }
func (u unsupported) EntityID() string   { return u.ID }

// counter is versioned: writes from stale copies fail.
type counter struct {
	ID      string `dynamodbav:"id"`
	Count   int64  `dynamodbav:"count"`
	Version int64  `dynamodbav:"version"`
}

func (counter) EntityPrefix() string     { return "counter" }
func (c counter) EntityID() string       { return c.ID }
func (c *counter) SetEntityID(id string) { c.ID = id }
func (counter) VersionAttribute() string { return "version" }

// session expires.
type session struct {
	ID        string    `dynamodbav:"id"`
	Data      string    `dynamodbav:"data"`
	ExpiresAt time.Time `dynamodbav:"expires_at,unixtime,omitempty"`
}

func (session) EntityPrefix() string     { return "session" }
func (s session) EntityID() string       { return s.ID }
func (s *session) SetEntityID(id string) { s.ID = id }
func (session) ExpiryAttribute() string  { return "expires_at" }

// ticket has two secondary indexes: by user and by status, both sorted by
// creation time.
type ticket struct {
	ID        string `dynamodbav:"-"`
	UserID    string `dynamodbav:"user_id,omitempty"`
	CreatedAt string `dynamodbav:"created_at,omitempty"`
	Status    string `dynamodbav:"status,omitempty"`
}

func (ticket) EntityPrefix() string     { return "ticket" }
func (t ticket) EntityID() string       { return t.ID }
func (t *ticket) SetEntityID(id string) { t.ID = id }
func (ticket) Indexes() []entity.Index {
	return []entity.Index{
		{Name: "by-user", Slot: 1, PartitionAttr: "user_id", SortAttr: "created_at"},
		{Name: "by-status", Slot: 2, PartitionAttr: "status", SortAttr: "created_at"},
	}
}

// note uses the same slot and index name as ticket, over the same values.
type note struct {
	ID        string `dynamodbav:"-"`
	UserID    string `dynamodbav:"user_id"`
	CreatedAt string `dynamodbav:"created_at"`
}

func (note) EntityPrefix() string     { return "note" }
func (n note) EntityID() string       { return n.ID }
func (n *note) SetEntityID(id string) { n.ID = id }
func (note) Indexes() []entity.Index {
	return []entity.Index{{Name: "by-user", Slot: 1, PartitionAttr: "user_id", SortAttr: "created_at"}}
}

// badIndex declares an index on an attribute it does not have.
type badIndex struct {
	ID string `dynamodbav:"id"`
}

func (badIndex) EntityPrefix() string { return "badindex" }
func (b badIndex) EntityID() string   { return b.ID }
func (badIndex) Indexes() []entity.Index {
	return []entity.Index{{Name: "x", Slot: 1, PartitionAttr: "nope", SortAttr: "id"}}
}

// numIndex indexes a number, which DynamoDB index keys here cannot hold.
type numIndex struct {
	ID    string `dynamodbav:"id"`
	Owner string `dynamodbav:"owner"`
	Rank  int    `dynamodbav:"rank"`
}

func (numIndex) EntityPrefix() string { return "numindex" }
func (n numIndex) EntityID() string   { return n.ID }
func (numIndex) Indexes() []entity.Index {
	return []entity.Index{{Name: "by-owner", Slot: 3, PartitionAttr: "owner", SortAttr: "rank"}}
}
