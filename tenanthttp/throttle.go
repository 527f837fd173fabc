package tenanthttp

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/tenantrepo/tenantrepo/backend"
)

// DefaultRetryAfter is the Retry-After that RetryAfter gives a throttle
// that does not say how long to wait (DynamoDB's own throttles do not).
const DefaultRetryAfter = time.Second

// maxRetryAfterSeconds caps the Retry-After written: a day.
const maxRetryAfterSeconds = 24 * 60 * 60

// RetryAfter returns the value of the Retry-After header for an error that
// is a throttle (errors.Is backend.ErrThrottled, which repo.ErrThrottled
// errors are when they come from a backend): the wait its
// *backend.ThrottledError carries (a limiter's refusal of a tenant over its
// limits, package limit) in whole seconds rounded up, at least 1 and at
// most a day; DefaultRetryAfter when it carries none. It returns false for
// an error that is not a throttle.
func RetryAfter(err error) (string, bool) {
	if !errors.Is(err, backend.ErrThrottled) {
		return "", false
	}
	wait := DefaultRetryAfter
	var te *backend.ThrottledError
	if errors.As(err, &te) && te != nil && te.RetryAfter > 0 {
		wait = te.RetryAfter
	}
	secs := math.Ceil(wait.Seconds())
	return strconv.Itoa(int(min(max(secs, 1), maxRetryAfterSeconds))), true
}

// WriteThrottled answers a throttle with 429 Too Many Requests, a
// Retry-After header (see RetryAfter) and a short fixed text body, and
// reports true; for any other error it writes nothing and reports false.
// A handler calls it with the error of a repository call before its own
// error handling.
func WriteThrottled(w http.ResponseWriter, err error) bool {
	v, ok := RetryAfter(err)
	if !ok {
		return false
	}
	w.Header().Set("Retry-After", v)
	http.Error(w, http.StatusText(http.StatusTooManyRequests), http.StatusTooManyRequests)
	return true
}
