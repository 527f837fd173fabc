package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	dynamodbbackend "github.com/tenantrepo/tenantrepo/backend/dynamodb"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/examples/shop"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
	"github.com/tenantrepo/tenantrepo/ops"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// demoTable returns a new DynamoDB Local table holding the demo tenants,
// and the global flags that name it.
func demoTable(t *testing.T) (*dynamodbbackend.Backend, []string) {
	t.Helper()
	b := dynamotest.NewTable(t)
	// The demo items, made in memory and written in batches: faster than
	// seedDemo's one request per item.
	mem := memory.New()
	require.NoError(t, seedDemo(t.Context(), mem))
	putAll(t, b, mem.Snapshot())
	return b, []string{"--endpoint", dynamotest.Endpoint(t), "--table", b.Table()}
}

var allDemo = []string{"acme", "acme-corp", "globex"}

// without returns the demo tenants but one.
func without(tenant string) []string {
	var out []string
	for _, d := range allDemo {
		if d != tenant {
			out = append(out, d)
		}
	}
	return out
}

// The operations on DynamoDB Local, one after the other on one table, each
// checking that the tenants it must not touch are as they were.
func TestDynamoDBCommands(t *testing.T) {
	b, table := demoTable(t)
	dir := t.TempDir()
	data, manifest := filepath.Join(dir, "acme.jsonl"), filepath.Join(dir, "acme.manifest.json")
	before := snapshot(t, b, allDemo...)

	// stats
	s := tctlJSON(t, exitDone, args(table, []string{"stats", "--tenant", "acme"})...)
	var stats ops.StatsResult
	s.result(t, &stats)
	require.Equal(t, "dynamodb:"+b.Table(), s.Backend)
	require.Equal(t, demoItems("acme"), byTypeItems(stats.ByType))

	// purge without --yes, and a dry run: nothing changes
	s = tctlJSON(t, exitRefused, args(table, []string{"purge", "--tenant", "acme"})...)
	require.Equal(t, "refused", s.Error.Kind)
	s = tctlJSON(t, exitDone, args(table, []string{"purge", "--tenant", "acme", "--dry-run"})...)
	require.Equal(t, demoTotal("acme"), s.Counts.Done)
	require.Equal(t, before, snapshot(t, b, allDemo...), "refused and dry-run purges change nothing")

	// export
	s = tctlJSON(t, exitDone, args(table, []string{"export", "--tenant", "acme", "-o", data, "--manifest", manifest})...)
	require.Equal(t, demoTotal("acme"), s.Counts.Done)
	require.Len(t, readLines(t, data), int(demoTotal("acme")))

	// purge
	s = tctlJSON(t, exitDone, args(table, []string{"purge", "--tenant", "acme", "--yes", "--page-size", "10"})...)
	require.Equal(t, demoTotal("acme"), s.Counts.Done)
	after := snapshot(t, b, allDemo...)
	require.Empty(t, after[entity.PartitionKey("acme")])
	requireSame(t, before, after, without("acme")...)
	s = tctlJSON(t, exitDone, args(table, []string{"purge", "--tenant", "acme", "--yes"})...)
	require.Zero(t, s.Counts.Done, "purging again deletes nothing")

	// import without --yes, then with: acme is back as it was
	s = tctlJSON(t, exitRefused, args(table, []string{"import", "--tenant", "acme", "-i", data})...)
	require.Empty(t, snapshot(t, b, "acme")[entity.PartitionKey("acme")])
	s = tctlJSON(t, exitDone, args(table, []string{"import", "--tenant", "acme", "-i", data, "--manifest", manifest, "--yes"})...)
	require.Equal(t, demoTotal("acme"), s.Counts.Done)
	require.Equal(t, before, snapshot(t, b, allDemo...), "export, purge, import: as before")

	// copy to another tenant of the table, and to another table
	s = tctlJSON(t, exitRefused, args(table, []string{"copy", "--tenant", "acme", "--to-tenant", "acme-copy"})...)
	require.Empty(t, snapshot(t, b, "acme-copy")[entity.PartitionKey("acme-copy")])
	s = tctlJSON(t, exitDone, args(table, []string{"copy", "--tenant", "acme", "--to-tenant", "acme-copy", "--dry-run"})...)
	require.Equal(t, demoTotal("acme"), s.Counts.Examined)
	require.Empty(t, snapshot(t, b, "acme-copy")[entity.PartitionKey("acme-copy")], "a dry run writes nothing")
	s = tctlJSON(t, exitDone, args(table, []string{"copy", "--tenant", "acme", "--to-tenant", "acme-copy", "--yes"})...)
	var cp ops.CopyResult
	s.result(t, &cp)
	require.Equal(t, cp.Source, cp.Dest)
	require.Len(t, snapshot(t, b, "acme-copy")[entity.PartitionKey("acme-copy")], int(demoTotal("acme")))
	require.Equal(t, before, snapshot(t, b, allDemo...))

	other := dynamotest.TableName(t)
	dynamotest.DeleteTableOnCleanup(t, dynamotest.Client(t), other)
	s = tctlJSON(t, exitFailed, args(table, []string{"copy", "--tenant", "globex", "--to-table", other, "--yes"})...)
	require.Contains(t, s.Error.Message, other, "a missing table")
	s = tctlJSON(t, exitDone, args(table, []string{"copy", "--tenant", "globex", "--to-table", other, "--create-table", "--yes"})...)
	require.Equal(t, "dynamodb:"+other, s.ToBackend)
	ob, err := dynamodbbackend.New(dynamotest.Client(t), other)
	require.NoError(t, err)
	require.Equal(t, before[entity.PartitionKey("globex")], snapshot(t, ob, "globex")[entity.PartitionKey("globex")], "the same items in the other table")

	// from the in-memory demo table into DynamoDB
	s = tctlJSON(t, exitDone, args(demo, []string{"copy", "--tenant", "acme-corp", "--to-endpoint", dynamotest.Endpoint(t), "--to-table", other, "--yes"})...)
	require.Equal(t, "memory", s.Backend)
	require.Equal(t, "dynamodb:"+other, s.ToBackend)
	require.Equal(t, before[entity.PartitionKey("acme-corp")], snapshot(t, ob, "acme-corp")[entity.PartitionKey("acme-corp")])

	// tenants
	s = tctlJSON(t, exitDone, args(table, []string{"tenants", "--operator-reason", "test"})...)
	var tl tenantsResult
	s.result(t, &tl)
	sort.Strings(tl.Tenants)
	require.Equal(t, []string{"acme", "acme-copy", "acme-corp", "globex"}, tl.Tenants)
}

