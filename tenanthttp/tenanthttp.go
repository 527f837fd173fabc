package tenanthttp

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// Verifier verifies the identity a request carries and returns the tenant
// ID it proves. Any error means the identity is missing or not proved: the
// request is answered 401.
type Verifier func(*http.Request) (tenantID string, err error)

// ErrNoTenantClaim reports a verified identity that names no tenant: the
// Verifier returned "" without an error.
var ErrNoTenantClaim = errors.New("tenanthttp: the identity names no tenant")

// ErrNoCredentials is what a Verifier returns (wrapped or not) for a
// request that carries no identity at all; the 401's challenge then has no
// error attribute (RFC 6750, section 3.1), as a client that sent nothing
// is asked to authenticate rather than told its token is bad.
var ErrNoCredentials = errors.New("tenanthttp: no credentials in the request")

// Options tune Middleware.
type Options struct {
	// Realm is the realm of the WWW-Authenticate challenge of a 401;
	// default "tenantrepo".
	Realm string
	// Scheme is the authentication scheme of the challenge; default
	// "Bearer".
	Scheme string
	// OnError, when set, is told of every refused request: its status
	// (401 or 400) and the reason, for logging. It must not write to w's
	// body; Middleware writes the answer after it returns. It may add
	// headers.
	OnError func(w http.ResponseWriter, r *http.Request, status int, err error)
}

// Middleware returns a middleware that runs verify on each request and
// calls next with the tenant in the request's context, or answers 401 or
// 400 itself (see the package documentation). It panics if verify is nil,
// a programming error caught at start-up.
func Middleware(verify Verifier, optFns ...func(*Options)) func(http.Handler) http.Handler {
	if verify == nil {
		panic("tenanthttp: Middleware with a nil Verifier")
	}
	opts := Options{Realm: "tenantrepo", Scheme: "Bearer"}
	for _, fn := range optFns {
		fn(&opts)
	}
	challenge := fmt.Sprintf("%s realm=%q", opts.Scheme, strings.ReplaceAll(opts.Realm, `"`, ""))
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			refuse := func(status int, err error) {
				if opts.OnError != nil {
					opts.OnError(w, r, status, err)
				}
				if status == http.StatusUnauthorized {
					if errors.Is(err, ErrNoCredentials) {
						w.Header().Set("WWW-Authenticate", challenge)
					} else {
						w.Header().Set("WWW-Authenticate", challenge+`, error="invalid_token"`)
					}
				}
				http.Error(w, http.StatusText(status), status)
			}
			id, err := verify(r)
			if err == nil && id == "" {
				err = ErrNoTenantClaim
			}
			if err != nil {
				refuse(http.StatusUnauthorized, err)
				return
			}
			ctx, err := tenantctx.WithTenant(r.Context(), id)
			if err != nil {
				// WithTenant fails only with ErrInvalidTenant.
				refuse(http.StatusBadRequest, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}
