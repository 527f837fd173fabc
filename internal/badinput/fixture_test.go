package badinput_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// fixture is one store with the cases' repositories, seeded with two
// tenants' entities.
type fixture struct {
	name  string
	b     backend.Backend
	users *repo.Repository[user]
	notes *repo.Repository[note]
	accts *repo.Repository[acct]
	// Repositories of types whose writes are refused.
	clashes   *repo.Repository[clash]
	gsiClash  *repo.Repository[gsiClash]
	liars     *repo.Repository[liar]
	elsewhere *repo.Repository[user] // on another store
	// lessIndexes is a backend of the same table with only GSI1.
	lessIndexes backend.Backend

	ctx, other, noTenant, canceled, expired context.Context

	// Cursors made by the seeded store for the cases to misuse.
	cursors map[string]string

	snapshot func(t *testing.T) []backend.Item
}

const (
	tenant      = "acme"
	otherTenant = "globex"
)

// seed stores, for both tenants, users u1..u5 (u1, u3, u5 in group g1),
// notes n1, n2 and the account a1 (version 1).
func (f *fixture) seed(t *testing.T) {
	t.Helper()
	for _, ctx := range []context.Context{f.ctx, f.other} {
		for i := 1; i <= 5; i++ {
			g := []string{"g2", "g1"}[i%2]
			_, err := f.users.Create(ctx, user{ID: fmt.Sprintf("u%d", i), Name: fmt.Sprintf("user %d", i),
				Tags: []string{"t"}, Attrs: map[string]string{"k": "v"}, Group: g, At: fmt.Sprintf("2024-0%d", i)})
			require.NoError(t, err)
		}
		for _, k := range []string{"n1", "n2"} {
			_, err := f.notes.Create(ctx, note{Key: k, Text: "text"})
			require.NoError(t, err)
		}
		_, err := f.accts.Create(ctx, acct{ID: "a1", Balance: 10})
		require.NoError(t, err)
	}
	next := func(p repo.Page[user], err error) string {
		t.Helper()
		require.NoError(t, err)
		require.NotEmpty(t, p.Next)
		return p.Next
	}
	np, err := f.notes.List(f.ctx, repo.WithLimit(1))
	require.NoError(t, err)
	require.NotEmpty(t, np.Next)
	f.cursors = map[string]string{
		"list":         next(f.users.List(f.ctx, repo.WithLimit(1))),
		"list-desc":    next(f.users.List(f.ctx, repo.WithLimit(1), repo.WithDescending())),
		"query-gt-u1":  next(f.users.Query(f.ctx, repo.GreaterThan("u1"), repo.WithLimit(1))),
		"index-g1":     next(f.users.Index("by-group").Query(f.ctx, "g1", repo.WithLimit(1))),
		"other-list":   next(f.users.List(f.other, repo.WithLimit(1))),
		"other-index":  next(f.users.Index("by-group").Query(f.other, "g1", repo.WithLimit(1))),
		"notes-list":   np.Next,
		"elsewhere-ok": "", // set below
	}
	_, err = f.elsewhere.Create(f.ctx, user{ID: "e1"})
	require.NoError(t, err)
	_, err = f.elsewhere.Create(f.ctx, user{ID: "e2"})
	require.NoError(t, err)
	f.cursors["elsewhere-ok"] = next(f.elsewhere.List(f.ctx, repo.WithLimit(1)))
}

// newFixture makes the repositories and contexts on b.
func newFixture(t *testing.T, name string, b, lessIndexes backend.Backend, snapshot func(*testing.T) []backend.Item) *fixture {
	t.Helper()
	f := &fixture{name: name, b: b, lessIndexes: lessIndexes, snapshot: snapshot}
	f.users = repo.MustNew[user](b)
	f.notes = repo.MustNew[note](b)
	f.accts = repo.MustNew[acct](b)
	f.clashes = repo.MustNew[clash](b)
	f.gsiClash = repo.MustNew[gsiClash](b)
	f.liars = repo.MustNew[liar](b)
	f.elsewhere = repo.MustNew[user](memory.New())
	f.ctx = tenantctx.MustWithTenant(context.Background(), tenant)
	f.other = tenantctx.MustWithTenant(context.Background(), otherTenant)
	f.noTenant = context.Background()
	canceled, cancel := context.WithCancel(f.ctx)
	cancel()
	f.canceled = canceled
	expired, cancel2 := context.WithDeadline(f.ctx, time.Now().Add(-time.Second))
	t.Cleanup(cancel2)
	f.expired = expired
	f.seed(t)
	return f
}

// memoryFixture is a fixture on a memory store.
// onBothBackends runs fn, as parallel subtests named "memory" and
// "dynamodb", on a fixture of each backend.
func onBothBackends(t *testing.T, fn func(t *testing.T, f *fixture)) {
	t.Helper()
	for _, fx := range []struct {
		name string
		make func(t *testing.T) *fixture
	}{{"memory", memoryFixture}, {"dynamodb", dynamoFixture}} {
		t.Run(fx.name, func(t *testing.T) {
			t.Parallel()
			fn(t, fx.make(t))
		})
	}
}

func memoryFixture(t *testing.T) *fixture {
	s := memory.New()
	return newFixture(t, "memory", s, memory.New(func(o *memory.Options) { o.Indexes = 1 }), func(*testing.T) []backend.Item {
		return s.Snapshot()
	})
}

