package dynamodb

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/backend"
)

// How often ensureIndexes looks at an index being created.
const (
	indexWaitMinDelay = 500 * time.Millisecond
	indexWaitMaxDelay = 10 * time.Second
)

// needsIndex reports whether name is the index of one of the slots the
// table needs (Options.IndexSlots or Options.Indexes).
func (b *Backend) needsIndex(name string) bool {
	return b.declared.Has(indexSlot(name))
}

// indexSlot returns n for the index name GSI<n>, n being 1 ...
// backend.MaxIndexes, or 0.
func indexSlot(name string) int {
	for n := 1; n <= backend.MaxIndexes; n++ {
		if name == backend.IndexName(n) {
			return n
		}
	}
	return 0
}

// indexesOf returns the slots of the indexes of the described table t
// that the backend can use: named GSI<n>, keyed by the strings GSI<n>PK
// (hash) and GSI<n>SK (range), projecting all attributes. Their status is
// not looked at.
func indexesOf(t *types.TableDescription) backend.IndexSet {
	var set backend.IndexSet
	for _, g := range t.GlobalSecondaryIndexes {
		name := aws.ToString(g.IndexName)
		n := indexSlot(name)
		if n == 0 || !indexUsable(t, g) {
			continue
		}
		one, _ := backend.NewIndexSet(n)
		set |= one
	}
	return set
}

// indexUsable reports whether the index g of the table t has the key
// schema and projection the backend needs.
func indexUsable(t *types.TableDescription, g types.GlobalSecondaryIndexDescription) bool {
	ipk, isk := backend.IndexKeyNames(aws.ToString(g.IndexName))
	want := fmt.Sprintf("%s (S, HASH), %s (S, RANGE)", ipk, isk)
	return describeKeys(g.KeySchema, t.AttributeDefinitions) == want &&
		g.Projection != nil && g.Projection.ProjectionType == types.ProjectionTypeAll
}

// remember keeps the slots the described table t has, for KnownIndexes
// and TableIndexes.
func (b *Backend) remember(t *types.TableDescription) {
	b.found.Store(uint32(indexesOf(t)) | foundBit)
}

// KnownIndexes returns, without a request, the index slots the backend's
// table needs (Options.IndexSlots or Options.Indexes) and false, until
// EnsureTable or TableIndexes has described the table; from then on the
// ones of those the table was found to have, and true. It implements
// backend.IndexReporter.
func (b *Backend) KnownIndexes() (backend.IndexSet, bool) {
	f := b.found.Load()
	if f&foundBit == 0 {
		return b.declared, false
	}
	return b.declared & backend.IndexSet(f), true
}

// TableIndexes returns the index slots the table has among those it needs
// (Options.IndexSlots or Options.Indexes). The first call, unless
// EnsureTable ran before, describes the table (DescribeTable) and the
// answer is kept; run EnsureTable to look again. A table with another key
// schema, or an index among those it needs with another key schema or
// projection, is an error wrapping ErrTableMismatch. It implements
// backend.IndexReporter.
func (b *Backend) TableIndexes(ctx context.Context) (backend.IndexSet, error) {
	if set, ok := b.KnownIndexes(); ok {
		return set, nil
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	out, err := b.client.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String(b.table)})
	if err != nil {
		return 0, mapError(ctx, "describe table "+b.table, err)
	}
	if err := b.checkTable(out.Table); err != nil {
		return 0, err
	}
	b.remember(out.Table)
	set, _ := b.KnownIndexes()
	return set, nil
}

// ensureIndexes makes sure the table has the indexes of the slots it needs
// (Options.IndexSlots or Options.Indexes) and that they are ACTIVE, then
// keeps which slots the table has (remember). DynamoDB creates one index
// of a table at a time (an UpdateTable call may create one, and not while
// another is being created or deleted), so it adds the missing ones one by one: it waits
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
		for _, n := range b.declared.Slots() {
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
			b.remember(t)
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
