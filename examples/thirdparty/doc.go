// Package thirdparty is an application module outside tenantrepo: it defines
// its own entity type (Note) and its own backend (Table, which keeps items in
// sorted partitions and evaluates expressions with package
// backend/expreval, without the memory backend), and uses tenantrepo only
// through its public packages, as any user would. Its tests run the
// conformance suite on Table; `make test` runs them.
package thirdparty
