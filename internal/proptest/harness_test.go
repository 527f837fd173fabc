package proptest

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"pgregory.net/rapid"

	"github.com/tenantrepo/tenantrepo/backend"
	dynamodbbackend "github.com/tenantrepo/tenantrepo/backend/dynamodb"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
)

// EnvSteps is the environment variable that sets how many steps, in
// total, each property test runs (see doc.go).
const EnvSteps = "TENANTREPO_PROP_STEPS"

// budget is how long a test runs by default: checks sequences (rapid's
// checks) of about steps steps each (rapid's average), and at least
// minSteps steps in all.
type budget struct {
	checks, steps, minSteps int
}

// configure sets rapid's -rapid.checks and -rapid.steps for the test, unless
// the command line or the environment (RAPID_CHECKS, RAPID_STEPS) gives
// them. TENANTREPO_PROP_STEPS=n scales the test to about n steps. It
// returns the fewest steps the test must run before it stops (0 when the
// caller chose the size).
func configure(t *testing.T, b budget) int {
	t.Helper()
	checks, minSteps := b.checks, b.minSteps
	if v := os.Getenv(EnvSteps); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q is not a positive number", EnvSteps, v)
		}
		checks, minSteps = max(1, n/b.steps), n
	}
	given := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { given[f.Name] = true })
	set := func(name, env string, v int) bool {
		if given[name] || os.Getenv(env) != "" {
			return false
		}
		f := flag.Lookup(name)
		if f == nil {
			t.Fatalf("rapid has no flag -%s", name)
		}
		old := f.Value.String()
		if err := f.Value.Set(strconv.Itoa(v)); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = f.Value.Set(old) })
		return true
	}
	c := set("rapid.checks", "RAPID_CHECKS", checks)
	s := set("rapid.steps", "RAPID_STEPS", b.steps)
	if !c || !s || testing.Short() {
		return 0
	}
	return minSteps
}

// stats counts what a test ran.
type stats struct {
	mu        sync.Mutex
	sequences int
	steps     int
	excluded  map[string]int           // known differences: steps not run, by name
	outcomes  map[string]int           // op kind and result kind
	spent     map[string]time.Duration // time by op kind, and "state" for state checks
	start     time.Time
}

func newStats() *stats {
	return &stats{excluded: map[string]int{}, outcomes: map[string]int{}, spent: map[string]time.Duration{}, start: time.Now()}
}

// timed adds the time since start to what's.
func (s *stats) timed(what string, start time.Time) {
	d := time.Since(start)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.spent[what] += d
}

// outcome counts one step's op kind and result, and for a query with a
// cursor where the cursor came from.
func (s *stats) outcome(o *op, r result, pool []cursorEntry) {
	k := r.Err
	if i := strings.IndexByte(k, '['); i >= 0 {
		k = k[:i]
	}
	if r.Next != "" {
		k += "+next"
	}
	if r.LastKey != "" {
		k += "+lastkey"
	}
	name := o.Kind.String()
	if o.Kind == opQuery || o.Kind == opQueryIndex {
		name += " " + cursorRelation(o, pool)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outcomes[name+" "+k]++
}

// cursorRelation says where a query's cursor came from.
func cursorRelation(o *op, pool []cursorEntry) string {
	c := o.Q.Cursor
	switch c.Kind {
	case curNone:
		return "(no cursor)"
	case curMutated:
		return "(changed cursor)"
	case curSigned:
		return "(cursor signed by the test)"
	case curGarbage:
		return "(garbage cursor)"
	}
	e := pool[c.Pool]
	switch {
	case e.Tenant != o.Tenant:
		return "(another tenant's cursor)"
	case e.Type != o.Type:
		return "(another type's cursor)"
	case (e.Q.Index == "") != (o.Kind == opQuery):
		return "(cursor of a table/index query)"
	case e.Q.Index != o.Q.Index || e.Q.Part != o.Q.Part:
		return "(another index or partition's cursor)"
	case e.Q.Key != o.Q.Key || e.Q.Desc != o.Q.Desc:
		return "(own cursor, other condition)"
	}
	return "(own cursor)"
}

func (s *stats) add(seqs, steps int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sequences += seqs
	s.steps += steps
}

func (s *stats) total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.steps
}

