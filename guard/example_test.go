package guard_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/guard"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// noNetwork is a transport that fails every request: the example shows
// the guard refusing before anything is sent.
type noNetwork struct{}

func (noNetwork) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("sent")
}

func ExampleInstall() {
	cfg := aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("id", "secret", ""),
		BaseEndpoint: aws.String("http://127.0.0.1:8000"),
		HTTPClient:   &http.Client{Transport: noNetwork{}},
	}
	client := dynamodb.NewFromConfig(cfg, guard.Install)

	// Code serving tenant acme reads an item of tenant acme-corp.
	ctx := tenantctx.MustWithTenant(context.Background(), "acme")
	_, err := client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String("app"),
		Key: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: "tenant#acme-corp"},
			"SK": &types.AttributeValueMemberS{Value: "user#1"},
		},
	})
	var refused *guard.RefusedError
	if errors.As(err, &refused) {
		fmt.Println(errors.Is(err, guard.ErrRefused), refused.Operation, refused.Key)
	}

	// A scan needs the operator marker.
	_, err = client.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("app")})
	fmt.Println(errors.Is(err, guard.ErrRefused))

	// With no tenant and no operator marker, nothing passes.
	_, err = client.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String("app")})
	fmt.Println(errors.Is(err, guard.ErrRefused), errors.Is(err, tenantctx.ErrNoTenant))
	// Output:
	// true GetItem tenant#acme-corp
	// true
	// true true
}

func ExampleMiddleware() {
	cfg := aws.Config{Region: "us-east-1"}
	client := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, guard.Middleware)
	})
	_ = client
}
