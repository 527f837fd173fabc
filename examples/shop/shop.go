package shop

import (
	"time"

	"github.com/tenantrepo/tenantrepo/entity"
)

// TimeLayout formats creation times: UTC, fixed width, so that the byte
// order of the strings is the order of the times.
const TimeLayout = "2006-01-02T15:04:05.000000000Z"

// Timestamp formats t with TimeLayout.
func Timestamp(t time.Time) string { return t.UTC().Format(TimeLayout) }

// User is a customer of one tenant.
type User struct {
	ID    string `dynamodbav:"user_id"`
	Name  string `dynamodbav:"user_name"`
	Email string `dynamodbav:"user_email"`
}

// EntityPrefix returns "user".
func (User) EntityPrefix() string { return "user" }

// EntityID returns the user's ID.
func (u User) EntityID() string { return u.ID }

// SetEntityID sets the user's ID.
func (u *User) SetEntityID(id string) { u.ID = id }

// Order is one purchase of a user.
type Order struct {
	ID        string `dynamodbav:"-"` // only in the sort key
	UserID    string `dynamodbav:"user_id"`
	Amount    int64  `dynamodbav:"order_amount"`
	CreatedAt string `dynamodbav:"created_at,omitempty"` // Timestamp
}

// ByUser is the index of a user's orders by creation time.
const ByUser = "by-user"

// Indexes declares ByUser: partition user_id, sorted by created_at. Orders
// without created_at (written by programs that do not set it) are not in it.
func (Order) Indexes() []entity.Index {
	return []entity.Index{{Name: ByUser, Slot: 1, PartitionAttr: "user_id", SortAttr: "created_at"}}
}

// EntityPrefix returns "order".
func (Order) EntityPrefix() string { return "order" }

// EntityID returns the order's ID.
func (o Order) EntityID() string { return o.ID }

// SetEntityID sets the order's ID.
func (o *Order) SetEntityID(id string) { o.ID = id }