func (s *stats) report(t *testing.T, what string) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	notRun := 0
	for _, n := range s.excluded {
		notRun += n
	}
	t.Logf("%s: %d sequences, %d steps run in %v (rapid's runs, shrinking included)",
		what, s.sequences, s.steps-notRun, time.Since(s.start).Round(time.Millisecond))
	for name, n := range s.excluded {
		for _, d := range knownDifferences {
			if d.name == name {
				t.Logf("%s: %d more steps not run: known difference %q: %s", what, n, name, d.reason)
			}
		}
	}
	if testing.Verbose() {
		keys := slices.Sorted(maps.Keys(s.outcomes))
		var b strings.Builder
		for _, k := range keys {
			fmt.Fprintf(&b, "\n  %-40s %6d", k, s.outcomes[k])
		}
		t.Logf("%s: steps by op and outcome:%s", what, b.String())
		b.Reset()
		for _, k := range slices.Sorted(maps.Keys(s.spent)) {
			fmt.Fprintf(&b, "\n  %-20s %v", k, s.spent[k].Round(time.Millisecond))
		}
		t.Logf("%s: time by op:%s", what, b.String())
	}
}

// check runs prop with rapid until at least minSteps steps have run:
// once, then again with as many sequences as the steps missing need.
func check(t *testing.T, st *stats, minSteps int, prop func(*rapid.T)) {
	t.Helper()
	rapid.Check(t, prop)
	for round := 0; st.total() < minSteps && !t.Failed() && round < 10; round++ {
		checks, steps := flag.Lookup("rapid.checks"), flag.Lookup("rapid.steps")
		avg, _ := strconv.Atoi(steps.Value.String())
		old := checks.Value.String()
		more := (minSteps-st.total())/max(avg, 1) + 1
		if err := checks.Value.Set(strconv.Itoa(more)); err != nil {
			t.Fatal(err)
		}
		rapid.Check(t, prop)
		_ = checks.Value.Set(old)
	}
}

// localTables returns a function that gives each rapid check an empty
// table on DynamoDB Local, with every index: one table for the test
// (dynamotest.NewTable, deleted when the test ends), emptied after each
// check, which is quicker than a table for each check and makes shrinking
// quicker.
func localTables(t *testing.T) func() (backend.Backend, func(), error) {
	var b *dynamodbbackend.Backend
	return func() (backend.Backend, func(), error) {
		if b == nil {
			b = dynamotest.NewTable(t)
		}
		return b, func() {
			if err := clearTable(dynamotest.Client(t), b); err != nil {
				t.Errorf("empty table %s: %v", b.Table(), err)
			}
		}, nil
	}
}

// clearTable deletes every item of the table.
func clearTable(client *ddb.Client, b *dynamodbbackend.Backend) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	in := &ddb.ScanInput{TableName: aws.String(b.Table()), ConsistentRead: aws.Bool(true), ProjectionExpression: aws.String("PK, SK")}
	var writes []backend.WriteRequest
	for {
		out, err := client.Scan(ctx, in)
		if err != nil {
			return err
		}
		for _, it := range out.Items {
			pk, _ := it["PK"].(*types.AttributeValueMemberS)
			sk, _ := it["SK"].(*types.AttributeValueMemberS)
			if pk == nil || sk == nil {
				return fmt.Errorf("item without string keys: %v", it)
			}
			writes = append(writes, backend.WriteRequest{Delete: &backend.Key{PK: pk.Value, SK: sk.Value}})
		}
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	for len(writes) > 0 {
		n := min(len(writes), backend.MaxBatchWrite)
		out, err := b.BatchWrite(ctx, backend.BatchWriteInput{Writes: writes[:n]})
		if err != nil {
			return err
		}
		writes = append(out.Unprocessed, writes[n:]...)
	}
	return nil
}
