package changefeed_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	dynamodbbackend "github.com/tenantrepo/tenantrepo/backend/dynamodb"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/changefeed"
	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// Note is the entity type the tests subscribe to.
type Note struct {
	ID      string `dynamodbav:"-"`
	Text    string `dynamodbav:"text"`
	Count   int    `dynamodbav:"count"`
	Expires int64  `dynamodbav:"expires,omitempty"`
}

func (Note) EntityPrefix() string     { return "note" }
func (n Note) EntityID() string       { return n.ID }
func (n *Note) SetEntityID(id string) { n.ID = id }
func (Note) ExpiryAttribute() string  { return "expires" }

// Task is another entity type of the same tenants, which a Note
// subscription never sees.
type Task struct {
	ID    string `dynamodbav:"-"`
	Title string `dynamodbav:"title"`
}

func (Task) EntityPrefix() string     { return "task" }
func (t Task) EntityID() string       { return t.ID }
func (t *Task) SetEntityID(id string) { t.ID = id }

type dynamodbOptions = dynamodbbackend.Options

// feedBackend is a backend with its change feed on.
type feedBackend interface {
	backend.Backend
	backend.ChangeFeed
}

// backends returns a new memory store and a new DynamoDB Local table, each
// with its change feed on.
func backends(t *testing.T) map[string]feedBackend {
	t.Helper()
	return map[string]feedBackend{
		"memory":   memory.New(memory.WithChangeFeed(memory.FeedOptions{})),
		"dynamodb": dynamotest.NewFeedTable(t, func(o *dynamodbOptions) { o.Indexes = 1 }),
	}
}

func tenant(t *testing.T, id string) context.Context {
	t.Helper()
	return tenantctx.MustWithTenant(t.Context(), id)
}

// describe renders an event for comparison.
func describe(ev changefeed.Event[Note]) string {
	if ev.Err != nil {
		return fmt.Sprintf("%s %s: error", ev.Kind, ev.ID)
	}
	img := func(n Note) string { return fmt.Sprintf("{%s %s %d}", n.ID, n.Text, n.Count) }
	switch ev.Kind {
	case changefeed.Created:
		return fmt.Sprintf("%s %s new=%s", ev.Kind, ev.ID, img(ev.New))
	case changefeed.Updated:
		return fmt.Sprintf("%s %s old=%s new=%s", ev.Kind, ev.ID, img(ev.Old), img(ev.New))
	}
	return fmt.Sprintf("%s %s old=%s", ev.Kind, ev.ID, img(ev.Old))
}

// drain polls sub until a poll returns nothing, and returns the events.
func drain(t *testing.T, ctx context.Context, sub *changefeed.Subscription[Note]) []changefeed.Event[Note] {
	t.Helper()
	var all []changefeed.Event[Note]
	for empty := 0; empty < 2; {
		evs, err := sub.Poll(ctx)
		require.NoError(t, err)
		if len(evs) == 0 {
			empty++ // a read can stop at an empty page of a shard
		}
		all = append(all, evs...)
	}
	return all
}

// script runs the same repository calls on b, for tenant acme and its
// neighbours, and checks the calls that must fail did.
func script(t *testing.T, b backend.Backend) {
	t.Helper()
	notes := repo.MustNew[Note](b)
	tasks := repo.MustNew[Task](b)
	acme := tenant(t, "acme")

	_, err := notes.Create(acme, Note{ID: "n1", Text: "a"})
	require.NoError(t, err)
	_, err = notes.Put(acme, Note{ID: "n1", Text: "b"})
	require.NoError(t, err)
	_, err = notes.Put(acme, Note{ID: "n1", Text: "b"}) // the same item: no event
	require.NoError(t, err)
	_, err = notes.Update(acme, Note{ID: "n1", Count: 2}, []string{"count"})
	require.NoError(t, err)
	_, err = notes.UpdateExpr(acme, "n1", expression.Add(expression.Name("count"), expression.Value(3)))
	require.NoError(t, err)
	_, err = notes.Create(acme, Note{ID: "n1", Text: "again"}) // conditional failure: no event
	require.ErrorIs(t, err, repo.ErrAlreadyExists)
	require.NoError(t, notes.Delete(acme, "missing")) // deletes nothing: no event
	require.NoError(t, notes.BatchPut(acme, []Note{{ID: "n2", Text: "b2"}, {ID: "n3", Text: "b3"}}))
	require.NoError(t, notes.BatchDelete(acme, []string{"n3"}))
	require.NoError(t, repo.Transact(acme,
		notes.TxCreate(Note{ID: "n4", Text: "t4"}),
		notes.TxUpdate(Note{ID: "n2", Text: "t2"}, []string{"text"}),
		notes.TxDelete("n1"),
	))
	err = repo.Transact(acme, // canceled: no event
		notes.TxCreate(Note{ID: "n2", Text: "dup"}),
		notes.TxPut(Note{ID: "n5", Text: "never"}),
	)
	require.ErrorIs(t, err, repo.ErrTxCanceled)
	_, err = tasks.Create(acme, Task{ID: "n6", Title: "another type"})
	require.NoError(t, err)
	for _, other := range []string{"acme-corp", "acm", "Acme", "acme.x"} {
		_, err := notes.Create(tenant(t, other), Note{ID: "n1", Text: "of " + other})
		require.NoError(t, err)
	}
	_, err = notes.Put(acme, Note{ID: "n4", Text: "last"})
	require.NoError(t, err)
}

