package dynamodb_test

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
)

// TestThrottlingReasons checks that DynamoDB's throttling exceptions, with
// their ThrottlingReasons (reason and resource ARN) or without, come back
// as *backend.ThrottledError of the right reason, after the SDK's retries,
// through a fake DynamoDB that answers every request with the exception.
func TestThrottlingReasons(t *testing.T) {
	t.Parallel()
	const tableARN = "arn:aws:dynamodb:us-east-1:123456789012:table/table"
	const indexARN = tableARN + "/index/GSI1"
	for _, tc := range []struct {
		exception, reasons string
		want               backend.ThrottledError
	}{
		{"ProvisionedThroughputExceededException", `[{"reason": "TableReadKeyRangeThroughputExceeded", "resource": "` + tableARN + `"}]`,
			backend.ThrottledError{Reason: backend.ThrottleKeyRange, Code: "TableReadKeyRangeThroughputExceeded", Resource: tableARN}},
		{"ProvisionedThroughputExceededException", `[{"reason": "IndexWriteKeyRangeThroughputExceeded", "resource": "` + indexARN + `"}]`,
			backend.ThrottledError{Reason: backend.ThrottleKeyRange, Code: "IndexWriteKeyRangeThroughputExceeded", Resource: indexARN}},
		{"ProvisionedThroughputExceededException", `[{"reason": "IndexWriteProvisionedThroughputExceeded", "resource": "` + indexARN + `"}]`,
			backend.ThrottledError{Reason: backend.ThrottleProvisioned, Code: "IndexWriteProvisionedThroughputExceeded", Resource: indexARN}},
		{"ProvisionedThroughputExceededException", `[{"reason": "TableReadProvisionedThroughputExceeded", "resource": "` + tableARN + `"},
			{"reason": "IndexReadProvisionedThroughputExceeded", "resource": "` + indexARN + `"}]`,
			backend.ThrottledError{Reason: backend.ThrottleProvisioned, Code: "TableReadProvisionedThroughputExceeded", Resource: tableARN}},
		{"ThrottlingException", `[{"reason": "TableWriteMaxOnDemandThroughputExceeded", "resource": "` + tableARN + `"}]`,
			backend.ThrottledError{Reason: backend.ThrottleOnDemandMax, Code: "TableWriteMaxOnDemandThroughputExceeded", Resource: tableARN}},
		{"ThrottlingException", `[{"reason": "IndexReadMaxOnDemandThroughputExceeded", "resource": "` + indexARN + `"}]`,
			backend.ThrottledError{Reason: backend.ThrottleOnDemandMax, Code: "IndexReadMaxOnDemandThroughputExceeded", Resource: indexARN}},
		{"RequestLimitExceeded", `[{"reason": "TableWriteAccountLimitExceeded", "resource": "` + tableARN + `"}]`,
			backend.ThrottledError{Reason: backend.ThrottleAccount, Code: "TableWriteAccountLimitExceeded", Resource: tableARN}},
		{"ThrottlingException", `[{"reason": "IndexWriteAccountLimitExceeded", "resource": "` + indexARN + `"}]`,
			backend.ThrottledError{Reason: backend.ThrottleAccount, Code: "IndexWriteAccountLimitExceeded", Resource: indexARN}},
		{"ThrottlingException", `[{"reason": "TableWriteSomethingNew", "resource": "` + tableARN + `"}]`,
			backend.ThrottledError{Reason: backend.ThrottleUnknown, Code: "TableWriteSomethingNew", Resource: tableARN}},
		// Without reasons: what the exception implies.
		{"ProvisionedThroughputExceededException", "",
			backend.ThrottledError{Reason: backend.ThrottleProvisioned, Code: "ProvisionedThroughputExceededException"}},
		{"RequestLimitExceeded", "",
			backend.ThrottledError{Reason: backend.ThrottleAccount, Code: "RequestLimitExceeded"}},
		{"ThrottlingException", "",
			backend.ThrottledError{Reason: backend.ThrottleAccount, Code: "ThrottlingException"}},
		{"TransactionInProgressException", "",
			backend.ThrottledError{Reason: backend.ThrottleUnknown, Code: "TransactionInProgressException"}},
		// A reason that is empty is skipped.
		{"ProvisionedThroughputExceededException", `[{"reason": ""}]`,
			backend.ThrottledError{Reason: backend.ThrottleProvisioned, Code: "ProvisionedThroughputExceededException"}},
	} {
		t.Run(tc.want.Code, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int32
			b, _ := fakeBackend(t, func(op string, _ map[string]any) (int, string) {
				calls.Add(1)
				body := fmt.Sprintf(`{"__type": "com.amazonaws.dynamodb.v20120810#%s", "message": "throttled"`, tc.exception)
				if tc.reasons != "" {
					// The model names the member ThrottlingReasons in
					// two exceptions and throttlingReasons in the third.
					member := "ThrottlingReasons"
					if tc.exception == "ThrottlingException" {
						member = "throttlingReasons"
					}
					body += `, "` + member + `": ` + tc.reasons
				}
				return http.StatusBadRequest, body + "}"
			})
			_, err := b.Get(t.Context(), backend.GetInput{Key: key(pk, "a#1")})
			require.ErrorIs(t, err, backend.ErrThrottled)
			assert.Equal(t, backend.KindThrottled, backend.KindOf(err))
			var te *backend.ThrottledError
			require.ErrorAs(t, err, &te)
			assert.Equal(t, tc.want, *te)
			assert.Contains(t, err.Error(), tc.exception, "the SDK's error is kept")
			assert.EqualValues(t, 3, calls.Load(), "the SDK retried it (3 attempts in the fake client)")
		})
	}
}
