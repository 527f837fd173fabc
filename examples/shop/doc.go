// Package shop holds the entity types of the demo: users and their orders,
// in the layout other programs of the shop already write.
//
// A user is stored with its ID in user_id as well as in the sort key
// ("user#<id>"); an order keeps its ID only in the sort key ("order#<id>")
// and holds user_id and a Number order_amount, and, when this package
// writes it, created_at, by which the index "by-user" sorts a user's
// orders.
package shop
