// Package dynamodb is the backend that stores items in an Amazon DynamoDB
// table, through the AWS SDK for Go v2.
//
// The table has a string partition key "PK" and a string sort key "SK", and
// nothing else is required of it: EnsureTable creates such a table when it
// is missing (on-demand capacity unless Options ask for provisioned
// throughput) and checks the key schema of one that exists.
//
// The package never loads AWS configuration: the application builds the
// client, usually a *dynamodb.Client from the SDK, and hands it to New. Any
// value with the methods of API will do, such as a wrapper that adds
// metrics or a fake in tests.
//
//	client := dynamodb.NewFromConfig(cfg) // the SDK's package
//	b, err := ddbbackend.New(client, "app-data")
//	if err != nil { ... }
//	if err := b.EnsureTable(ctx); err != nil { ... }
//
// # Requests
//
// Every condition, key condition and update expression is built with the
// SDK's expression package, so attribute names travel as expression names
// and values as expression values; nothing is spliced into expression text.
// Attribute names may hold any characters, including '.' and '['.
//
// # Paging
//
// Query passes the page's Limit and start key to DynamoDB as they are and
// returns DynamoDB's LastEvaluatedKey as LastKey, so a page that stops at its
// Limit or at 1 MB of item data has a LastKey even when nothing follows, and
// a start key outside the key condition is refused with
// backend.ErrInvalidStartKey.
//
// # Errors
//
// Errors wrap the kinds of package backend and, after them, the SDK's error,
// so both errors.Is(err, backend.ErrConditionFailed) and errors.As(err,
// &ccf) with a *types.ConditionalCheckFailedException work:
//
//   - ConditionalCheckFailedException: backend.ErrConditionFailed
//   - ProvisionedThroughputExceededException, RequestLimitExceeded and
//     ThrottlingException, once the SDK's retries are spent:
//     backend.ErrThrottled
//   - ValidationException about the query's starting key:
//     backend.ErrInvalidStartKey
//   - ValidationException about the item size: backend.ErrItemTooLarge
//   - any other ValidationException, and requests the SDK rejects before
//     sending them: backend.ErrInvalidArgument
//
// When the context is done, the context's error is returned as it is.
package dynamodb
