// Package isnil tells a nil interface from one that holds a nil pointer,
// for the constructors and bulk operations that refuse a nil backend,
// client or reader with a typed error rather than panic at its first use.
package isnil
