// Package repo gives typed, tenant-scoped repositories over one shared
// DynamoDB-style table.
//
// A Repository[T] stores the entities of one type for whichever tenant the
// context of each call names (see package tenantctx). It builds every key,
// checks every input, encodes entities with attributevalue and signs every
// cursor, once, for every backend: backends only store items.
//
// # Entities
//
// An entity type is a struct with two methods (package entity): a constant
// sort-key prefix and its ID. Fields are encoded by attributevalue, so
// `dynamodbav` tags name the attributes; the key attributes PK and SK belong
// to the library and an entity does not declare them.
//
//	type User struct {
//		ID    string `dynamodbav:"user_id"`
//		Name  string `dynamodbav:"user_name"`
//		Email string `dynamodbav:"user_email"`
//	}
//
//	func (User) EntityPrefix() string     { return "user" }
//	func (u User) EntityID() string       { return u.ID }
//	func (u *User) SetEntityID(id string) { u.ID = id }
//
// A user of tenant acme with ID 42 is stored at PK "tenant#acme", SK
// "user#42", so data other programs wrote in that layout reads back.
//
// Reads fill each field from the attribute of exactly its name (DynamoDB's
// names are case-sensitive; attributevalue alone would also match names
// in another case), so the library's attributes never reach a field, even
// one tagged "pk". New refuses types attributevalue could store but not
// read back without panicking (see New).
//
// # Operations
//
// Create, Get, Put, Update and Delete work on one entity; List, Query, All
// and QueryAll read pages of entities in sort-key order (UTF-8 bytes, as
// DynamoDB orders them), within the type and the tenant only. Pages hold at
// most PageOptions.Limit items (DefaultPageSize, at most MaxPageSize) and
// end with an opaque cursor, Page.Next, which works only for the tenant and
// type that made it. A type's secondary indexes (entity.Indexed) are read
// through a handle: Index(name).Query and Index(name).All.
//
// # Options
//
// Options take one form: functions over an options struct, applied in
// order. New takes func(*Options); reads take func(*ReadOptions) (Get,
// BatchGet) or func(*PageOptions) (List, Query, All, QueryAll, and an
// index's Query and All); writes take func(*WriteOptions). The key
// condition of a page is the Where option (Query also takes it as its
// argument), and ConsistentRead is one name for every read that can be
// consistent:
//
//	page, err := users.List(ctx, repo.Where(repo.BeginsWith("a")), repo.WithLimit(20), repo.ConsistentRead)
//	page, err = orders.Index("by-user").Query(ctx, userID, repo.Where(repo.GreaterThan("2026-11")))
//
// # Errors
//
// Every error wraps one of the sentinels in errors.go (ErrNotFound,
// ErrAlreadyExists, ErrNoTenant, ErrInvalidTenant, ErrInvalidID,
// ErrInvalidCursor, ErrItemTooLarge, ErrInvalidArgument, ...) or a context
// error, for errors.Is; messages start with "repo: " and say what failed.
// A call that returns an error has stored nothing, except one whose error
// wraps ErrApplied (with ErrDecode): its write was stored, and the stored
// entity did not decode (see ErrApplied and UpdateExpr).
package repo