// wantScript is what acme's Note subscription sees of script, per note.
var wantScript = map[string][]string{
	"n1": {
		"created n1 new={n1 a 0}",
		"updated n1 old={n1 a 0} new={n1 b 0}",
		"updated n1 old={n1 b 0} new={n1 b 2}",
		"updated n1 old={n1 b 2} new={n1 b 5}",
		"deleted n1 old={n1 b 5}",
	},
	"n2": {"created n2 new={n2 b2 0}", "updated n2 old={n2 b2 0} new={n2 t2 0}"},
	"n3": {"created n3 new={n3 b3 0}", "deleted n3 old={n3 b3 0}"},
	"n4": {"created n4 new={n4 t4 0}", "updated n4 old={n4 t4 0} new={n4 last 0}"},
}

func perItem(evs []changefeed.Event[Note]) map[string][]string {
	out := map[string][]string{}
	for _, ev := range evs {
		out[ev.ID] = append(out[ev.ID], describe(ev))
	}
	return out
}

// TestDifferential runs the same repository calls on the memory backend and
// on DynamoDB Local and checks that acme's subscription gets the same
// events per note on both, and the ones expected.
func TestDifferential(t *testing.T) {
	t.Parallel()
	got := map[string]map[string][]string{}
	for name, b := range backends(t) {
		script(t, b)
		sub, err := changefeed.Subscribe(tenant(t, "acme"), repo.MustNew[Note](b))
		require.NoError(t, err)
		evs := drain(t, tenant(t, "acme"), sub)
		got[name] = perItem(evs)
		assert.Equal(t, wantScript, got[name], name)
	}
	assert.Equal(t, got["memory"], got["dynamodb"], "memory and DynamoDB Local give the same events per item")
}

// TestResume stops consumers in the middle, at a Poll boundary and in the
// middle of a read, and resumes them from their checkpoints: every event
// comes once, in order.
func TestResume(t *testing.T) {
	t.Parallel()
	for name, b := range backends(t) {
		t.Run(name, func(t *testing.T) {
			notes := repo.MustNew[Note](b)
			acme := tenant(t, "acme")
			var want []string
			for i := range 12 {
				id := fmt.Sprintf("r%d", i%4)
				if i < 4 {
					_, err := notes.Create(acme, Note{ID: id, Text: "v0"})
					require.NoError(t, err)
					want = append(want, fmt.Sprintf("created %s new={%s v0 0}", id, id))
					continue
				}
				_, err := notes.Update(acme, Note{ID: id, Count: i}, []string{"count"})
				require.NoError(t, err)
				old := 0 // the first update of each note
				if i >= 8 {
					old = i - 4
				}
				want = append(want, fmt.Sprintf("updated %s old={%s v0 %d} new={%s v0 %d}", id, id, old, id, i))
			}

			limit := func(o *changefeed.Options) { o.Limit = 5 }
			// Consumer 1: one poll of up to 5 changes, then stops.
			sub, err := changefeed.Subscribe(acme, notes, limit)
			require.NoError(t, err)
			first, err := sub.Poll(acme)
			require.NoError(t, err)
			require.NotEmpty(t, first)
			cp, err := sub.Checkpoint()
			require.NoError(t, err)

			// Consumer 2: from the checkpoint, takes two events of its
			// next read and stops in the middle of it.
			sub2, err := changefeed.Subscribe(acme, notes, limit, func(o *changefeed.Options) { o.From = cp })
			require.NoError(t, err)
			var second []changefeed.Event[Note]
			ctx, cancel := context.WithTimeout(acme, 30*time.Second)
			defer cancel()
			for ev, err := range sub2.Events(ctx, 10*time.Millisecond) {
				require.NoError(t, err)
				second = append(second, ev)
				if len(second) == 2 {
					break
				}
			}
			cp2, err := sub2.Checkpoint()
			require.NoError(t, err)

			// Consumer 3: the rest.
			sub3, err := changefeed.Subscribe(acme, notes, limit, func(o *changefeed.Options) { o.From = cp2 })
			require.NoError(t, err)
			third := drain(t, acme, sub3)

			var got []string
			for _, part := range [][]changefeed.Event[Note]{first, second, third} {
				for _, ev := range part {
					got = append(got, describe(ev))
				}
			}
			assert.Equal(t, want, got, "each event once, in order")
		})
	}
}

