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
