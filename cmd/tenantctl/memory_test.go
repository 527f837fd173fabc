package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/ops"
)

// demo are the global flags of the in-memory demo table.
var demo = []string{"--memory-seed", "demo"}

func args(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func TestHelpShowsExamples(t *testing.T) {
	o := tctl(t, "-h")
	require.Equal(t, exitDone, o.code)
	require.Contains(t, o.stdout, "Exit codes:")
	for _, line := range strings.Split(exitCodesHelp, "\n")[1:] {
		require.Contains(t, o.stdout, line)
	}
	for _, sub := range []string{"stats", "purge", "export", "import", "copy", "reindex", "tenants"} {
		t.Run(sub, func(t *testing.T) {
			o := tctl(t, sub, "-h")
			require.Equal(t, exitDone, o.code)
			require.Contains(t, o.stdout, "Examples:\n  tenantctl ")
			require.Regexp(t, "tenantctl --memory(-seed demo)? "+sub, o.stdout, "an example anyone can run")
			require.Contains(t, o.stdout, "Library call: ops.")
		})
	}
}

func TestUsageErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		kind string
	}{
		{"no command", nil, "usage"},
		{"unknown command", []string{"vacuum"}, "usage"},
		{"unknown flag", args(demo, []string{"stats", "--tenant", "acme", "--colour"}), "usage"},
		{"no tenant", args(demo, []string{"stats"}), "usage"},
		{"invalid tenant", args(demo, []string{"stats", "--tenant", "acme#x"}), "invalid-tenant"},
		{"no table", []string{"stats", "--tenant", "acme"}, "usage"},
		{"memory and table", []string{"--memory", "--table", "t", "stats", "--tenant", "acme"}, "usage"},
		{"unknown seed", []string{"--memory-seed", "big", "stats", "--tenant", "acme"}, "usage"},
		{"bad endpoint", []string{"--endpoint", "127.0.0.1:8000", "--table", "t", "stats", "--tenant", "acme"}, "usage"},
		{"negative pace", args(demo, []string{"stats", "--tenant", "acme", "--pace-items", "-1"}), "usage"},
		{"concurrency too high", args(demo, []string{"stats", "--tenant", "acme", "--concurrency", "65"}), "usage"},
		{"page size too high", args(demo, []string{"stats", "--tenant", "acme", "--page-size", "1001"}), "usage"},
		{"export json to stdout", args(demo, []string{"export", "--tenant", "acme"}), "usage"},
		{"import without file", args(demo, []string{"import", "--tenant", "acme", "--yes"}), "usage"},
		{"import missing file", args(demo, []string{"import", "--tenant", "acme", "-i", "/nonexistent/x.jsonl", "--yes"}), "usage"},
		{"copy onto itself", args(demo, []string{"copy", "--tenant", "acme", "--yes"}), "usage"},
		{"copy to invalid tenant", args(demo, []string{"copy", "--tenant", "acme", "--to-tenant", "a#b", "--yes"}), "invalid-tenant"},
		{"reindex without prefix", args(demo, []string{"reindex", "--tenant", "acme", "--index", "by-user:1:user_id:created_at", "--yes"}), "usage"},
		{"reindex without index", args(demo, []string{"reindex", "--tenant", "acme", "--prefix", "order", "--yes"}), "usage"},
		{"reindex bad index", args(demo, []string{"reindex", "--tenant", "acme", "--prefix", "order", "--index", "by-user:9:user_id:created_at", "--yes"}), "usage"},
		{"reindex all with tenant", args(demo, []string{"reindex", "--all", "--operator-reason", "r", "--tenant", "acme", "--prefix", "order", "--index", "by-user:1:user_id:created_at", "--yes"}), "usage"},
		{"reindex all without reason", args(demo, []string{"reindex", "--all", "--prefix", "order", "--index", "by-user:1:user_id:created_at", "--yes"}), "usage"},
		{"tenants without reason", args(demo, []string{"tenants"}), "usage"},
		{"tenants with tenant", args(demo, []string{"tenants", "--operator-reason", "r", "--tenant", "acme"}), "usage"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := tctlJSON(t, exitUsage, c.args...)
			require.Equal(t, c.kind, s.Error.Kind, s.Error.Message)
		})
	}
}

// Flags spelled with one dash, as Go's flag package spells them, work.
func TestOneDashFlags(t *testing.T) {
	o := tctl(t, "-memory-seed", "demo", "stats", "-tenant=acme", "-json")
	require.Equal(t, exitDone, o.code, o.stderr)
	s := parseSummary(t, o)
	require.Equal(t, "acme", s.Tenant)
}