// TestIsolation: a subscriber of acme never sees the changes of acme-corp,
// acm, Acme, of items stored under "tenant#acme#..." or of other types;
// an item of acme that does not decode is an event with an error; an
// operator reader filtered to acme sees acme's partition only.
func TestIsolation(t *testing.T) {
	t.Parallel()
	for name, b := range backends(t) {
		t.Run(name, func(t *testing.T) {
			notes := repo.MustNew[Note](b)
			for _, id := range []string{"acme-corp", "acm", "Acme", "acme_", "cme"} {
				_, err := notes.Create(tenant(t, id), Note{ID: "x", Text: "secret of " + id})
				require.NoError(t, err)
			}
			s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
			raw := []backend.Item{
				// Outside acme's partition, though it starts like it.
				{"PK": s("tenant#acme#x"), "SK": s("note#x"), "text": s("secret")},
				{"PK": s("tenant#acme#note"), "SK": s("note#y"), "text": s("secret")},
				// In acme's partition, not a note key.
				{"PK": s("tenant#acme"), "SK": s("note#a#b"), "text": s("secret")},
				{"PK": s("tenant#acme"), "SK": s("notes#z"), "text": s("secret")},
				// acme's note that does not decode.
				{"PK": s("tenant#acme"), "SK": s("note#bad"), "count": s("not a number")},
			}
			for _, item := range raw {
				require.NoError(t, b.Put(t.Context(), backend.PutInput{Item: item}))
			}
			acme := tenant(t, "acme")
			_, err := notes.Create(acme, Note{ID: "mine", Text: "acme's"})
			require.NoError(t, err)

			var skipped []error
			sub, err := changefeed.Subscribe(acme, notes, func(o *changefeed.Options) {
				o.OnSkip = func(err error) { skipped = append(skipped, err) }
			})
			require.NoError(t, err)
			evs := drain(t, acme, sub)
			require.Len(t, evs, 2)
			assert.Equal(t, "bad", evs[0].ID)
			assert.ErrorIs(t, evs[0].Err, repo.ErrDecode)
			assert.Equal(t, "created mine new={mine acme's 0}", describe(evs[1]))
			assert.Empty(t, skipped)

			// Another tenant's context cannot poll acme's subscription.
			_, err = sub.Poll(tenant(t, "acme-corp"))
			assert.ErrorIs(t, err, changefeed.ErrScope)

			// The operator's reader of acme: acme's partition only.
			op, err := tenantctx.AsOperator(t.Context(), "test")
			require.NoError(t, err)
			rd, err := changefeed.NewOperatorReader(op, b, func(o *changefeed.Options) { o.Tenant = "acme" })
			require.NoError(t, err)
			var keys []string
			for empty := 0; empty < 2; {
				evs, err := rd.Poll(op)
				require.NoError(t, err)
				if len(evs) == 0 {
					empty++
				}
				for _, ev := range evs {
					assert.Equal(t, "acme", ev.Tenant)
					keys = append(keys, ev.Key.SK)
				}
			}
			assert.ElementsMatch(t, []string{"note#a#b", "notes#z", "note#bad", "note#mine"}, keys)
			_, err = rd.Poll(acme)
			assert.ErrorIs(t, err, tenantctx.ErrNoOperator)
			_, err = changefeed.NewOperatorReader(acme, b)
			assert.Error(t, err, "a tenant's context is no operator's")
		})
	}
}