// requireSame checks that the tenants' items are the same in before and
// after.
func requireSame(t *testing.T, before, after map[string][]backend.Item, tenants ...string) {
	t.Helper()
	for _, tenant := range tenants {
		pk := entity.PartitionKey(tenant)
		require.NotEmpty(t, before[pk])
		require.Equal(t, before[pk], after[pk], "tenant %s is untouched", tenant)
	}
}

// Orders written without index keys appear in the index after reindex,
// for one tenant and then for all; nothing else about them changes.
func TestDynamoDBReindex(t *testing.T) {
	b, table := demoTable(t)
	order := []string{"--prefix", "order", "--index", "by-user:1:user_id:created_at"}
	orders := repo.MustNew[shop.Order](b)
	inIndex := func(tenant string) int {
		ctx := tenantctx.MustWithTenant(context.Background(), tenant)
		n := 0
		for _, d := range demoTenants {
			if d.id != tenant {
				continue
			}
			for i := range d.users {
				for _, err := range orders.Index(shop.ByUser).All(ctx, fmt.Sprintf("u%02d", i+1)) {
					require.NoError(t, err)
					n++
				}
			}
		}
		return n
	}
	require.Equal(t, 40, inIndex("acme"))
	before := snapshot(t, b, allDemo...)

	s := tctlJSON(t, exitRefused, args(table, []string{"reindex", "--tenant", "acme"}, order)...)
	s = tctlJSON(t, exitDone, args(table, []string{"reindex", "--tenant", "acme", "--dry-run"}, order)...)
	require.Equal(t, int64(10), s.Counts.Done)
	require.Equal(t, before, snapshot(t, b, allDemo...), "refusal and dry run write nothing")

	s = tctlJSON(t, exitDone, args(table, []string{"reindex", "--tenant", "acme", "--yes"}, order)...)
	require.Equal(t, int64(10), s.Counts.Done)
	require.Equal(t, 50, inIndex("acme"), "the legacy orders are in the index")
	after := snapshot(t, b, allDemo...)
	requireSame(t, before, after, "acme-corp", "globex")
	requireOnlyIndexKeys(t, before[entity.PartitionKey("acme")], after[entity.PartitionKey("acme")])

	require.Equal(t, 3, inIndex("globex"))
	s = tctlJSON(t, exitDone, args(table, []string{"reindex", "--all", "--operator-reason", "backfill by-user", "--yes"}, order)...)
	require.Equal(t, int64(2), s.Counts.Done, "globex's legacy orders; acme's are done")
	require.Equal(t, 5, inIndex("globex"))
	requireSame(t, after, snapshot(t, b, allDemo...), "acme", "acme-corp")
}

