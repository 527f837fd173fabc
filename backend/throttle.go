package backend

import (
	"fmt"
	"time"
)

// ThrottleReason says why a request was throttled.
type ThrottleReason uint8

// The reasons. DynamoDB names its reasons in the ThrottlingReasons of its
// throttling exceptions; the DynamoDB backend maps them to these, and keeps
// DynamoDB's own words in ThrottledError.Code.
const (
	// ThrottleUnknown is a throttle whose reason the store did not say.
	ThrottleUnknown ThrottleReason = iota
	// ThrottleTenantLimit is a limiter's refusal of a tenant over its own
	// limit (package limit); nothing was sent to the store.
	ThrottleTenantLimit
	// ThrottleKeyRange is a hot partition: one key range of the table or
	// an index asked for more than a partition serves
	// (TableReadKeyRangeThroughputExceeded, IndexWriteKeyRangeThroughputExceeded, ...).
	ThrottleKeyRange
	// ThrottleProvisioned is the table's or an index's provisioned
	// throughput exceeded (TableReadProvisionedThroughputExceeded, ...).
	ThrottleProvisioned
	// ThrottleOnDemandMax is the maximum throughput set on an on-demand
	// table or index exceeded (TableReadMaxOnDemandThroughputExceeded, ...).
	ThrottleOnDemandMax
	// ThrottleAccount is an account-level limit (RequestLimitExceeded,
	// ThrottlingException for control-plane requests).
	ThrottleAccount
)

var throttleNames = [...]string{
	ThrottleUnknown:     "unknown",
	ThrottleTenantLimit: "tenant limit",
	ThrottleKeyRange:    "key range",
	ThrottleProvisioned: "provisioned throughput",
	ThrottleOnDemandMax: "on-demand maximum",
	ThrottleAccount:     "account limit",
}

func (r ThrottleReason) String() string {
	if int(r) < len(throttleNames) {
		return throttleNames[r]
	}
	return fmt.Sprintf("ThrottleReason(%d)", uint8(r))
}

// ThrottledError is the error of a request refused for throughput. It is
// errors.Is ErrThrottled, and KindOf says KindThrottled. A nil
// *ThrottledError in an error is a throttle of unknown reason that does
// not say how long to wait: its methods, and this module's readers of it
// (repo.RetryAfter, package tenanthttp, the observers), do not panic.
type ThrottledError struct {
	Reason ThrottleReason
	// Code is the store's own word for the reason (DynamoDB's
	// ThrottlingReason.reason, or its exception's code), "" when none.
	Code string
	// Resource is the table or index throttled (DynamoDB's ARN), "" when
	// not known.
	Resource string
	// Tenant is the tenant a limiter refused (ThrottleTenantLimit).
	Tenant string
	// RetryAfter is how long to wait before the request can succeed, when
	// known (a limiter knows it); 0 when not.
	RetryAfter time.Duration
}

// Error says why the request was throttled. A nil *ThrottledError (a
// custom backend's mistake) reads as a throttle of unknown reason.
func (e *ThrottledError) Error() string {
	if e == nil {
		return ErrThrottled.Error() + ": " + ThrottleUnknown.String()
	}
	msg := ErrThrottled.Error() + ": " + e.Reason.String()
	if e.Code != "" {
		msg += " (" + e.Code + ")"
	}
	if e.Tenant != "" {
		msg += fmt.Sprintf(" of tenant %q", e.Tenant)
	}
	if e.RetryAfter > 0 {
		msg += fmt.Sprintf(", retry after %v", e.RetryAfter)
	}
	return msg
}

// Is reports whether target is ErrThrottled.
func (e *ThrottledError) Is(target error) bool { return target == ErrThrottled }

// ErrorKind returns KindThrottled.
func (e *ThrottledError) ErrorKind() ErrorKind { return KindThrottled }
