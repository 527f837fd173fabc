package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	st "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/smithy-go"

	"github.com/tenantrepo/tenantrepo/backend"
)

// ErrTableMismatch reports an existing table whose key schema is not the one
// the backend needs, a string hash key "PK" and a string range key "SK", or
// that has an index of a slot the backend needs (Options.IndexSlots or
// Options.Indexes) whose key schema is
// not the string hash key GSI<n>PK and the string range key GSI<n>SK, or
// that does not project all attributes.
var ErrTableMismatch = errors.New("dynamodb: table does not have the key schema the backend needs")

// ErrTTLMismatch reports a table whose time to live is on another attribute
// than Options.TTLAttribute. DynamoDB allows one TTL attribute per table.
var ErrTTLMismatch = errors.New("dynamodb: table has time to live on another attribute")

// This file holds the mapping of every error DynamoDB and the SDK return to
// the kinds of package backend (backend.ErrorKind), which the repository
// passes on to its callers one for one: mapError and kindOf for the errors
// of requests, reasonKind for the cancellation reason of each action of a
// canceled transaction, and tableMissing, tableInUse and tableBusy for the
// errors the backend reads itself while it makes the table and its
// indexes. No other file of the module compares DynamoDB's error or
// cancellation codes.

// mapError turns an error of the SDK into the error a backend returns: the
// context's error when ctx is done, else "dynamodb: <op>: " and the kind of
// package backend it is, if any, wrapping the SDK's error as well. A failed
// condition is a *backend.ConditionFailedError and a canceled transaction a
// *backend.TxCanceledError, each with what DynamoDB returned.
func mapError(ctx context.Context, op string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	if kind := kindOf(err); kind != nil {
		return fmt.Errorf("dynamodb: %s: %w: %w", op, kind, err)
	}
	return fmt.Errorf("dynamodb: %s: %w", op, err)
}

// kindOf returns the error of package backend that err is, or nil.
func kindOf(err error) error {
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		// Item is set when the request asked for ALL_OLD and there was
		// an item.
		return &backend.ConditionFailedError{Item: nonEmpty(ccf.Item)}
	}
	var canceled *types.TransactionCanceledException
	if errors.As(err, &canceled) {
		reasons := make([]backend.TxReason, len(canceled.CancellationReasons))
		for i, r := range canceled.CancellationReasons {
			reasons[i] = backend.TxReason{
				Kind:    reasonKind(aws.ToString(r.Code)),
				Code:    aws.ToString(r.Code),
				Message: aws.ToString(r.Message),
				Item:    nonEmpty(r.Item),
			}
		}
		return &backend.TxCanceledError{Reasons: reasons}
	}
	var invalidParams smithy.InvalidParamsError
	if errors.As(err, &invalidParams) {
		// The SDK's own check of required parameters, before sending.
		return backend.ErrInvalidArgument
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return nil
	}
	switch code := apiErr.ErrorCode(); code {
	case "ProvisionedThroughputExceededException", "RequestLimitExceeded", "ThrottlingException",
		// The SDK retries TransactionInProgressException, a request
		// with the token of a transaction still under way, as it
		// retries throttling.
		"TransactionInProgressException":
		// The SDK retries these (retry.DefaultThrottleErrorCodes); one
		// that reaches us has spent its retries.
		return throttled(code, err)
	case "TransactionConflictException":
		// A single-item write or delete on an item that a transaction
		// was changing. The SDK does not retry it (it is in none of
		// the retry package's retryable or throttle codes), so it is
		// not throttling: the item was in use, as with a version
		// conflict.
		return backend.ErrConflict
	case "IdempotentParameterMismatchException":
		// A transaction token reused with other parameters (see
		// TransactWrite on DynamoDB Local's version of it).
		return backend.ErrInvalidArgument
	case "ValidationException":
		msg := strings.ToLower(apiErr.ErrorMessage())
		switch {
		case strings.Contains(msg, "starting key"), strings.Contains(msg, "exclusive start key"):
			// "The provided starting key is invalid: ...",
			// "The provided starting key is outside query boundaries
			// based on provided condition",
			// "Exclusive Start Key must have same size as table's key
			// schema".
			return backend.ErrInvalidStartKey
		case strings.Contains(msg, "does not have the specified index"):
			// "The table does not have the specified index: GSI3".
			return backend.ErrMissingIndex
		case strings.Contains(msg, "item size") && strings.Contains(msg, "exceeded"):
			// "Item size has exceeded the maximum allowed size" (put),
			// "Item size to update has exceeded the maximum allowed size"
			// (update).
			return backend.ErrItemTooLarge
		}
		return backend.ErrInvalidArgument
	}
	return nil
}

// throttled returns the *backend.ThrottledError of a throttling exception
// whose code is code: the reason from the first of the exception's
// ThrottlingReasons, named ResourceType+OperationType+LimitType
// (TableReadKeyRangeThroughputExceeded, IndexWriteAccountLimitExceeded,
// ...), with that reason as Code and its ARN as Resource; else, for an
// exception without reasons, the reason its code implies, with the code
// as Code.
func throttled(code string, err error) *backend.ThrottledError {
	var reasons []types.ThrottlingReason
	var pte *types.ProvisionedThroughputExceededException
	var rle *types.RequestLimitExceeded
	var te *types.ThrottlingException
	switch {
	case errors.As(err, &pte):
		reasons = pte.ThrottlingReasons
	case errors.As(err, &rle):
		reasons = rle.ThrottlingReasons
	case errors.As(err, &te):
		reasons = te.ThrottlingReasons
	}
	for _, r := range reasons {
		if reason := aws.ToString(r.Reason); reason != "" {
			return &backend.ThrottledError{Reason: throttleReason(reason), Code: reason, Resource: aws.ToString(r.Resource)}
		}
	}
	e := &backend.ThrottledError{Code: code}
	switch code {
	case "ProvisionedThroughputExceededException":
		e.Reason = backend.ThrottleProvisioned
	case "RequestLimitExceeded", "ThrottlingException":
		// RequestLimitExceeded: the account's throughput quota;
		// ThrottlingException without reasons: the rate of
		// control-plane requests (CreateTable, UpdateTable, ...).
		e.Reason = backend.ThrottleAccount
	}
	return e
}

