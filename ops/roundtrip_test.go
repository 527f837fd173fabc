package ops

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/repo"
)

// The entity types of the round trip: with indexes, a version, expiry,
// string, number and binary sets, binaries, maps and lists.

// rtDoc is indexed by owner and expires.
type rtDoc struct {
	ID      string         `dynamodbav:"-"`
	Owner   string         `dynamodbav:"owner"`
	Title   string         `dynamodbav:"title"`
	Tags    []string       `dynamodbav:"tags,stringset,omitempty"`
	Scores  []int          `dynamodbav:"scores,numberset,omitempty"`
	Blobs   [][]byte       `dynamodbav:"blobs,omitempty"`
	Body    []byte         `dynamodbav:"body"`
	Meta    map[string]any `dynamodbav:"meta"`
	Lines   []any          `dynamodbav:"lines"`
	Expires time.Time      `dynamodbav:"expires_at,unixtime"`
}

func (rtDoc) EntityPrefix() string     { return "rtdoc" }
func (d rtDoc) EntityID() string       { return d.ID }
func (d *rtDoc) SetEntityID(id string) { d.ID = id }
func (rtDoc) ExpiryAttribute() string  { return "expires_at" }
func (rtDoc) Indexes() []entity.Index {
	return []entity.Index{{Name: "by-owner", Slot: 1, PartitionAttr: "owner", SortAttr: "title"}}
}

// rtLedger is versioned and indexed by account.
type rtLedger struct {
	ID      string             `dynamodbav:"-"`
	Account string             `dynamodbav:"account"`
	At      string             `dynamodbav:"at"`
	Amount  float64            `dynamodbav:"amount"`
	Parts   map[string]float64 `dynamodbav:"parts"`
	Version int64              `dynamodbav:"version"`
}

func (rtLedger) EntityPrefix() string     { return "ledger" }
func (l rtLedger) EntityID() string       { return l.ID }
func (l *rtLedger) SetEntityID(id string) { l.ID = id }
func (rtLedger) VersionAttribute() string { return "version" }
func (rtLedger) Indexes() []entity.Index {
	return []entity.Index{{Name: "by-account", Slot: 2, PartitionAttr: "account", SortAttr: "at"}}
}

// rtEvent expires, is indexed by kind (in slot 1 too, as types share
// slots), and holds number and binary sets in a list.
type rtEvent struct {
	ID      string    `dynamodbav:"-"`
	Kind    string    `dynamodbav:"kind"`
	At      string    `dynamodbav:"at"`
	Values  []float64 `dynamodbav:"values,numberset"`
	Labels  []string  `dynamodbav:"labels,stringset"`
	Keys    [][]byte  `dynamodbav:"keys"`
	Trail   []any     `dynamodbav:"trail"`
	OK      bool      `dynamodbav:"ok"`
	Note    *string   `dynamodbav:"note"`
	Expires time.Time `dynamodbav:"ttl,unixtime"`
}

func (rtEvent) EntityPrefix() string     { return "evt" }
func (e rtEvent) EntityID() string       { return e.ID }
func (e *rtEvent) SetEntityID(id string) { e.ID = id }
func (rtEvent) ExpiryAttribute() string  { return "ttl" }
func (rtEvent) Indexes() []entity.Index {
	return []entity.Index{{Name: "by-kind", Slot: 1, PartitionAttr: "kind", SortAttr: "at"}, {Name: "by-at", Slot: 3, PartitionAttr: "at", SortAttr: "kind"}}
}

