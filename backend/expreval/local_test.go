package expreval_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
)

// TestRecordedOnDynamoDBLocal replays testdata/*.txt on DynamoDB Local,
// with the SDK and no backend in between, to check that the recorded
// outcomes are DynamoDB's: conditions as a ConditionCheck of
// TransactWriteItems, updates as UpdateItem with ReturnValues ALL_NEW. It
// is skipped without DYNAMODB_ENDPOINT:
//
//	scripts/dynamodb-local.sh with -- go test -run RecordedOnDynamoDBLocal ./backend/expreval/
//
// Cases recorded as unsupported are logged with what DynamoDB Local does.
func TestRecordedOnDynamoDBLocal(t *testing.T) {
	b := dynamotest.NewTable(t)
	client := dynamotest.Client(t)
	table := aws.String(b.Table())
	k := map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: "p"},
		"SK": &types.AttributeValueMemberS{Value: "a"},
	}
	ctx := t.Context()
	for _, file := range []string{"testdata/conditions.txt", "testdata/updates.txt"} {
		for _, c := range loadCases(t, file) {
			t.Run(fmt.Sprintf("%s:%d", file, c.line), func(t *testing.T) {
				if _, err := client.DeleteItem(ctx, &ddb.DeleteItemInput{TableName: table, Key: k}); err != nil {
					t.Fatal(err)
				}
				if c.item != nil {
					if _, err := client.PutItem(ctx, &ddb.PutItemInput{TableName: table, Item: c.item}); err != nil {
						t.Fatal(err)
					}
				}
				var names map[string]string
				if len(c.names) > 0 {
					names = c.names
				}
				var got string
				switch c.kind {
				case "cond":
					_, err := client.TransactWriteItems(ctx, &ddb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{{
						ConditionCheck: &types.ConditionCheck{
							TableName: table, Key: k, ConditionExpression: aws.String(c.expr),
							ExpressionAttributeNames: names, ExpressionAttributeValues: c.values,
						},
					}}})
					got = localOutcome(err, "true")
				case "update":
					out, err := client.UpdateItem(ctx, &ddb.UpdateItemInput{
						TableName: table, Key: k, UpdateExpression: aws.String(c.expr),
						ExpressionAttributeNames: names, ExpressionAttributeValues: c.values,
						ReturnValues: types.ReturnValueAllNew,
					})
					got = localOutcome(err, "")
					if err == nil {
						got = renderItem(out.Attributes)
					}
				}
				want := c.want
				if strings.HasPrefix(want, "{") {
					want = renderItem(jsonItem(t, want))
				}
				if want == "unsupported" {
					t.Logf("%s: not supported by the memory backend; DynamoDB Local: %s", c.expr, got)
					return
				}
				if got != want {
					t.Errorf("%s\nDynamoDB Local: %s\nrecorded:       %s", c.expr, got, want)
				}
			})
		}
	}
}

// localOutcome names the outcome of a request as the testdata files do.
func localOutcome(err error, ok string) string {
	if err == nil {
		return ok
	}
	var canceled *types.TransactionCanceledException
	if errors.As(err, &canceled) && len(canceled.CancellationReasons) == 1 &&
		aws.ToString(canceled.CancellationReasons[0].Code) == "ConditionalCheckFailed" {
		return "false"
	}
	var api smithy.APIError
	if errors.As(err, &api) && api.ErrorCode() == "ValidationException" {
		return "invalid"
	}
	return "error: " + err.Error()
}
