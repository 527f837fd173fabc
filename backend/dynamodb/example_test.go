package dynamodb_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"

	"github.com/tenantrepo/tenantrepo/backend"
	dynamodbbackend "github.com/tenantrepo/tenantrepo/backend/dynamodb"
)

// This example connects to DynamoDB Local on port 8000, as started by
// `scripts/dynamodb-local.sh run`. Against AWS, build the client from the
// configuration the application loads (config.LoadDefaultConfig) instead.
func ExampleNew() {
	ctx := context.Background()
	client := dynamodb.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint: aws.String("http://127.0.0.1:8000"),
	})

	b, err := dynamodbbackend.New(client, "app-data")
	if err != nil {
		log.Fatal(err)
	}
	if err := b.EnsureTable(ctx); err != nil {
		log.Fatal(err)
	}

	// Application code goes through package repo, which builds the
	// expressions; a backend is called directly only here, to show it.
	expr, err := expression.NewBuilder().
		WithCondition(expression.AttributeNotExists(expression.Name("PK"))).
		Build()
	if err != nil {
		log.Fatal(err)
	}
	err = b.Put(ctx, backend.PutInput{
		Item: backend.Item{
			"PK":   &types.AttributeValueMemberS{Value: "tenant#acme"},
			"SK":   &types.AttributeValueMemberS{Value: "user#42"},
			"name": &types.AttributeValueMemberS{Value: "Ada"},
		},
		Expr: backend.Expressions{
			Condition: *expr.Condition(),
			Names:     expr.Names(),
			Values:    expr.Values(),
		},
	})
	if errors.Is(err, backend.ErrConditionFailed) {
		fmt.Println("user#42 exists already")
	} else if err != nil {
		log.Fatal(err)
	}
}

// A backend with its change feed on: EnsureTable creates the table with a
// stream of new and old images (or turns it on), and the feed reads it
// through a DynamoDB Streams client of the same configuration. Package
// changefeed delivers its changes as typed events per tenant.
func ExampleOptions_changeFeed() {
	ctx := context.Background()
	cfg := aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint: aws.String("http://127.0.0.1:8000"),
	}
	b, err := dynamodbbackend.New(dynamodb.NewFromConfig(cfg), "app-data", func(o *dynamodbbackend.Options) {
		o.ChangeFeed = true
		o.Streams = dynamodbstreams.NewFromConfig(cfg)
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := b.EnsureTable(ctx); err != nil {
		log.Fatal(err)
	}
	out, err := b.ReadChanges(ctx, backend.ReadChangesInput{Limit: 100})
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range out.Changes {
		fmt.Println(c.Kind, c.Key.PK, c.Key.SK)
	}
	// out.Next is where the next read starts.
}
