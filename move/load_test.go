package move

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/route"
)

// load is the application's traffic during a move: writers that each own
// a set of the moving tenant's IDs and keep a model of every write
// acknowledged, and readers that check what they read.
type load struct {
	e     *env
	seeds map[string]Rec // the moving's seeded records
	// pace is the wait between two operations of one client.
	pace time.Duration

	stop    chan struct{}
	wg      sync.WaitGroup
	errs    chan error
	models  []map[string]*Rec // per writer: ID -> record, nil for deleted
	maxSeq  []atomic.Int64    // per writer: the highest Seq sent
	writes  atomic.Int64      // writes acknowledged
	moving  atomic.Int64      // writes refused with route.ErrMoving (then retried)
	retried atomic.Int64      // writes retried after another error
	reads   atomic.Int64
}

// startLoad starts writers and readers on e's routers: writer w and reader
// r use router w % len(routers) and r % len(routers).
func startLoad(t *testing.T, e *env, seeds map[string]Rec, writers, readers int, pace time.Duration) *load {
	l := &load{e: e, seeds: seeds, pace: pace, stop: make(chan struct{}), errs: make(chan error, 100),
		models: make([]map[string]*Rec, writers), maxSeq: make([]atomic.Int64, writers)}
	for w := range writers {
		l.models[w] = map[string]*Rec{}
		for id, r := range seeds {
			if r.Writer%writers == w {
				r := r
				l.models[w][id] = &r
			}
		}
	}
	for w := range writers {
		l.wg.Add(1)
		go l.writer(w, e.routers[w%len(e.routers)])
	}
	for r := range readers {
		l.wg.Add(1)
		go l.reader(r, e.routers[r%len(e.routers)])
	}
	return l
}

func (l *load) fail(err error) {
	select {
	case l.errs <- err:
	default:
	}
}

func (l *load) stopped() bool {
	select {
	case <-l.stop:
		return true
	default:
		return false
	}
}

// finish stops the clients, fails t with their first errors, and returns
// the model: the records of the moving as acknowledged.
func (l *load) finish(t *testing.T) map[string]Rec {
	t.Helper()
	close(l.stop)
	l.wg.Wait()
	close(l.errs)
	for err := range l.errs {
		t.Error(err)
	}
	if t.Failed() {
		t.FailNow()
	}
	want := map[string]Rec{}
	for _, m := range l.models {
		for id, r := range m {
			if r != nil {
				want[id] = *r
			}
		}
	}
	return want
}