// requireOnlyIndexKeys checks that after holds the items of before with at
// most the index key attributes added.
func requireOnlyIndexKeys(t *testing.T, before, after []backend.Item) {
	t.Helper()
	require.Len(t, after, len(before))
	for i := range before {
		stripped := backend.Item{}
		for k, v := range after[i] {
			if entity.IsKeyAttribute(k) && k != entity.PartitionKeyName && k != entity.SortKeyName {
				if _, was := before[i][k]; !was {
					continue
				}
			}
			stripped[k] = v
		}
		require.Equal(t, before[i], stripped)
	}
}

// putAll writes items into b in batches.
func putAll(t *testing.T, b backend.Backend, items []backend.Item) {
	t.Helper()
	for len(items) > 0 {
		n := min(len(items), backend.MaxBatchWrite)
		in := backend.BatchWriteInput{}
		for _, item := range items[:n] {
			in.Writes = append(in.Writes, backend.WriteRequest{Put: item})
		}
		for len(in.Writes) > 0 {
			out, err := b.BatchWrite(t.Context(), in)
			require.NoError(t, err)
			in.Writes = out.Unprocessed
		}
		items = items[n:]
	}
}

// interrupted runs the binary with args and --json, sends it sig once a
// progress line of label says that some items are done, and checks that
// it exits with code 5 and prints the checkpoint, which it returns.
func interrupted(t *testing.T, sig os.Signal, label string, args ...string) ops.Checkpoint {
	t.Helper()
	progress := regexp.MustCompile(`^tenantctl: ` + regexp.QuoteMeta(label) + ` progress: examined \d+, done (\d+),`)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append(args, "--json", "--progress-interval", "100ms")...)
	cmd.Env = cliEnv()
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	sc := bufio.NewScanner(stderr)
	var errLines []string
	for sc.Scan() {
		errLines = append(errLines, sc.Text())
		if m := progress.FindStringSubmatch(sc.Text()); m != nil && m[1] != "0" {
			require.NoError(t, cmd.Process.Signal(sig))
			break
		}
	}
	for sc.Scan() {
		errLines = append(errLines, sc.Text())
	}
	err = cmd.Wait()
	var exit *exec.ExitError
	require.True(t, errors.As(err, &exit), "exit status: %v; stderr:\n%s", err, strings.Join(errLines, "\n"))
	o := outcome{code: exit.ExitCode(), stdout: stdout.String(), stderr: strings.Join(errLines, "\n")}
	require.Equal(t, exitInterrupted, o.code, o.stderr)
	sum := parseSummary(t, o)
	require.Equal(t, "interrupted", sum.Error.Kind)
	require.NotEmpty(t, sum.Checkpoint)
	require.Contains(t, o.stderr, "--resume "+string(sum.Checkpoint))
	return sum.Checkpoint
}

// bulkItems returns n items of tenant with sort keys prefix#0000 ... and
// the attributes of attrs(i).
func bulkItems(tenant, prefix string, n int, attrs func(i int) backend.Item) []backend.Item {
	items := make([]backend.Item, n)
	for i := range items {
		item := backend.Item{"PK": s(entity.PartitionKey(tenant)), "SK": s(fmt.Sprintf("%s#%04d", prefix, i))}
		for k, v := range attrs(i) {
			item[k] = v
		}
		items[i] = item
	}
	return items
}

// A purge interrupted by SIGINT exits with code 5 and a checkpoint; run
// again with --resume, it empties the partition, and the other tenants are
// untouched.
func TestDynamoDBPurgeResume(t *testing.T) {
	b, table := demoTable(t)
	// More items, so that a slow purge is still running when interrupted.
	putAll(t, b, bulkItems("acme", "bulk", 300, func(int) backend.Item { return backend.Item{"v": s("x")} }))
	before := snapshot(t, b, allDemo...)

	cp := interrupted(t, os.Interrupt, "purge acme", args(table, []string{"purge", "--tenant", "acme", "--yes",
		"--pace-items", "40", "--page-size", "10", "--concurrency", "1"})...)
	mid := snapshot(t, b, allDemo...)
	require.NotEmpty(t, mid[entity.PartitionKey("acme")], "interrupted before the end")
	require.Less(t, len(mid[entity.PartitionKey("acme")]), len(before[entity.PartitionKey("acme")]), "some items were deleted")
	requireSame(t, before, mid, without("acme")...)

	s := tctlJSON(t, exitDone, args(table, []string{"purge", "--tenant", "acme", "--yes", "--resume", string(cp)})...)
	require.Empty(t, s.Checkpoint)
	after := snapshot(t, b, allDemo...)
	require.Empty(t, after[entity.PartitionKey("acme")])
	requireSame(t, before, after, without("acme")...)

	// The checkpoint is acme's: another tenant refuses it.
	s = tctlJSON(t, exitUsage, args(table, []string{"purge", "--tenant", "acme-corp", "--yes", "--resume", string(cp)})...)
	require.Equal(t, "invalid-checkpoint", s.Error.Kind)
	requireSame(t, before, snapshot(t, b, allDemo...), without("acme")...)
}

