package tenantcreds_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	dynamodbbackend "github.com/tenantrepo/tenantrepo/backend/dynamodb"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantcreds"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// This example wires a Provider into a DynamoDB backend. cfg is the
// service's own configuration (config.LoadDefaultConfig); its credentials
// call STS and sign operator requests.
func ExampleProvider_DynamoDBOption() {
	var cfg aws.Config // from config.LoadDefaultConfig(ctx)

	p, err := tenantcreds.New(sts.NewFromConfig(cfg), "arn:aws:iam::123456789012:role/tenant-data",
		func(o *tenantcreds.Options) {
			o.Duration = time.Hour
			o.MaxTenants = 10000
			o.OperatorCredentials = cfg.Credentials
		})
	if err != nil {
		log.Fatal(err)
	}
	b, err := dynamodbbackend.New(dynamodb.NewFromConfig(cfg, p.DynamoDBOption()), "app-data")
	if err != nil {
		log.Fatal(err)
	}
	users := repo.MustNew[user](b)

	// Signed with acme's credentials, from STS on first use.
	ctx := tenantctx.MustWithTenant(context.Background(), "acme")
	if _, err := users.Get(ctx, "42"); errors.Is(err, tenantcreds.ErrAccessDenied) {
		log.Print("the tenant role does not trust this service")
	}
}

func ExampleSessionName() {
	fmt.Println(tenantcreds.SessionName("acme"))
	fmt.Println(tenantcreds.SessionName("Müller & Söhne"))
	// Output:
	// acme-822b33ad87c148a0
	// M_ller___S_hne-6d9a29bd773775c8
}