// TestCheckpointRefused: a checkpoint changed by one character, of another
// tenant, of another type, signed with another key or of another feed is
// refused with ErrInvalidCheckpoint.
func TestCheckpointRefused(t *testing.T) {
	t.Parallel()
	bs := backends(t)
	other := map[string]backend.Backend{
		"memory":   memory.New(memory.WithChangeFeed(memory.FeedOptions{})),
		"dynamodb": dynamotest.NewFeedTable(t, func(o *dynamodbOptions) { o.Indexes = 1 }),
	}
	for name, b := range bs {
		t.Run(name, func(t *testing.T) {
			notes := repo.MustNew[Note](b)
			acme := tenant(t, "acme")
			_, err := notes.Create(acme, Note{ID: "n", Text: "t"})
			require.NoError(t, err)
			sub, err := changefeed.Subscribe(acme, notes)
			require.NoError(t, err)
			drain(t, acme, sub)
			cp, err := sub.Checkpoint()
			require.NoError(t, err)

			from := func(cp string) func(*changefeed.Options) {
				return func(o *changefeed.Options) { o.From = cp }
			}
			flipped := []byte(cp)
			flipped[len(flipped)/2] ^= 1
			if flipped[len(flipped)/2] == '_' || flipped[len(flipped)/2] == '-' {
				flipped[len(flipped)/2] = 'A'
			}
			for what, try := range map[string]func() error{
				"changed": func() error {
					_, err := changefeed.Subscribe(acme, notes, from(string(flipped)))
					return err
				},
				"garbage": func() error {
					_, err := changefeed.Subscribe(acme, notes, from("not a checkpoint"))
					return err
				},
				"another tenant": func() error {
					_, err := changefeed.Subscribe(tenant(t, "acme-corp"), notes, from(cp))
					return err
				},
				"another type": func() error {
					_, err := changefeed.Subscribe(acme, repo.MustNew[Task](b), from(cp))
					return err
				},
				"another key": func() error {
					_, err := changefeed.Subscribe(acme, notes, from(cp), func(o *changefeed.Options) { o.Key = []byte("secret") })
					return err
				},
				"operator": func() error {
					op, err := tenantctx.AsOperator(t.Context(), "test")
					require.NoError(t, err)
					_, err = changefeed.NewOperatorReader(op, b, from(cp))
					return err
				},
				"another feed": func() error {
					sub, err := changefeed.Subscribe(acme, repo.MustNew[Note](other[name]), from(cp))
					if err != nil {
						return err
					}
					_, err = sub.Poll(acme)
					return err
				},
			} {
				err := try()
				assert.ErrorIs(t, err, changefeed.ErrInvalidCheckpoint, what)
				assert.ErrorIs(t, err, backend.ErrInvalidCheckpoint, what)
			}
		})
	}
}

// TestExpired: a removal by the time to live is an Expired event with the
// entity as it was (memory: ExpireItems stands for DynamoDB's TTL).
func TestExpired(t *testing.T) {
	t.Parallel()
	store := memory.New(memory.WithChangeFeed(memory.FeedOptions{}))
	notes := repo.MustNew[Note](store)
	acme := tenant(t, "acme")
	now := time.Now()
	_, err := notes.Create(acme, Note{ID: "old", Text: "t", Expires: now.Add(time.Hour).Unix()})
	require.NoError(t, err)
	sub, err := changefeed.Subscribe(acme, notes)
	require.NoError(t, err)
	require.Len(t, drain(t, acme, sub), 1)
	n, err := store.ExpireItems(t.Context(), "expires", now.Add(2*time.Hour))
	require.NoError(t, err)
	require.Equal(t, 1, n)
	evs := drain(t, acme, sub)
	require.Len(t, evs, 1)
	assert.Equal(t, changefeed.Expired, evs[0].Kind)
	assert.Equal(t, "old", evs[0].Old.ID)
	assert.Equal(t, "t", evs[0].Old.Text)
}

