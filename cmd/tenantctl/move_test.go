package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	dynamodbbackend "github.com/tenantrepo/tenantrepo/backend/dynamodb"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
	"github.com/tenantrepo/tenantrepo/route"
)

// fast are move's flags for short waits: nothing else reads the tables.
var fast = []string{"--max-stale", "50ms", "--settle", "50ms", "--write-timeout", "50ms"}

func TestMoveHelp(t *testing.T) {
	o := tctl(t, "move", "-h")
	require.Equal(t, exitDone, o.code)
	require.Contains(t, o.stdout, "Examples:\n  tenantctl ")
	require.Regexp(t, "tenantctl --memory(-seed demo)? move", o.stdout, "an example anyone can run")
	require.Contains(t, o.stdout, "Library call: move.Run")
	for _, flag := range []string{"--to", "--dry-run", "--resume", "--cancel", "--max-stale", "--settle", "--write-timeout"} {
		require.Contains(t, o.stdout, flag)
	}
}

func TestMoveUsageErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		kind string
	}{
		{"no to", []string{"move", "--tenant", "acme"}, "usage"},
		{"no tenant", []string{"move", "--to", "silo-acme"}, "usage"},
		{"invalid tenant", []string{"move", "--tenant", "a#b", "--to", "silo-acme"}, "invalid-tenant"},
		{"resume and cancel", []string{"move", "--tenant", "acme", "--resume", "--cancel"}, "usage"},
		{"resume with to", []string{"move", "--tenant", "acme", "--resume", "--to", "silo-acme"}, "usage"},
		{"dry run and cancel", []string{"move", "--tenant", "acme", "--dry-run", "--cancel"}, "usage"},
		{"where it is", []string{"move", "--tenant", "acme", "--to", "pool"}, "usage"},
		{"bad table name", []string{"move", "--tenant", "acme", "--to", "a b"}, "usage"},
		{"negative max stale", []string{"move", "--tenant", "acme", "--to", "silo-acme", "--max-stale", "-1s"}, "usage"},
		{"negative write timeout", []string{"move", "--tenant", "acme", "--to", "silo-acme", "--write-timeout", "-1s"}, "usage"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := tctlJSON(t, exitUsage, args(demo, c.args)...)
			require.Equal(t, c.kind, s.Error.Kind, s.Error.Message)
			require.Equal(t, "move", s.Op)
		})
	}
}

func TestMemoryMove(t *testing.T) {
	t.Run("dry run", func(t *testing.T) {
		s := tctlJSON(t, exitDone, args(demo, []string{"move", "--tenant", "acme", "--to", "silo-acme", "--dry-run"}, fast)...)
		var res moveSummary
		s.result(t, &res)
		require.True(t, s.DryRun)
		require.True(t, res.DryRun)
		require.Equal(t, int(demoTotal("acme")), res.Copied, "the items a move would copy")
		require.Equal(t, "silo-acme", res.To)
		require.Equal(t, "", res.From)
		require.Zero(t, res.Purged)
	})
	t.Run("move", func(t *testing.T) {
		o := tctl(t, args(demo, []string{"move", "--tenant", "acme", "--to", "silo-acme", "--json"}, fast)...)
		require.Equal(t, exitDone, o.code, o.stderr)
		s := parseSummary(t, o)
		var res moveSummary
		s.result(t, &res)
		require.Equal(t, "move", s.Op)
		require.Equal(t, "acme", s.Tenant)
		require.Equal(t, "memory", s.Backend)
		require.Equal(t, "silo-acme", s.ToBackend)
		require.Equal(t, int(demoTotal("acme")), res.Copied)
		require.Equal(t, int(demoTotal("acme"))+route.FenceShards, res.Purged, "the items and the fence items")
		require.NotEmpty(t, res.MoveID)
		require.Positive(t, res.PauseSeconds)
		for _, ph := range []string{"prepare", "copy", "catchup", "pause", "purge"} {
			require.Contains(t, res.PhaseSeconds, ph)
		}
		// Progress on stderr, a line per phase.
		for _, ph := range []string{"copy", "catchup", "pause", "purge"} {
			require.Contains(t, o.stderr, "tenantctl: move acme phase "+ph+":")
		}
		require.Contains(t, o.stderr, "tenantctl: move acme finished:")
	})
	t.Run("human report", func(t *testing.T) {
		o := tctl(t, args(demo, []string{"move", "--tenant", "globex", "--to", "silo-globex", "--quiet"}, fast)...)
		require.Equal(t, exitDone, o.code, o.stderr)
		require.Regexp(t, `^moved globex from the pool \(memory\) to silo-globex: \d+ items copied, \d+ changes applied, 0 repaired, \d+ purged; writes paused \S+\n$`, o.stdout)
		require.Empty(t, o.stderr, "--quiet: no progress")
	})
	t.Run("nothing to resume or cancel", func(t *testing.T) {
		s := tctlJSON(t, exitFailed, args(demo, []string{"move", "--tenant", "acme", "--resume"}, fast)...)
		require.Equal(t, "no-move", s.Error.Kind)
		s = tctlJSON(t, exitFailed, args(demo, []string{"move", "--tenant", "acme", "--cancel"}, fast)...)
		require.Equal(t, "no-move", s.Error.Kind)
	})
}

