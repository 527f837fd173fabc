package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
)

// checkScenario runs the demo's scenario on a store and checks each step of
// what it prints.
func checkScenario(t *testing.T, run func(w *bytes.Buffer) error) {
	t.Helper()
	var out bytes.Buffer
	require.NoError(t, run(&out))
	uuid := `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`
	want := []string{
		`tenant 1: ` + uuid,
		`tenant 2: ` + uuid,
		`tenant 1: added user Alice <alice@example\.com> with ID (` + uuid + `)`,
		`tenant 2: added user Bob <bob@example\.com> with ID ` + uuid,
		`tenant 1: added order (` + uuid + `) for Alice, amount 150`,
		`tenant 2: added order ` + uuid + ` for Bob, amount 200`,
		`tenant 1: got user (` + uuid + `): Alice <alice@example\.com>`,
		`tenant 1: orders:`,
		`  order (` + uuid + `): user (` + uuid + `), amount 150`,
		`tenant 1: orders of Alice, newest first \(index by-user\):`,
		`  order (` + uuid + `): amount 150, created (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z)`,
		`tenant 2: user (` + uuid + `) is not found \(it belongs to tenant 1\)`,
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, len(want), "output:\n%s", out.String())
	got := map[int][]string{}
	for i, pattern := range want {
		m := regexp.MustCompile(`^` + pattern + `$`).FindStringSubmatch(lines[i])
		require.NotNil(t, m, "line %d %q does not match %q", i+1, lines[i], pattern)
		got[i] = m[1:]
	}
	alice := got[2][0]
	require.Equal(t, alice, got[6][0], "get returns the first user")
	require.Equal(t, got[4][0], got[8][0], "the list holds the first tenant's order")
	require.Equal(t, alice, got[8][1], "the order belongs to Alice")
	require.Equal(t, got[4][0], got[10][0], "the index holds Alice's order")
	require.Equal(t, alice, got[11][0])
}

func TestScenarioMemory(t *testing.T) {
	checkScenario(t, func(w *bytes.Buffer) error {
		return scenario(context.Background(), w, memory.New())
	})
}

func TestScenarioDynamoDB(t *testing.T) {
	b := dynamotest.NewTable(t)
	checkScenario(t, func(w *bytes.Buffer) error {
		return scenario(context.Background(), w, b)
	})
}

// The demo's own path: open creates the table when it is missing, and a
// second run on the same table works too.
func TestOpenDynamoDBCreatesTable(t *testing.T) {
	endpoint := dynamotest.Endpoint(t)
	table := dynamotest.TableName(t)
	dynamotest.DeleteTableOnCleanup(t, dynamotest.Client(t), table)
	for range 2 {
		b, err := open(context.Background(), endpoint, table)
		require.NoError(t, err)
		checkScenario(t, func(w *bytes.Buffer) error {
			return scenario(context.Background(), w, b)
		})
	}
}
