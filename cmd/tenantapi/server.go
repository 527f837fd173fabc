package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"strconv"
	"time"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/examples/shop"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
	"github.com/tenantrepo/tenantrepo/tenanthttp"
)

// maxBody is the largest request body read.
const maxBody = 64 << 10

// maxLimit is the largest page size a list accepts.
const maxLimit = 1000

// api serves the shop's operations for the tenant in the request context.
type api struct {
	users  *repo.Repository[shop.User]
	orders *repo.Repository[shop.Order]
	now    func() time.Time
	log    *log.Logger
}

// userJSON is a user on the wire.
type userJSON struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// orderJSON is an order on the wire.
type orderJSON struct {
	ID        string `json:"id"`
	UserID    string `json:"user_id"`
	Amount    int64  `json:"amount"`
	CreatedAt string `json:"created_at,omitempty"`
}

// pageJSON is a page of a list.
type pageJSON[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next,omitempty"`
}

// newHandler returns the service on b: every route behind the tenant
// middleware with verify, so that no handler runs without a verified
// tenant in its context.
func newHandler(b backend.Backend, verify tenanthttp.Verifier, logger *log.Logger) (http.Handler, error) {
	users, err := repo.New[shop.User](b)
	if err != nil {
		return nil, err
	}
	orders, err := repo.New[shop.Order](b)
	if err != nil {
		return nil, err
	}
	if logger == nil {
		logger = log.New(io.Discard, "", 0)
	}
	a := &api{users: users, orders: orders, now: time.Now, log: logger}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /users", a.addUser)
	mux.HandleFunc("GET /users/{id}", a.getUser)
	mux.HandleFunc("GET /users/{id}/orders", a.ordersOfUser)
	mux.HandleFunc("POST /orders", a.addOrder)
	mux.HandleFunc("GET /orders", a.listOrders)
	return tenanthttp.Middleware(verify, func(o *tenanthttp.Options) {
		o.Realm = "tenantapi"
		o.OnError = func(_ http.ResponseWriter, r *http.Request, status int, err error) {
			logger.Printf("%s %s: %d: %v", r.Method, r.URL.Path, status, err)
		}
	})(mux), nil
}

// errBadRequest reports input the service itself refuses: bad JSON,
// unknown fields or query parameters, a bad limit.
var errBadRequest = errors.New("bad request")

// errUnknownUser reports an order for a user the tenant does not have.
var errUnknownUser = errors.New("no such user")

func (a *api) addUser(w http.ResponseWriter, r *http.Request) {
	var in userJSON
	if err := readJSON(w, r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	if err := noQuery(r); err != nil {
		a.fail(w, r, err)
		return
	}
	u, err := a.users.Create(r.Context(), shop.User{ID: in.ID, Name: in.Name, Email: in.Email})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, userJSON(u))
}

func (a *api) getUser(w http.ResponseWriter, r *http.Request) {
	if err := noQuery(r); err != nil {
		a.fail(w, r, err)
		return
	}
	u, err := a.users.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, userJSON(u))
}

func (a *api) addOrder(w http.ResponseWriter, r *http.Request) {
	var in orderJSON
	if err := readJSON(w, r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	if err := noQuery(r); err != nil {
		a.fail(w, r, err)
		return
	}
	if in.CreatedAt != "" {
		a.fail(w, r, fmt.Errorf("%w: created_at is set by the service", errBadRequest))
		return
	}
	// The user must be the tenant's: an order names a user of its own
	// tenant, never an ID seen elsewhere.
	if _, err := a.users.Get(r.Context(), in.UserID); err != nil {
		if errors.Is(err, repo.ErrNotFound) {
			err = fmt.Errorf("%w: user_id %q", errUnknownUser, in.UserID)
		}
		a.fail(w, r, err)
		return
	}
	o, err := a.orders.Create(r.Context(), shop.Order{
		ID: in.ID, UserID: in.UserID, Amount: in.Amount, CreatedAt: shop.Timestamp(a.now()),
	})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, orderJSON(o))
}

func (a *api) listOrders(w http.ResponseWriter, r *http.Request) {
	opts, err := pageOptions(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	page, err := a.orders.List(r.Context(), opts...)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ordersPage(page))
}

func (a *api) ordersOfUser(w http.ResponseWriter, r *http.Request) {
	opts, err := pageOptions(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	id := r.PathValue("id")
	if _, err := a.users.Get(r.Context(), id); err != nil {
		a.fail(w, r, err)
		return
	}
	page, err := a.orders.Index(shop.ByUser).Query(r.Context(), id, append(opts, repo.WithDescending())...)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ordersPage(page))
}