// The move command on DynamoDB Local: refused on a table without a stream;
// on one with a stream, a dry run changes nothing, a move to a silo and
// back leaves the other tenants as they were; an interrupted move is
// resumed with --resume.
func TestDynamoDBMove(t *testing.T) {
	t.Run("no stream", func(t *testing.T) {
		b, table := demoTable(t)
		before := snapshot(t, b, allDemo...)
		s := tctlJSON(t, exitFailed, args(table, []string{"move", "--tenant", "acme", "--to", b.Table() + "-acme"}, fast)...)
		require.Equal(t, "no-change-feed", s.Error.Kind, s.Error.Message)
		requireSame(t, before, snapshot(t, b, allDemo...), allDemo...)
	})

	b := dynamotest.NewFeedTable(t)
	silo := b.Table() + "-acme"
	deleteTableIfMade(t, silo)
	table := []string{"--endpoint", dynamotest.Endpoint(t), "--table", b.Table()}
	mem := newSeeded(t)
	putAll(t, b, mem)
	before := snapshot(t, b, allDemo...)

	s := tctlJSON(t, exitDone, args(table, []string{"move", "--tenant", "acme", "--to", silo, "--dry-run"}, fast)...)
	var res moveSummary
	s.result(t, &res)
	require.Equal(t, int(demoTotal("acme")), res.Copied)
	requireSame(t, before, snapshot(t, b, allDemo...), allDemo...)
	requireNoTable(t, silo)

	s = tctlJSON(t, exitDone, args(table, []string{"move", "--tenant", "acme", "--to", silo}, fast)...)
	s.result(t, &res)
	require.Equal(t, "dynamodb:"+b.Table(), s.Backend)
	require.Equal(t, silo, s.ToBackend)
	require.Equal(t, int(demoTotal("acme")), res.Copied)
	requireSame(t, before, snapshot(t, b, without("acme")...), without("acme")...)
	require.Empty(t, partitionOf(t, b, "acme"), "the pool holds nothing of acme, fence items included")
	siloB := openTable(t, silo)
	require.Equal(t, before[entity.PartitionKey("acme")], snapshot(t, siloB, "acme")[entity.PartitionKey("acme")])
	requirePlacement(t, b, "acme", silo)

	// Back to the pool, interrupted in the copy's wait and resumed.
	o := interruptMove(t, args(table, []string{"move", "--tenant", "acme", "--to", "pool", "--max-stale", "50ms", "--settle", "30s", "--json"}))
	require.Contains(t, o.stderr, "continue it with --resume")
	s = tctlJSON(t, exitDone, args(table, []string{"move", "--tenant", "acme", "--resume"}, fast)...)
	s.result(t, &res)
	require.Equal(t, "copy", res.ResumedAt)
	require.Equal(t, "", res.To)
	requireSame(t, before, snapshot(t, b, allDemo...), allDemo...)
	require.Empty(t, partitionOf(t, siloB, "acme"), "the silo holds nothing of acme")
	requirePlacement(t, b, "acme", "")
}

