package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/tenantrepo/tenantrepo/backend"
)

// ErrTableMismatch reports an existing table whose key schema is not the one
// the backend needs: a string hash key "PK" and a string range key "SK".
var ErrTableMismatch = errors.New("dynamodb: table does not have the key schema PK (S, HASH), SK (S, RANGE)")

// mapError turns an error of the SDK into the error a backend returns: the
// context's error when ctx is done, else "dynamodb: <op>: " and the kind of
// package backend it is, if any, wrapping the SDK's error as well.
func mapError(ctx context.Context, op string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	if kind := kindOf(err); kind != nil {
		return fmt.Errorf("dynamodb: %s: %w: %w", op, kind, err)
	}
	return fmt.Errorf("dynamodb: %s: %w", op, err)
}

// kindOf returns the error kind of package backend that err is, or nil.
func kindOf(err error) error {
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return backend.ErrConditionFailed
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
	switch apiErr.ErrorCode() {
	case "ProvisionedThroughputExceededException", "RequestLimitExceeded", "ThrottlingException":
		// The SDK retries these; one that reaches us has spent its retries.
		return backend.ErrThrottled
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