// rtSeed writes docs, ledgers (in transactions, as they are versioned)
// and events for acme through package repo.
func rtSeed(t *testing.T, b backend.Backend, docs, ledgers, events int) {
	t.Helper()
	ctx := tenantCtx(t, "acme")
	par := func(o *repo.Options) { o.BatchConcurrency = 8 }
	dr := repo.MustNew[rtDoc](b, par)
	lr := repo.MustNew[rtLedger](b, par)
	er := repo.MustNew[rtEvent](b, par)
	future := time.Unix(4102444800, 0)
	var ds []rtDoc
	for i := range docs {
		ds = append(ds, rtDoc{
			ID: fmt.Sprintf("d%05d", i), Owner: fmt.Sprintf("o%d", i%10), Title: fmt.Sprintf("Title %d <&>", i),
			Tags: []string{"b", "a", fmt.Sprintf("t%d", i%9)}, Scores: []int{i, -i - 1, 1_000_000},
			Blobs: [][]byte{{byte(i)}, {1, 2, 3}}, Body: []byte(fmt.Sprintf("body\x00%d\xff", i)),
			Meta:  map[string]any{"n": i, "f": 1.5, "s": "é", "deep": map[string]any{"list": []any{1, "x", true, nil}}},
			Lines: []any{"a", 2.25, map[string]any{"k": "v"}}, Expires: future,
		})
	}
	require.NoError(t, dr.BatchPut(ctx, ds))
	for start := 0; start < ledgers; start += backend.MaxTransactActions {
		var txs []repo.TxOp
		for i := start; i < min(start+backend.MaxTransactActions, ledgers); i++ {
			txs = append(txs, lr.TxCreate(rtLedger{
				ID: fmt.Sprintf("l%05d", i), Account: fmt.Sprintf("acc%d", i%20), At: fmt.Sprintf("2026-01-%02d", i%28+1),
				Amount: float64(i) / 4, Parts: map[string]float64{"tax": 0.1, "net": float64(i)},
			}))
		}
		require.NoError(t, repo.Transact(ctx, txs...))
	}
	note := "n"
	var es []rtEvent
	for i := range events {
		e := rtEvent{
			ID: fmt.Sprintf("e%05d", i), Kind: fmt.Sprintf("k%d", i%5), At: fmt.Sprintf("t%06d", i),
			Values: []float64{0.5, float64(i), -3}, Labels: []string{"x", "y"}, Keys: [][]byte{{0}, {0xff, 0xfe}},
			Trail: []any{[]any{1, 2}, map[string]any{}}, OK: i%2 == 0, Expires: future,
		}
		if i%3 == 0 {
			e.Note = &note
		}
		if i%100 == 0 {
			e.Expires = time.Unix(1000, 0) // expired: hidden from reads, still stored and exported
		}
		es = append(es, e)
	}
	require.NoError(t, er.BatchPut(ctx, es))
}

// TestRoundTrip is the acceptance test of issue #12: a tenant of 10,000
// items of three entity types, written through package repo, exported,
// purged, imported under a new tenant ID and exported again gives the same
// bytes but for the renamed keys; the neighbours' items are untouched.
func TestRoundTrip(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend.Backend) {
		others := seedOthers(t, b)
		rtSeed(t, b, 5000, 1000, 4000)
		src, dst := tenantCtx(t, "acme"), tenantCtx(t, "new")

		data, m := exportData(t, src, b)
		require.Equal(t, int64(10000), m.ItemCount)
		require.Equal(t, map[string]int64{"rtdoc": 5000, "ledger": 1000, "evt": 4000}, rtItems(m.ByType))

		pr, err := Purge(src, b, WithConcurrency(8))
		require.NoError(t, err)
		require.Equal(t, int64(10000), pr.Done)
		empty, _ := exportData(t, src, b)
		require.Empty(t, empty)

		res, err := Import(dst, b, bytes.NewReader(data), WithManifest(&m), WithConcurrency(8))
		require.NoError(t, err)
		require.Equal(t, []LineRange{{1, 10000}}, res.Written)

		again, m2 := exportData(t, dst, b)
		require.Equal(t, string(renamedData(t, data, "tenant#acme", "tenant#new")), string(again), "byte-identical but for the renamed keys")
		require.Equal(t, m.ItemCount, m2.ItemCount)
		require.Equal(t, rtItems(m.ByType), rtItems(m2.ByType))
		// And back: renamed to acme, the second export is the first.
		require.Equal(t, string(data), string(renamedData(t, again, "tenant#new", "tenant#acme")))

		// The repository reads the new tenant's entities, versions and
		// indexes included; acme has none left.
		lr := repo.MustNew[rtLedger](b)
		l, err := lr.Get(dst, "l00042")
		require.NoError(t, err)
		require.Equal(t, int64(1), l.Version)
		require.Equal(t, 10.5, l.Amount)
		_, err = lr.Get(src, "l00042")
		require.ErrorIs(t, err, repo.ErrNotFound)
		dr := repo.MustNew[rtDoc](b)
		page, err := dr.Index("by-owner").Query(dst, "o3", repo.WithLimit(1000))
		require.NoError(t, err)
		require.Len(t, page.Items, 500)
		first := page.Items[0] // by title: "Title 1003 <&>"
		require.Equal(t, "d01003", first.ID)
		require.Equal(t, []string{"a", "b", "t4"}, sortedCopy(first.Tags))
		require.Equal(t, []byte("body\x001003\xff"), first.Body)
		er := repo.MustNew[rtEvent](b)
		evs, err := er.Index("by-kind").Query(dst, "k0", repo.WithLimit(1000))
		require.NoError(t, err)
		require.Len(t, evs.Items, 800-40) // the expired ones are hidden
		checkOthers(t, b, others)
	})
}

func rtItems(by map[string]TypeStats) map[string]int64 {
	out := map[string]int64{}
	for k, v := range by {
		out[k] = v.Items
	}
	return out
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