func ordersPage(p repo.Page[shop.Order]) pageJSON[orderJSON] {
	out := pageJSON[orderJSON]{Items: make([]orderJSON, 0, len(p.Items)), Next: p.Next}
	for _, o := range p.Items {
		out.Items = append(out.Items, orderJSON(o))
	}
	return out
}

// pageOptions reads limit and cursor, the only query parameters a list
// takes.
func pageOptions(r *http.Request) ([]func(*repo.PageOptions), error) {
	q := r.URL.Query()
	var opts []func(*repo.PageOptions)
	for name, vals := range q {
		if len(vals) != 1 {
			return nil, fmt.Errorf("%w: query parameter %q given %d times", errBadRequest, name, len(vals))
		}
		switch name {
		case "limit":
			n, err := strconv.Atoi(vals[0])
			if err != nil || n < 1 || n > maxLimit {
				return nil, fmt.Errorf("%w: limit must be 1..%d", errBadRequest, maxLimit)
			}
			opts = append(opts, repo.WithLimit(n))
		case "cursor":
			opts = append(opts, repo.WithCursor(vals[0]))
		default:
			return nil, fmt.Errorf("%w: unknown query parameter %q", errBadRequest, name)
		}
	}
	return opts, nil
}

// noQuery refuses query parameters on routes that take none, so that a
// "?tenant=" is an error rather than silently ignored.
func noQuery(r *http.Request) error {
	if r.URL.RawQuery != "" {
		return fmt.Errorf("%w: this route takes no query parameters", errBadRequest)
	}
	return nil
}

// readJSON decodes the body, one JSON object of known fields, into v.
func readJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return fmt.Errorf("%w: body over %d bytes", errBadRequest, maxBody)
		}
		return fmt.Errorf("%w: body: %v", errBadRequest, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: body: more than one JSON value", errBadRequest)
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// statusOf maps an error to its status code:
//
//	repo.ErrNotFound                                   404
//	repo.ErrAlreadyExists, repo.ErrConflict            409
//	repo.ErrConditionFailed                            412
//	repo.ErrItemTooLarge                               413
//	repo.ErrThrottled                                  429 (with Retry-After)
//	repo.ErrInvalidArgument (and ErrUnknownIndex...),
//	repo.ErrInvalidID, repo.ErrInvalidCursor,
//	repo.ErrInvalidTenant, bad JSON or query, an
//	order for a user the tenant lacks                  400
//	repo.ErrNoTenant                                   401
//	anything else                                      500
//
// A version conflict (someone changed the entity since it was read) is 409
// Conflict, as the client should read again; a failed WithCondition is 412
// Precondition Failed, as the client's stated precondition did not hold.
func statusOf(err error) int {
	switch {
	case errors.Is(err, repo.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, repo.ErrAlreadyExists), errors.Is(err, repo.ErrConflict):
		return http.StatusConflict
	case errors.Is(err, repo.ErrConditionFailed):
		return http.StatusPreconditionFailed
	case errors.Is(err, repo.ErrItemTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, repo.ErrThrottled):
		return http.StatusTooManyRequests
	case errors.Is(err, errBadRequest), errors.Is(err, errUnknownUser),
		errors.Is(err, repo.ErrInvalidArgument), errors.Is(err, repo.ErrInvalidID),
		errors.Is(err, repo.ErrInvalidCursor), errors.Is(err, repo.ErrInvalidTenant):
		return http.StatusBadRequest
	case errors.Is(err, tenantctx.ErrNoTenant):
		return http.StatusUnauthorized
	}
	return http.StatusInternalServerError
}

// fail answers with err's status and a JSON body {"error": "..."}: the
// error's text for a client error, a fixed text for a server error (which
// is logged).
func (a *api) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(err)
	msg := err.Error()
	if status >= 500 {
		a.log.Printf("%s %s: %v", r.Method, r.URL.Path, err)
		msg = http.StatusText(status)
	}
	if status == http.StatusTooManyRequests {
		// The limiter's wait (-tenant-rps, -tenant-units) rounded up to
		// seconds, or 1 s for DynamoDB's own throttling.
		if v, ok := tenanthttp.RetryAfter(err); ok {
			w.Header().Set("Retry-After", v)
		} else {
			w.Header().Set("Retry-After", "1")
		}
	}
	writeJSON(w, status, map[string]string{"error": msg})
}