// dynamoFixture is a fixture on a table of its own in DynamoDB Local; it
// skips the test without DYNAMODB_ENDPOINT.
func dynamoFixture(t *testing.T) *fixture {
	b := dynamotest.NewTable(t)
	client := dynamotest.Client(t)
	less := newDynamoBackend(t, client, b.Table(), 1)
	return newFixture(t, "dynamodb", b, less, func(t *testing.T) []backend.Item {
		return scan(t, client, b.Table())
	})
}

// scan returns every item of the table, in partition and sort key order,
// read with a consistent Scan: everything, whatever partitions a bad call
// might have written to.
func scan(t *testing.T, client *ddb.Client, table string) []backend.Item {
	t.Helper()
	var out []backend.Item
	p := ddb.NewScanPaginator(client, &ddb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		require.NoError(t, err)
		out = append(out, page.Items...)
	}
	s := func(it backend.Item, k string) string { return it[k].(*types.AttributeValueMemberS).Value }
	slices.SortFunc(out, func(a, b backend.Item) int {
		return cmp.Or(cmp.Compare(s(a, "PK"), s(b, "PK")), cmp.Compare(s(a, "SK"), s(b, "SK")))
	})
	return out
}

// firstErr runs an iterator of All, QueryAll or QueryIndexAll to its end
// and returns its error.
func firstErr[T any](seq iter.Seq2[T, error]) error {
	for _, err := range seq {
		if err != nil {
			return err
		}
	}
	return nil
}

// repoKinds are the repository's error kinds, and the context errors.
var repoKinds = []struct {
	name string
	err  error
}{
	{"ErrNotFound", repo.ErrNotFound}, {"ErrAlreadyExists", repo.ErrAlreadyExists},
	{"ErrNoTenant", repo.ErrNoTenant}, {"ErrInvalidTenant", repo.ErrInvalidTenant},
	{"ErrInvalidID", repo.ErrInvalidID}, {"ErrInvalidCursor", repo.ErrInvalidCursor},
	{"ErrItemTooLarge", repo.ErrItemTooLarge}, {"ErrInvalidArgument", repo.ErrInvalidArgument},
	{"ErrDuplicatePrefix", repo.ErrDuplicatePrefix}, {"ErrDecode", repo.ErrDecode},
	{"ErrThrottled", repo.ErrThrottled}, {"ErrConflict", repo.ErrConflict},
	{"ErrConditionFailed", repo.ErrConditionFailed}, {"ErrTxCanceled", repo.ErrTxCanceled},
	{"ErrUnsupported", repo.ErrUnsupported},
	{"context.Canceled", context.Canceled}, {"context.DeadlineExceeded", context.DeadlineExceeded},
}

// backendKinds are package backend's error kinds.
var backendKinds = []struct {
	name string
	err  error
}{
	{"backend.ErrNotFound", backend.ErrNotFound}, {"backend.ErrConditionFailed", backend.ErrConditionFailed},
	{"backend.ErrItemTooLarge", backend.ErrItemTooLarge}, {"backend.ErrInvalidArgument", backend.ErrInvalidArgument},
	{"backend.ErrInvalidStartKey", backend.ErrInvalidStartKey}, {"backend.ErrThrottled", backend.ErrThrottled},
	{"backend.ErrTxCanceled", backend.ErrTxCanceled}, {"backend.ErrUnsupported", backend.ErrUnsupported},
	{"backend.ErrDuplicatePrefix", backend.ErrDuplicatePrefix},
	{"context.Canceled", context.Canceled}, {"context.DeadlineExceeded", context.DeadlineExceeded},
}

// kindNames returns the names of the kinds in list that err is.
func kindNames(err error, list []struct {
	name string
	err  error
}) []string {
	var out []string
	for _, k := range list {
		if errors.Is(err, k.err) {
			out = append(out, k.name)
		}
	}
	sort.Strings(out)
	return out
}

func nameOf(kinds []error, list []struct {
	name string
	err  error
}) []string {
	var out []string
	for _, want := range kinds {
		for _, k := range list {
			if k.err == want {
				out = append(out, k.name)
			}
		}
	}
	sort.Strings(out)
	return out
}

// call runs fn and turns a panic into an error the test reports.
func call(fn func() error) (err error, panicked any) {
	defer func() {
		if p := recover(); p != nil {
			panicked = p
		}
	}()
	return fn(), nil
}

// checkKinds fails unless err is exactly the kinds want (none: err is nil).
func checkKinds(t *testing.T, err error, want []error, list []struct {
	name string
	err  error
}) {
	t.Helper()
	if len(want) == 0 {
		assert.NoError(t, err)
		return
	}
	if !assert.Error(t, err) {
		return
	}
	assert.Equal(t, nameOf(want, list), kindNames(err, list), "error kinds of: %v", err)
}

// Short names of attribute value types, for the backend cases.
type (
	typesAV = types.AttributeValue
	typesB  = types.AttributeValueMemberB
	typesN  = types.AttributeValueMemberN
	typesSS = types.AttributeValueMemberSS
)

func s2(v string) *types.AttributeValueMemberS { return &types.AttributeValueMemberS{Value: v} }