func TestMemoryStats(t *testing.T) {
	for _, tenant := range []string{"acme", "acme-corp", "globex", "nobody"} {
		t.Run(tenant, func(t *testing.T) {
			s := tctlJSON(t, exitDone, args(demo, []string{"stats", "--tenant", tenant})...)
			var res ops.StatsResult
			s.result(t, &res)
			want := map[string]int64{}
			if tenant != "nobody" {
				want = demoItems(tenant)
			}
			require.Equal(t, "stats", s.Op)
			require.Equal(t, tenant, s.Tenant)
			require.Equal(t, "memory", s.Backend)
			require.Equal(t, want, byTypeItems(res.ByType))
			require.Equal(t, res.Items, s.Counts.Done)
		})
	}
	o := tctl(t, args(demo, []string{"stats", "--tenant", "acme"})...)
	require.Equal(t, exitDone, o.code, o.stderr)
	require.Contains(t, o.stdout, "tenant acme: 56 items")
	require.Regexp(t, `(?m)^  order +50 +\d+ *$`, o.stdout)
}

func TestMemoryPurge(t *testing.T) {
	t.Run("refused without --yes", func(t *testing.T) {
		s := tctlJSON(t, exitRefused, args(demo, []string{"purge", "--tenant", "acme"})...)
		require.Equal(t, "refused", s.Error.Kind)
		require.Contains(t, s.Error.Message, "--yes")
		require.Nil(t, s.Counts, "nothing was done")
	})
	t.Run("dry run", func(t *testing.T) {
		s := tctlJSON(t, exitDone, args(demo, []string{"purge", "--tenant", "acme", "--dry-run"})...)
		var res ops.PurgeResult
		s.result(t, &res)
		require.True(t, s.DryRun)
		require.True(t, res.DryRun)
		require.Equal(t, demoItems("acme"), byTypeItems(res.ByType))
		require.Equal(t, demoTotal("acme"), s.Counts.Done)
	})
	t.Run("purge", func(t *testing.T) {
		s := tctlJSON(t, exitDone, args(demo, []string{"purge", "--tenant", "acme", "--yes", "--concurrency", "2", "--page-size", "7"})...)
		require.Equal(t, demoTotal("acme"), s.Counts.Done)
		require.Empty(t, s.Checkpoint)
		o := tctl(t, args(demo, []string{"purge", "--tenant", "acme-corp", "--yes"})...)
		require.Equal(t, exitDone, o.code, o.stderr)
		require.Contains(t, o.stdout, "purge acme-corp: deleted 8 items")
		require.Contains(t, o.stderr, "tenantctl: purge acme-corp finished: examined", "a plain progress line, stderr is no terminal")
	})
	t.Run("bad checkpoint", func(t *testing.T) {
		s := tctlJSON(t, exitUsage, args(demo, []string{"purge", "--tenant", "acme", "--yes", "--resume", "not-a-checkpoint"})...)
		require.Equal(t, "invalid-checkpoint", s.Error.Kind)
	})
}