// newSeeded returns the demo items.
func newSeeded(t *testing.T) []backend.Item {
	t.Helper()
	store := memoryStore()
	require.NoError(t, seedDemo(t.Context(), store))
	return store.Snapshot()
}

// partitionOf returns every item of tenant's partition in b (fence items
// included).
func partitionOf(t *testing.T, b backend.Backend, tenant string) []backend.Item {
	t.Helper()
	in := backend.QueryInput{PK: entity.PartitionKey(tenant), Range: backend.SortRange{Op: backend.BeginsWith}, Limit: 1000, ConsistentRead: true}
	var items []backend.Item
	for {
		out, err := b.Query(t.Context(), in)
		require.NoError(t, err)
		items = append(items, out.Items...)
		if out.LastKey == nil {
			return items
		}
		in.StartKey = out.LastKey
	}
}

// requirePlacement checks the catalog in pool: tenant in table, no move.
func requirePlacement(t *testing.T, pool backend.Backend, tenant, table string) {
	t.Helper()
	cat, err := route.NewCatalog(pool)
	require.NoError(t, err)
	p, err := cat.LookupFresh(t.Context(), tenant)
	require.NoError(t, err)
	require.Nil(t, p.Move)
	require.Equal(t, table, p.Table)
}

// interruptMove runs the binary with args, sends it SIGINT once it reports
// the copy phase, and checks that it exits with code 5.
func interruptMove(t *testing.T, args []string) outcome {
	t.Helper()
	o := runInterrupted(t, "phase copy", args...)
	require.Equal(t, exitInterrupted, o.code, o.stderr)
	s := parseSummary(t, o)
	require.Equal(t, "interrupted", s.Error.Kind)
	require.True(t, strings.Contains(o.stderr, "tenantctl: move acme phase copy"), o.stderr)
	return o
}

// memoryStore returns an empty memory table.
func memoryStore() *memory.Store { return memory.New() }

// deleteTableIfMade deletes the DynamoDB Local table name when the test
// ends, if it exists.
func deleteTableIfMade(t *testing.T, name string) {
	client := dynamotest.Client(t)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, err := client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)})
		var nf *types.ResourceNotFoundException
		if err != nil && !errors.As(err, &nf) {
			t.Errorf("delete table %s: %v", name, err)
		}
	})
}

// requireNoTable checks that the DynamoDB Local table name does not exist.
func requireNoTable(t *testing.T, name string) {
	t.Helper()
	_, err := dynamotest.Client(t).DescribeTable(t.Context(), &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	var nf *types.ResourceNotFoundException
	require.True(t, errors.As(err, &nf), "table %s exists: %v", name, err)
}

// openTable returns a backend of the DynamoDB Local table name.
func openTable(t *testing.T, name string) backend.Backend {
	t.Helper()
	b, err := dynamodbbackend.New(dynamotest.Client(t), name)
	require.NoError(t, err)
	return b
}

// runInterrupted runs the binary with args, sends it SIGINT once a line of
// its stderr holds label, and returns how it ended.
func runInterrupted(t *testing.T, label string, args ...string) outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = cliEnv()
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	sc := bufio.NewScanner(stderr)
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if strings.Contains(sc.Text(), label) {
			require.NoError(t, cmd.Process.Signal(os.Interrupt))
			break
		}
	}
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	err = cmd.Wait()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return outcome{code: code, stdout: stdout.String(), stderr: strings.Join(lines, "\n")}
}
