// Package wait holds the waits of the packages that retry (ops, route,
// move): a sleep that ends with its context, and the backoff before
// sending a batch's unprocessed items again.
package wait
