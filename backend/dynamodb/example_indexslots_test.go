package dynamodb_test

import (
	"fmt"
	"log"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	dynamodbbackend "github.com/tenantrepo/tenantrepo/backend/dynamodb"
)

// The index slots a table needs: all five by default (DefaultIndexes),
// exactly those listed with WithIndexSlots, none with WithIndexSlots().
// New makes no request; EnsureTable creates these GSIs.
func ExampleWithIndexSlots() {
	client := dynamodb.NewFromConfig(aws.Config{Region: "us-east-1"})
	for _, opts := range [][]func(*dynamodbbackend.Options){
		nil,
		{dynamodbbackend.WithIndexSlots(1, 3)},
		{dynamodbbackend.WithIndexSlots()},
	} {
		b, err := dynamodbbackend.New(client, "app-data", opts...)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(b.IndexSlots())
	}
	// Output:
	// GSI1, GSI2, GSI3, GSI4, GSI5
	// GSI1, GSI3
	// no index
}
