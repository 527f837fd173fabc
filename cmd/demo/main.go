package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tenantrepo/tenantrepo/backend"
	dynamodbbackend "github.com/tenantrepo/tenantrepo/backend/dynamodb"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/internal/awsconfig"
)

func main() {
	endpoint := flag.String("dynamodb-endpoint", os.Getenv("DYNAMODB_ENDPOINT"),
		"DynamoDB endpoint, such as http://127.0.0.1:8000; empty runs on the in-memory backend")
	table := flag.String("table", "tenantrepo-demo", "DynamoDB table, created when missing")
	flag.Parse()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	b, err := open(ctx, *endpoint, *table)
	if err == nil {
		err = scenario(ctx, os.Stdout, b)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

// open returns the backend the demo runs on, and prints which.
func open(ctx context.Context, endpoint, table string) (backend.Backend, error) {
	if endpoint == "" {
		fmt.Println("backend: in-memory")
		return memory.New(), nil
	}
	fmt.Printf("backend: DynamoDB at %s, table %s\n", endpoint, table)
	b, err := dynamodbbackend.New(dynamodb.NewFromConfig(awsconfig.Static(endpoint)), table)
	if err != nil {
		return nil, err
	}
	if err := b.EnsureTable(ctx); err != nil {
		return nil, err
	}
	return b, nil
}
