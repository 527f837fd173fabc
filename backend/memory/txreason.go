package memory

import "github.com/tenantrepo/tenantrepo/backend"

// The cancellation reasons the memory backend gives a transaction's
// actions. Kind is what the repository reads; Code and Message are
// DynamoDB's words for the same reason, as DynamoDB Local gives them, for
// people (the conformance suite compares them with DynamoDB Local's).

// reasonNone is the reason of an action that was fine.
func reasonNone() backend.TxReason {
	return backend.TxReason{Kind: backend.KindNone, Code: "None"}
}

// reasonConditionFailed is the reason of an action whose condition failed;
// old is the item as it was, nil when there was none.
func reasonConditionFailed(old backend.Item) backend.TxReason {
	return backend.TxReason{Kind: backend.KindConditionFailed, Code: "ConditionalCheckFailed",
		Message: "The conditional request failed", Item: old}
}

// reasonInvalid is the reason of an action DynamoDB refuses as invalid,
// with DynamoDB's code and message.
func reasonInvalid(message string) backend.TxReason {
	return backend.TxReason{Kind: backend.KindInvalidArgument, Code: "ValidationError", Message: message}
}
