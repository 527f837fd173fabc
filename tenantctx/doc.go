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
package tenantctx