// retry runs op until it succeeds: a write refused during a pause
// (route.ErrMoving), given up at the catalog's WriteTimeout, or refused
// for another retryable reason is sent again. The writes are idempotent
// (whole puts, deletes), so a write whose outcome was not known is simply
// sent again.
func (l *load) retry(what string, op func() error) error {
	for attempt := 1; ; attempt++ {
		err := op()
		if err == nil {
			return nil
		}
		switch {
		case errors.Is(err, route.ErrMoving):
			l.moving.Add(1)
		case errors.Is(err, repo.ErrThrottled), errors.Is(err, repo.ErrConflict), errors.Is(err, repo.ErrTxCanceled),
			errors.Is(err, context.DeadlineExceeded):
			l.retried.Add(1)
		default:
			return fmt.Errorf("%s: %w", what, err)
		}
		if attempt == 200 {
			return fmt.Errorf("%s: still failing after %d attempts: %w", what, attempt, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// writer w updates, creates and deletes records it owns, then reads each
// back through the same router: it must read its own write.
func (l *load) writer(w int, rt *route.Router) {
	defer l.wg.Done()
	recs := repo.MustNew[Rec](rt)
	ctx := tctx(moving)
	model := l.models[w]
	var ids []string
	for id := range model {
		ids = append(ids, id)
	}
	rnd := rand.New(rand.NewPCG(uint64(w), 42))
	for n := 0; !l.stopped(); n++ {
		var id string
		switch k := rnd.IntN(10); {
		case k == 0 || len(ids) == 0: // a new record
			id = fmt.Sprintf("w%d-%06d", w, n)
			ids = append(ids, id)
		default:
			id = ids[rnd.IntN(len(ids))]
		}
		seq := l.maxSeq[w].Add(1)
		if model[id] != nil && rnd.IntN(8) == 0 {
			err := l.retry("delete "+id, func() error { return recs.Delete(ctx, id) })
			if err != nil {
				l.fail(err)
				return
			}
			model[id] = nil
		} else {
			r := Rec{ID: id, Owner: moving, Writer: w, Seq: seq}
			err := l.retry("put "+id, func() error { _, err := recs.Put(ctx, r); return err })
			if err != nil {
				l.fail(err)
				return
			}
			model[id] = &r
		}
		l.writes.Add(1)
		// Read your own write.
		got, err := recs.Get(ctx, id, repo.ConsistentRead[*repo.ReadOptions])
		want := model[id]
		switch {
		case want == nil && !errors.Is(err, repo.ErrNotFound):
			l.fail(fmt.Errorf("writer %d: read of deleted %s after its delete: %+v, %v", w, id, got, err))
			return
		case want != nil && err != nil:
			l.fail(fmt.Errorf("writer %d: read of %s after its write: %v", w, id, err))
			return
		case want != nil && got != *want:
			l.fail(fmt.Errorf("writer %d: read of %s after its write: %+v, want %+v", w, id, got, *want))
			return
		}
		if l.pace > 0 {
			time.Sleep(l.pace)
		}
	}
}

// reader r reads pages of the moving's records and single records of both
// tenants: each must be the tenant's own, and written by someone.
func (l *load) reader(r int, rt *route.Router) {
	defer l.wg.Done()
	recs := repo.MustNew[Rec](rt)
	rnd := rand.New(rand.NewPCG(uint64(r), 7))
	check := func(tenant string, got Rec) error {
		if got.Owner != tenant {
			return fmt.Errorf("reader %d: read %s's record %s, owned by %q", r, tenant, got.ID, got.Owner)
		}
		if tenant == moving && got.Writer >= 0 && got.Writer < len(l.maxSeq) && got.Seq > l.maxSeq[got.Writer].Load() {
			return fmt.Errorf("reader %d: record %s has seq %d, never written", r, got.ID, got.Seq)
		}
		return nil
	}
	for !l.stopped() {
		tenant := moving
		if rnd.IntN(4) == 0 {
			tenant = bystander
		}
		ctx := tctx(tenant)
		if rnd.IntN(2) == 0 {
			page, err := recs.Query(ctx, repo.BeginsWith(fmt.Sprintf("s-%03d", rnd.IntN(100))), repo.WithLimit(20))
			if err != nil {
				l.fail(fmt.Errorf("reader %d: query %s: %w", r, tenant, err))
				return
			}
			for _, got := range page.Items {
				if err := check(tenant, got); err != nil {
					l.fail(err)
					return
				}
			}
		} else {
			got, err := recs.Get(ctx, fmt.Sprintf("s-%05d", rnd.IntN(len(l.seeds))))
			if err != nil && !errors.Is(err, repo.ErrNotFound) {
				l.fail(fmt.Errorf("reader %d: get %s: %w", r, tenant, err))
				return
			}
			if err == nil {
				if err := check(tenant, got); err != nil {
					l.fail(err)
					return
				}
			}
		}
		l.reads.Add(1)
		if l.pace > 0 {
			time.Sleep(l.pace)
		}
	}
}

// snapshot returns tenant's items in table b, by sort key.
func snapshot(t *testing.T, b backend.Backend, tenant string) map[string]backend.Item {
	t.Helper()
	out := map[string]backend.Item{}
	for _, it := range partition(t, b, tenant) {
		out[sortKey(it)] = it
	}
	return out
}

// moveDuring runs one move of the moving to table to while the load runs,
// and checks the placement and the source afterwards.
func moveDuring(t *testing.T, ctx context.Context, e *env, l *load, to string, optFns ...func(*Options)) Result {
	t.Helper()
	from, err := e.cat.LookupFresh(ctx, moving)
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("MOVE_DEBUG") != "" {
		optFns = append(optFns, WithProgress(func(p Progress) {
			t.Logf("%v %s: copied %d applied %d repaired %d purged %d; load: %d writes, %d reads",
				p.Elapsed.Round(time.Millisecond), p.Phase, p.Copied, p.Applied, p.Repaired, p.Purged, l.writes.Load(), l.reads.Load())
		}))
	}
	res, err := Run(ctx, e.config(), moving, to, testOptions(optFns...)...)
	if err != nil {
		t.Fatalf("move to %q: %v", displayTable(to), err)
	}
	e.requirePlacement(t, moving, to)
	e.requireEmpty(t, from.Table, moving)
	return res
}