// TestResumeWhileWriting: while a writer updates three notes, a consumer
// reads a few changes at a time and restarts from its checkpoint every
// other read, half of the time in the middle of a read: in the end it has
// seen every update of every note once, in order.
func TestResumeWhileWriting(t *testing.T) {
	t.Parallel()
	const updates = 40
	for name, b := range backends(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			notes := repo.MustNew[Note](b)
			acme := tenant(t, "acme")
			ids := []string{"w0", "w1", "w2"}
			for _, id := range ids {
				_, err := notes.Create(acme, Note{ID: id})
				require.NoError(t, err)
			}
			written := make(chan error, 1)
			go func() {
				for i := 1; i <= updates; i++ {
					if _, err := notes.Update(acme, Note{ID: ids[i%3], Count: i}, []string{"count"}); err != nil {
						written <- err
						return
					}
				}
				written <- nil
			}()

			seen := map[string][]int{}
			total := 0
			cp := ""
			deadline := time.Now().Add(30 * time.Second)
			for round := 0; total < len(ids)+updates; round++ {
				require.True(t, time.Now().Before(deadline), "saw %d of %d events", total, len(ids)+updates)
				sub, err := changefeed.Subscribe(acme, notes, func(o *changefeed.Options) { o.From, o.Limit = cp, 4 })
				require.NoError(t, err)
				take := func(ev changefeed.Event[Note]) {
					require.NoError(t, ev.Err)
					seen[ev.ID] = append(seen[ev.ID], ev.New.Count)
					total++
				}
				if round%2 == 0 {
					evs, err := sub.Poll(acme)
					require.NoError(t, err)
					for _, ev := range evs {
						take(ev)
					}
				} else {
					ctx, cancel := context.WithTimeout(acme, 200*time.Millisecond)
					for ev, err := range sub.Events(ctx, 5*time.Millisecond) {
						if err != nil {
							require.ErrorIs(t, err, context.DeadlineExceeded)
							break
						}
						take(ev)
						if total%3 == 0 {
							break // in the middle of a read, often
						}
					}
					cancel()
				}
				cp, err = sub.Checkpoint()
				require.NoError(t, err)
			}
			require.NoError(t, <-written)
			for k, id := range ids {
				want := []int{0}
				for i := 1; i <= updates; i++ {
					if i%3 == k {
						want = append(want, i)
					}
				}
				assert.Equal(t, want, seen[id], id)
			}
		})
	}
}

// craftedFeed is a memory store whose feed returns, before its own
// changes, the changes a test crafts: what no backend of this module
// records, but a stream written by others might hold.
type craftedFeed struct {
	*memory.Store
	crafted []backend.Change
}

func (f *craftedFeed) ReadChanges(ctx context.Context, in backend.ReadChangesInput) (backend.ReadChangesOutput, error) {
	out, err := f.Store.ReadChanges(ctx, in)
	if err != nil {
		return out, err
	}
	out.Changes = append(f.crafted, out.Changes...)
	f.crafted = nil
	return out, nil
}

// TestMalformedChangesSkipped: changes with keys that are not strings,
// images at another key than the change's, or without the images of their
// kind are skipped and reported without their contents; another tenant's
// are dropped without a word.
func TestMalformedChangesSkipped(t *testing.T) {
	t.Parallel()
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	img := func(pk, sk string) backend.Item {
		return backend.Item{"PK": s(pk), "SK": s(sk), "text": s("secret")}
	}
	at := func(pk, sk string) backend.Key { return backend.Key{PK: pk, SK: sk} }
	feed := &craftedFeed{Store: memory.New(memory.WithChangeFeed(memory.FeedOptions{}))}
	feed.crafted = []backend.Change{
		{Kind: backend.ChangeInsert, New: img("tenant#acme", "note#1"), Shard: "s", Sequence: "1"},                                        // no key
		{Kind: backend.ChangeInsert, Key: at("tenant#acme", "note#1"), New: img("tenant#acme-corp", "note#1"), Shard: "s", Sequence: "2"}, // image elsewhere
		{Kind: backend.ChangeModify, Key: at("tenant#acme", "note#1"), Old: img("tenant#acme", "note#2"), New: img("tenant#acme", "note#1"), Shard: "s", Sequence: "3"},
		{Kind: backend.ChangeInsert, Key: at("tenant#acme", "note#2"), Shard: "s", Sequence: "4"}, // no image
		{Kind: backend.ChangeKind(9), Key: at("tenant#acme", "note#3"), New: img("tenant#acme", "note#3"), Shard: "s", Sequence: "5"},
		{Kind: backend.ChangeInsert, Key: at("tenant#acme-corp", "note#1"), New: img("tenant#acme-corp", "note#1"), Shard: "s", Sequence: "6"},
	}
	notes := repo.MustNew[Note](feed)
	acme := tenant(t, "acme")
	var skipped []error
	sub, err := changefeed.Subscribe(acme, notes, func(o *changefeed.Options) {
		o.OnSkip = func(err error) { skipped = append(skipped, err) }
	})
	require.NoError(t, err)
	evs, err := sub.Poll(acme)
	require.NoError(t, err)
	assert.Empty(t, evs)
	require.Len(t, skipped, 5)
	for _, err := range skipped {
		assert.ErrorIs(t, err, changefeed.ErrMalformedChange)
		var se *changefeed.SkipError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, "s", se.Shard)
		assert.NotContains(t, err.Error(), "secret")
		assert.NotContains(t, err.Error(), "acme")
	}
}
