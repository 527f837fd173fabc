package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/tenantrepo/tenantrepo/backend"
)

// How often ensureIndexes looks at an index being created.
const (
	indexWaitMinDelay = 500 * time.Millisecond
	indexWaitMaxDelay = 10 * time.Second
)

// needsIndex reports whether name is one of GSI1 ... GSI<Options.Indexes>.
func (b *Backend) needsIndex(name string) bool {
	for n := 1; n <= b.opts.Indexes; n++ {
		if name == backend.IndexName(n) {
			return true
		}
	}
	return false
}

// ensureIndexes makes sure the table has GSI1 ... GSI<Options.Indexes> and
// that they are ACTIVE. DynamoDB creates one index of a table at a time
// (an UpdateTable call may create one, and not while another is being
// created or deleted), so it adds the missing ones one by one: it waits
// until the table is ACTIVE and no index of it is being created, updated
// or deleted, asks UpdateTable to create the first missing index, and
// looks again, until every index it needs is ACTIVE. It waits at most
// Options.TableWaitTimeout for each. An UpdateTable that fails because
// another caller is changing the table, or has created the index already,
// is no error: it looks again. Indexes with the right names and another
// key schema are refused by checkTable (ErrTableMismatch).
//
// On a provisioned table, a new index gets Options.ProvisionedThroughput,
// or the table's throughput when that is not set.
func (b *Backend) ensureIndexes(ctx context.Context) error {
	deadline := time.Now().Add(b.opts.TableWaitTimeout)
	delay := indexWaitMinDelay
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		out, err := b.client.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String(b.table)})
		if err != nil {
			return mapError(ctx, "describe table "+b.table, err)
		}
		t := out.Table
		if err := b.checkTable(t); err != nil {
			return err
		}
		status := make(map[string]types.IndexStatus, len(t.GlobalSecondaryIndexes))
		busy := t.TableStatus != types.TableStatusActive
		for _, g := range t.GlobalSecondaryIndexes {
			status[aws.ToString(g.IndexName)] = g.IndexStatus
			if g.IndexStatus != types.IndexStatusActive {
				busy = true
			}
		}
		missing, waiting := "", []string(nil)
		for n := 1; n <= b.opts.Indexes; n++ {
			name := backend.IndexName(n)
			switch st, ok := status[name]; {
			case !ok:
				if missing == "" {
					missing = name
				}
				waiting = append(waiting, name+" (missing)")
			case st != types.IndexStatusActive:
				waiting = append(waiting, fmt.Sprintf("%s (%s)", name, st))
			}
		}
		if len(waiting) == 0 {
			return nil
		}
		if missing != "" && !busy {
			err := b.createIndex(ctx, t, missing)
			if err == nil {
				deadline = time.Now().Add(b.opts.TableWaitTimeout)
				delay = indexWaitMinDelay
				continue
			}
			if !tableBusy(err) {
				return mapError(ctx, fmt.Sprintf("add index %s to table %s", missing, b.table), err)
			}
			// Another caller is changing the table: look again.
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("dynamodb: table %s: the indexes %s were not ACTIVE within %v",
				b.table, strings.Join(waiting, ", "), b.opts.TableWaitTimeout)
		}
		timer := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-timer.C:
		}
		delay = min(2*delay, indexWaitMaxDelay)
	}
}

// createIndex asks DynamoDB to add the index name to the described table t.
func (b *Backend) createIndex(ctx context.Context, t *types.TableDescription, name string) error {
	ipk, isk := backend.IndexKeyNames(name)
	create := &types.CreateGlobalSecondaryIndexAction{
		IndexName:  aws.String(name),
		KeySchema:  keySchema(ipk, isk),
		Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
	}
	onDemand := t.BillingModeSummary != nil && t.BillingModeSummary.BillingMode == types.BillingModePayPerRequest
	if !onDemand {
		create.ProvisionedThroughput = b.opts.ProvisionedThroughput
		if create.ProvisionedThroughput == nil && t.ProvisionedThroughput != nil {
			create.ProvisionedThroughput = &types.ProvisionedThroughput{
				ReadCapacityUnits:  t.ProvisionedThroughput.ReadCapacityUnits,
				WriteCapacityUnits: t.ProvisionedThroughput.WriteCapacityUnits,
			}
		}
	}
	_, err := b.client.UpdateTable(ctx, &ddb.UpdateTableInput{
		TableName:                   aws.String(b.table),
		AttributeDefinitions:        stringAttributes(ipk, isk),
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Create: create}},
	})
	return err
}

// tableBusy reports whether an UpdateTable failed because the table or its
// indexes are being changed, or the index exists already: what another
// caller adding the same index meanwhile causes.
func tableBusy(err error) bool {
	var inUse *types.ResourceInUseException
	var limit *types.LimitExceededException
	if errors.As(err, &inUse) || errors.As(err, &limit) {
		return true
	}
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode() == "ValidationException" &&
		strings.Contains(strings.ToLower(apiErr.ErrorMessage()), "already exists")
}