// throttleReason maps one of DynamoDB's throttling reasons to its kind, by
// its limit type, the last part of its name.
func throttleReason(reason string) backend.ThrottleReason {
	switch {
	case strings.HasSuffix(reason, "KeyRangeThroughputExceeded"):
		return backend.ThrottleKeyRange
	case strings.HasSuffix(reason, "MaxOnDemandThroughputExceeded"):
		return backend.ThrottleOnDemandMax
	case strings.HasSuffix(reason, "ProvisionedThroughputExceeded"):
		return backend.ThrottleProvisioned
	case strings.HasSuffix(reason, "AccountLimitExceeded"):
		return backend.ThrottleAccount
	}
	return backend.ThrottleUnknown
}

// reasonKind maps DynamoDB's cancellation code of one action of a canceled
// transaction to its kind. A code DynamoDB documents and the SDK does not
// retry past (ValidationError, ItemCollectionSizeLimitExceeded, ...) and a
// code of no kind here are invalid arguments.
func reasonKind(code string) backend.ErrorKind {
	switch code {
	case "", "None":
		return backend.KindNone
	case "ConditionalCheckFailed":
		return backend.KindConditionFailed
	case "TransactionConflict":
		// The action's item was being changed by another transaction.
		return backend.KindConflict
	case "ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded":
		return backend.KindThrottled
	default: // ValidationError, ItemCollectionSizeLimitExceeded, ...
		return backend.KindInvalidArgument
	}
}

// tableMissing reports whether err is DynamoDB's answer to a request on a
// table that does not exist (ResourceNotFoundException).
func tableMissing(err error) bool {
	var notFound *types.ResourceNotFoundException
	return errors.As(err, &notFound)
}

// tableInUse reports whether a CreateTable failed because the table exists
// or is being made (ResourceInUseException).
func tableInUse(err error) bool {
	var inUse *types.ResourceInUseException
	return errors.As(err, &inUse)
}

// tableBusy reports whether an UpdateTable failed because the table or its
// indexes are being changed, or the index exists already: what another
// caller adding the same index meanwhile causes.
func tableBusy(err error) bool {
	var limit *types.LimitExceededException
	if tableInUse(err) || errors.As(err, &limit) {
		return true
	}
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode() == "ValidationException" &&
		strings.Contains(strings.ToLower(apiErr.ErrorMessage()), "already exists")
}

// nonEmpty returns item, or nil when it has no attributes.
func nonEmpty(item map[string]types.AttributeValue) map[string]types.AttributeValue {
	if len(item) == 0 {
		return nil
	}
	return item
}

// mapStreamsError turns an error of the DynamoDB Streams client into the
// error the change feed returns: the context's error when ctx is done;
// backend.ErrTrimmed for TrimmedDataAccessException (the position is
// older than the stream keeps); backend.ErrThrottled for
// LimitExceededException and throttling after the SDK's retries;
// backend.ErrNoChangeFeed for a stream or shard that is not found;
// backend.ErrInvalidCheckpoint for a sequence number the stream refuses
// (ValidationException); else the error as it is.
func mapStreamsError(ctx context.Context, op string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	var limit *st.LimitExceededException
	var apiErr smithy.APIError
	switch {
	case streamTrimmed(err):
		return fmt.Errorf("dynamodb: %s: %w: %w", op, backend.ErrTrimmed, err)
	case errors.As(err, &limit):
		return fmt.Errorf("dynamodb: %s: %w: %w", op, backend.ErrThrottled, err)
	case streamMissing(err):
		return fmt.Errorf("dynamodb: %s: %w: %w", op, backend.ErrNoChangeFeed, err)
	case errors.As(err, &apiErr) && apiErr.ErrorCode() == "ThrottlingException":
		return fmt.Errorf("dynamodb: %s: %w: %w", op, backend.ErrThrottled, err)
	case errors.As(err, &apiErr) && apiErr.ErrorCode() == "ValidationException":
		return fmt.Errorf("dynamodb: %s: %w: %w", op, backend.ErrInvalidCheckpoint, err)
	}
	return fmt.Errorf("dynamodb: %s: %w", op, err)
}

// streamTrimmed reports a position older than the stream keeps
// (TrimmedDataAccessException).
func streamTrimmed(err error) bool {
	var trimmed *st.TrimmedDataAccessException
	return errors.As(err, &trimmed)
}

// iteratorExpired reports a shard iterator used after its 15 minutes
// (ExpiredIteratorException).
func iteratorExpired(err error) bool {
	var expired *st.ExpiredIteratorException
	return errors.As(err, &expired)
}

// streamMissing reports a stream or shard that does not exist
// (ResourceNotFoundException of DynamoDB Streams).
func streamMissing(err error) bool {
	var notFound *st.ResourceNotFoundException
	return errors.As(err, &notFound)
}