func TestMemoryExportImport(t *testing.T) {
	dir := t.TempDir()
	data, manifest := filepath.Join(dir, "acme.jsonl"), filepath.Join(dir, "acme.manifest.json")
	s := tctlJSON(t, exitDone, args(demo, []string{"export", "--tenant", "acme", "-o", data, "--manifest", manifest})...)
	var m ops.Manifest
	s.result(t, &m)
	require.Equal(t, demoTotal("acme"), m.ItemCount)
	require.Equal(t, "acme", m.Tenant)

	lines := readLines(t, data)
	require.Len(t, lines, int(m.ItemCount))
	for _, l := range lines {
		require.True(t, strings.HasPrefix(l, `{"Item":{`), l)
		require.Contains(t, l, `"PK":{"S":"tenant#acme"}`)
	}
	written, err := readManifest(manifest)
	require.NoError(t, err)
	require.Equal(t, m.SHA256, written.SHA256)
	left, _ := filepath.Glob(filepath.Join(dir, ".*partial*"))
	require.Empty(t, left, "no temporary file left")

	t.Run("to stdout", func(t *testing.T) {
		o := tctl(t, args(demo, []string{"export", "--tenant", "acme"})...)
		require.Equal(t, exitDone, o.code, o.stderr)
		require.Equal(t, strings.Join(lines, "\n")+"\n", o.stdout, "the same bytes")
		require.Contains(t, o.stderr, "export acme: 56 items")
	})

	t.Run("import from standard input", func(t *testing.T) {
		in, err := os.ReadFile(data)
		require.NoError(t, err)
		o := tctlInput(t, bytes.NewReader(in), "--memory", "--json", "import", "--tenant", "acme2", "-i", "-", "--manifest", manifest, "--yes")
		require.Equal(t, exitDone, o.code, o.stderr)
		var s jsonSummary
		require.NoError(t, json.Unmarshal([]byte(o.stdout), &s), o.stdout)
		var res ops.ImportResult
		s.result(t, &res)
		require.Equal(t, m.ItemCount, res.Done, "every line of standard input written")
		require.Equal(t, "acme", res.From)
		left, _ := filepath.Glob(filepath.Join(os.TempDir(), "tenantctl-import-*"))
		require.Empty(t, left, "the spooled input is removed")
	})

	t.Run("refused without --yes", func(t *testing.T) {
		s := tctlJSON(t, exitRefused, "--memory", "import", "--tenant", "acme2", "-i", data)
		require.Nil(t, s.Counts)
	})

	t.Run("import under a new ID", func(t *testing.T) {
		// The memory table starts empty: the import is all it holds.
		s := tctlJSON(t, exitDone, "--memory", "import", "--tenant", "acme2", "-i", data, "--manifest", manifest, "--yes")
		var res ops.ImportResult
		s.result(t, &res)
		require.Equal(t, "acme", res.From)
		require.Equal(t, "acme2", res.To)
		require.Equal(t, m.ItemCount, res.Done)
		require.Equal(t, []ops.LineRange{{First: 1, Last: m.ItemCount}}, res.Written)
	})

	t.Run("import into the demo table over the same tenant", func(t *testing.T) {
		s := tctlJSON(t, exitDone, args(demo, []string{"import", "--tenant", "acme", "-i", data, "--yes"})...)
		require.Equal(t, m.ItemCount, s.Counts.Done)
	})

	t.Run("manifest mismatch", func(t *testing.T) {
		bad := *written
		bad.ItemCount++
		other := filepath.Join(dir, "bad.manifest.json")
		require.NoError(t, writeFileJSON(other, bad))
		s := tctlJSON(t, exitFailed, "--memory", "import", "--tenant", "acme2", "-i", data, "--manifest", other, "--yes")
		require.Equal(t, "bad-export", s.Error.Kind)
		require.Zero(t, s.Counts.Done)
	})

	t.Run("foreign item", func(t *testing.T) {
		mixed := filepath.Join(dir, "mixed.jsonl")
		foreign := strings.Replace(lines[0], `"PK":{"S":"tenant#acme"}`, `"PK":{"S":"tenant#acme-corp"}`, 1)
		require.NoError(t, os.WriteFile(mixed, []byte(strings.Join(append(lines, foreign), "\n")+"\n"), 0o644))
		s := tctlJSON(t, exitFailed, "--memory", "import", "--tenant", "acme2", "-i", mixed, "--yes")
		require.Equal(t, "foreign-item", s.Error.Kind)
		require.Zero(t, s.Counts.Done)
	})
}

func TestMemoryCopy(t *testing.T) {
	t.Run("refused without --yes", func(t *testing.T) {
		s := tctlJSON(t, exitRefused, args(demo, []string{"copy", "--tenant", "acme", "--to-tenant", "acme-copy"})...)
		require.Nil(t, s.Counts)
	})
	t.Run("verification fails", func(t *testing.T) {
		// acme holds more items than globex: after the copy, the
		// destination is not what the source is.
		s := tctlJSON(t, exitVerify, args(demo, []string{"copy", "--tenant", "globex", "--to-tenant", "acme", "--yes"})...)
		require.Equal(t, "verify", s.Error.Kind)
		var res ops.CopyResult
		s.result(t, &res)
		require.Equal(t, demoTotal("globex"), res.Source.Items)
		require.Equal(t, demoTotal("acme"), res.Dest.Items)
	})
	t.Run("dry run", func(t *testing.T) {
		s := tctlJSON(t, exitDone, args(demo, []string{"copy", "--tenant", "acme", "--to-tenant", "acme-copy", "--dry-run"})...)
		require.True(t, s.DryRun)
		require.Equal(t, demoTotal("acme"), s.Counts.Examined)
		require.Zero(t, s.Counts.Done)
	})
	for _, c := range []struct {
		name    string
		extra   []string
		to, dst string
	}{
		{"to another tenant", []string{"--to-tenant", "acme-copy"}, "acme-copy", "memory"},
		{"onto a near-collision tenant", []string{"--to-tenant", "acme-corp"}, "acme-corp", "memory"},
		{"to an empty memory table", []string{"--to-memory"}, "acme", "memory"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := tctlJSON(t, exitDone, args(demo, []string{"copy", "--tenant", "acme", "--yes"}, c.extra)...)
			var res ops.CopyResult
			s.result(t, &res)
			require.Equal(t, c.to, s.ToTenant)
			require.Equal(t, c.dst, s.ToBackend)
			require.Equal(t, demoTotal("acme"), res.Source.Items)
			require.Equal(t, res.Source, res.Dest)
			require.Equal(t, demoTotal("acme"), s.Counts.Done)
		})
	}
}

func TestMemoryReindex(t *testing.T) {
	order := []string{"--prefix", "order", "--index", "by-user:1:user_id:created_at"}
	t.Run("refused without --yes", func(t *testing.T) {
		s := tctlJSON(t, exitRefused, args(demo, []string{"reindex", "--tenant", "acme"}, order)...)
		require.Nil(t, s.Counts)
	})
	t.Run("dry run", func(t *testing.T) {
		s := tctlJSON(t, exitDone, args(demo, []string{"reindex", "--tenant", "acme", "--dry-run"}, order)...)
		require.Equal(t, int64(10), s.Counts.Done, "the orders written without index keys")
		require.Equal(t, int64(50), s.Counts.Examined)
	})
	t.Run("one tenant", func(t *testing.T) {
		s := tctlJSON(t, exitDone, args(demo, []string{"reindex", "--tenant", "acme", "--yes"}, order)...)
		require.Equal(t, int64(10), s.Counts.Done)
		require.Zero(t, s.Counts.Failed)
	})
	t.Run("every tenant", func(t *testing.T) {
		s := tctlJSON(t, exitDone, args(demo, []string{"reindex", "--all", "--operator-reason", "backfill by-user", "--yes"}, order)...)
		require.Equal(t, int64(12), s.Counts.Done, "acme's 10 and globex's 2")
		require.Empty(t, s.Tenant)
	})
	t.Run("invalid spec", func(t *testing.T) {
		s := tctlJSON(t, exitUsage, args(demo, []string{"reindex", "--tenant", "acme", "--yes", "--prefix", "or#der", "--index", "by-user:1:user_id:created_at"})...)
		require.Equal(t, "invalid-argument", s.Error.Kind)
	})
}

func TestMemoryTenants(t *testing.T) {
	s := tctlJSON(t, exitDone, args(demo, []string{"tenants", "--operator-reason", "test"})...)
	var res tenantsResult
	s.result(t, &res)
	got := append([]string{}, res.Tenants...)
	sort.Strings(got)
	require.Equal(t, []string{"acme", "acme-corp", "globex"}, got)
	require.Empty(t, res.Next)

	o := tctl(t, args(demo, []string{"tenants", "--operator-reason", "test"})...)
	require.Equal(t, exitDone, o.code, o.stderr)
	lines := strings.Fields(o.stdout)
	sort.Strings(lines)
	assert.Equal(t, []string{"acme", "acme-corp", "globex"}, lines)
}

func readLines(t *testing.T, name string) []string {
	t.Helper()
	f, err := os.Open(name)
	require.NoError(t, err)
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	require.NoError(t, sc.Err())
	return lines
}

// The command in this process, so that -race sees its goroutines: the
// operation's, the progress reporter's and the signal handling's.
func TestRunInProcess(t *testing.T) {
	var stdout, stderr strings.Builder
	code := run(t.Context(), []string{"--memory-seed", "demo", "purge", "--tenant", "acme", "--yes",
		"--concurrency", "4", "--page-size", "5", "--json"}, strings.NewReader(""), &stdout, &stderr)
	o := outcome{code: code, stdout: stdout.String(), stderr: stderr.String()}
	require.Equal(t, exitDone, code, o.stderr)
	s := parseSummary(t, o)
	require.Equal(t, demoTotal("acme"), s.Counts.Done)
	require.Contains(t, o.stderr, "purge acme finished")

	// Canceled before it starts: interrupted, nothing done.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	stdout.Reset()
	stderr.Reset()
	code = run(ctx, []string{"--memory-seed", "demo", "purge", "--tenant", "acme", "--yes", "--json"}, strings.NewReader(""), &stdout, &stderr)
	o = outcome{code: code, stdout: stdout.String(), stderr: stderr.String()}
	require.Equal(t, exitInterrupted, code, o.stderr)
	s = parseSummary(t, o)
	require.Equal(t, "interrupted", s.Error.Kind)
}
