package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/ops"
)

// bin is the tenantctl binary the tests run, built once by TestMain. It
// is built without the race detector even when the tests have it: a race
// binary takes about a second to start, and the tests start it some sixty
// times. TestRunInProcess runs the command's goroutines under the
// detector instead.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tenantctl-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "tenantctl")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building tenantctl:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// cliEnv is the environment of the binary: the tests' own without any AWS
// setting, and with shared config files that do not exist, so that
// neither the environment nor the machine's ~/.aws changes what the
// binary does: a loopback endpoint gets the dummy credentials and region
// us-east-1, which are dynamotest's too (DynamoDB Local keeps one database
// per access key and region).
func cliEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	none := filepath.Join(os.TempDir(), "tenantctl-test-no-such-aws-file")
	return append(env, "AWS_CONFIG_FILE="+none, "AWS_SHARED_CREDENTIALS_FILE="+none, "AWS_EC2_METADATA_DISABLED=true")
}

// outcome is one run of the binary.
type outcome struct {
	code           int
	stdout, stderr string
}

// tctl runs the binary with args and returns what it did.
func tctl(t *testing.T, args ...string) outcome {
	t.Helper()
	return tctlInput(t, nil, args...)
}

// tctlInput is tctl with stdin as the binary's standard input.
func tctlInput(t *testing.T, stdin io.Reader, args ...string) outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = cliEnv()
	cmd.Stdin = stdin
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatalf("tenantctl %s: %v", strings.Join(args, " "), err)
	}
	return outcome{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// jsonSummary is the summary --json prints, its result kept raw.
type jsonSummary struct {
	Op             string          `json:"op"`
	Tenant         string          `json:"tenant"`
	ToTenant       string          `json:"toTenant"`
	Backend        string          `json:"backend"`
	ToBackend      string          `json:"toBackend"`
	Status         string          `json:"status"`
	ExitCode       int             `json:"exitCode"`
	DryRun         bool            `json:"dryRun"`
	Counts         *ops.Counts     `json:"counts"`
	Checkpoint     ops.Checkpoint  `json:"checkpoint"`
	Error          *summaryError   `json:"error"`
	Result         json.RawMessage `json:"result"`
	ElapsedSeconds float64         `json:"elapsedSeconds"`
}

// parseSummary parses stdout as one summary object and checks that its
// exit code is the process's.
func parseSummary(t *testing.T, o outcome) jsonSummary {
	t.Helper()
	var s jsonSummary
	dec := json.NewDecoder(strings.NewReader(o.stdout))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&s), "stdout is a summary object:\n%s\nstderr:\n%s", o.stdout, o.stderr)
	require.False(t, dec.More(), "stdout holds one object only:\n%s", o.stdout)
	require.Equal(t, o.code, s.ExitCode, "the summary's exit code is the process's")
	require.Equal(t, statusNames[o.code], s.Status)
	return s
}

// tctlJSON runs the binary with args and --json, checks the exit code, and
// returns the summary.
func tctlJSON(t *testing.T, wantCode int, args ...string) jsonSummary {
	t.Helper()
	o := tctl(t, append(args, "--json")...)
	require.Equal(t, wantCode, o.code, "exit code of tenantctl %s\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), o.stdout, o.stderr)
	s := parseSummary(t, o)
	if wantCode == exitDone {
		require.Nil(t, s.Error)
	} else {
		require.NotNil(t, s.Error)
		require.NotEmpty(t, s.Error.Message)
	}
	return s
}

// result decodes the summary's result into v.
func (s jsonSummary) result(t *testing.T, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(s.Result, v), "result: %s", s.Result)
}

// demoItems are the items --memory-seed demo (seedDemo) writes per tenant
// and type.
func demoItems(tenant string) map[string]int64 {
	for _, d := range demoTenants {
		if d.id == tenant {
			m := map[string]int64{"user": int64(d.users), "order": int64(d.orders + d.legacy)}
			if d.note {
				m["note"] = 1
			}
			return m
		}
	}
	panic("no demo tenant " + tenant)
}

func demoTotal(tenant string) int64 {
	var n int64
	for _, v := range demoItems(tenant) {
		n += v
	}
	return n
}

// byTypeItems returns the item counts of byType.
func byTypeItems(byType map[string]ops.TypeStats) map[string]int64 {
	m := map[string]int64{}
	for p, s := range byType {
		m[p] = s.Items
	}
	return m
}

// snapshot returns every item of the tenants' partitions in b, read
// straight from the backend, by partition key.
func snapshot(t *testing.T, b backend.Backend, tenants ...string) map[string][]backend.Item {
	t.Helper()
	out := map[string][]backend.Item{}
	for _, tenant := range tenants {
		pk := entity.PartitionKey(tenant)
		// Every sort key of the seed is above "a" and below "~".
		in := backend.QueryInput{PK: pk, Range: backend.SortRange{Op: backend.Between, Lo: "a", Hi: "~"}, Limit: 1000, ConsistentRead: true}
		items := []backend.Item{}
		for {
			page, err := b.Query(t.Context(), in)
			require.NoError(t, err)
			items = append(items, page.Items...)
			if page.LastKey == nil {
				break
			}
			in.StartKey = page.LastKey
		}
		out[pk] = items
	}
	return out
}
