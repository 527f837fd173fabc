// Package thirdparty is an application module outside tenantrepo: it defines
// its own entity type and its own backend, and uses tenantrepo only through
// its public packages, as any user would. `make test` runs its tests.
package thirdparty