// An import stopped by SIGTERM and resumed from its checkpoint ends
// with the tenant's items as an uninterrupted import writes them: its
// export is acme's, with the tenant renamed.
func TestDynamoDBImportResume(t *testing.T) {
	b, table := demoTable(t)
	putAll(t, b, bulkItems("acme", "bulk", 300, func(int) backend.Item { return backend.Item{"v": s("x")} }))
	dir := t.TempDir()
	data := filepath.Join(dir, "acme.jsonl")
	tctlJSON(t, exitDone, args(table, []string{"export", "--tenant", "acme", "-o", data})...)
	before := snapshot(t, b, allDemo...)

	cp := interrupted(t, syscall.SIGTERM, "import acme-new", args(table, []string{"import", "--tenant", "acme-new", "-i", data, "--yes",
		"--pace-items", "40", "--concurrency", "1"})...)
	written := len(snapshot(t, b, "acme-new")[entity.PartitionKey("acme-new")])
	require.Positive(t, written)
	require.Less(t, written, len(before[entity.PartitionKey("acme")]), "interrupted before the end")

	tctlJSON(t, exitDone, args(table, []string{"import", "--tenant", "acme-new", "-i", data, "--yes", "--resume", string(cp)})...)
	requireSame(t, before, snapshot(t, b, allDemo...), allDemo...)
	again := filepath.Join(dir, "acme-new.jsonl")
	tctlJSON(t, exitDone, args(table, []string{"export", "--tenant", "acme-new", "-o", again})...)
	renamed := strings.ReplaceAll(strings.Join(readLines(t, again), "\n"), `"tenant#acme-new`, `"tenant#acme`)
	require.Equal(t, strings.Join(readLines(t, data), "\n"), renamed)
}

// A reindex interrupted by SIGINT and resumed from its checkpoint fixes
// every item, as an uninterrupted one does.
func TestDynamoDBReindexResume(t *testing.T) {
	b, table := demoTable(t)
	// Orders another program wrote, without index keys.
	putAll(t, b, bulkItems("acme", "order", 200, func(i int) backend.Item {
		return backend.Item{"user_id": s("bulk"), "order_amount": n("1"), "created_at": s(fmt.Sprintf("2025-%04d", i))}
	}))
	before := snapshot(t, b, allDemo...)
	order := []string{"--prefix", "order", "--index", "by-user:1:user_id:created_at"}

	cp := interrupted(t, os.Interrupt, "reindex acme", args(table, []string{"reindex", "--tenant", "acme", "--yes",
		"--pace-items", "40", "--page-size", "10", "--concurrency", "1"}, order)...)
	orders := repo.MustNew[shop.Order](b)
	acme := tenantctx.MustWithTenant(context.Background(), "acme")
	count := func() int {
		page, err := orders.Index(shop.ByUser).Query(acme, "bulk", repo.WithLimit(1000))
		require.NoError(t, err)
		return len(page.Items)
	}
	mid := count()
	require.Positive(t, mid)
	require.Less(t, mid, 200, "interrupted before the end")

	s := tctlJSON(t, exitDone, args(table, []string{"reindex", "--tenant", "acme", "--yes", "--resume", string(cp)}, order)...)
	require.Zero(t, s.Counts.Failed)
	require.Equal(t, 200, count())
	after := snapshot(t, b, allDemo...)
	requireSame(t, before, after, without("acme")...)
	requireOnlyIndexKeys(t, before[entity.PartitionKey("acme")], after[entity.PartitionKey("acme")])
}

// The tenant list in pages of --pages 1, continued with --resume, is the
// whole list.
func TestDynamoDBTenantsPaged(t *testing.T) {
	_, table := demoTable(t)
	seen := map[string]bool{}
	resume, done, pages := "", false, 0
	for ; !done; pages++ {
		require.Less(t, pages, 20, "the list ends")
		a := args(table, []string{"tenants", "--operator-reason", "test", "--page-size", "25", "--pages", "1"})
		if resume != "" {
			a = append(a, "--resume", resume)
		}
		s := tctlJSON(t, exitDone, a...)
		var res tenantsResult
		s.result(t, &res)
		for _, tn := range res.Tenants {
			require.False(t, seen[tn], "tenant %s listed twice", tn)
			seen[tn] = true
		}
		require.Equal(t, res.Next, s.Checkpoint)
		resume, done = string(res.Next), res.Next == ""
	}
	require.Greater(t, pages, 1, "the list took more than one page")
	got := make([]string, 0, len(seen))
	for tn := range seen {
		got = append(got, tn)
	}
	sort.Strings(got)
	require.Equal(t, allDemo, got)
}

func n(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }
