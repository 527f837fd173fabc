// Package testfixture holds what the module's tests share: the entity types
// that more than one test package stores, and the helpers that build raw
// backend items, keys and expressions for the tests that call a
// backend.Backend directly (the conformance suite's backend cases and
// backend/dynamodb's own tests).
//
// It is not a test file, so the tests of other packages, and the
// conformance package, can import it; it is internal, so it is no part of
// the module's API.
package testfixture
