// Package tenantctx carries the current tenant in a context.Context.
//
// Every repository call reads its tenant from the context it is given, never
// from a parameter, so code that handles one tenant's request cannot name
// another tenant by mistake. Put the tenant in once, where the request is
// authenticated (an HTTP middleware, say), and pass the context down:
//
//	ctx, err := tenantctx.WithTenant(r.Context(), claims.TenantID)
//	if err != nil {
//		http.Error(w, "bad tenant", http.StatusForbidden)
//		return
//	}
//
// # Validation
//
// Tenant IDs are checked when they enter a context: non-empty, valid UTF-8,
// no control characters, no '#' (the key separator), and at most
// entity.MaxTenantIDBytes bytes so the partition key "tenant#<id>" fits
// DynamoDB's limit. FromContext checks them again, by the same rules, since
// any context.Context implementation can answer the tenant key with a value
// of its own: a value that is not a valid tenant ID gives ErrInvalidTenant.
// A context without a tenant gives ErrNoTenant, never an empty ID.
//
// # Operators
//
// A few calls act across tenants for the operator of a table: listing its
// tenants, reindexing every tenant (package ops). They need a context
// marked with AsOperator, which takes a stated reason and is refused for a
// context that carries a tenant, so code serving a tenant's request cannot
// become an operator by passing its context on. Operator reads the mark
// back, refusing it when a tenant was added later or when the context
// answers keys it was never given.
package tenantctx
