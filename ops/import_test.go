package ops

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/internal/ddbjson"
	"github.com/tenantrepo/tenantrepo/internal/testfixture"
)

// TestImportRename: an export of acme imported for tenant "new" holds
// acme's items with the keys renamed, and re-running the import changes
// nothing; other tenants are untouched.
func TestImportRename(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend.Backend) {
		others := seedOthers(t, b)
		writeItems(t, b, richItems("tenant#acme", 80))
		data, m := exportData(t, tenantCtx(t, "acme"), b)
		nctx := tenantCtx(t, "new")
		var final Progress
		res, err := Import(nctx, b, bytes.NewReader(data), WithManifest(&m), WithProgress(func(p Progress) {
			if p.Final {
				final = p
			}
		}))
		require.NoError(t, err)
		require.Equal(t, "acme", res.From)
		require.Equal(t, "new", res.To)
		require.Equal(t, []LineRange{{1, 80}}, res.Written)
		require.Empty(t, res.NotDone)
		require.Empty(t, res.Checkpoint)
		require.Equal(t, int64(80), res.Examined)
		require.Equal(t, int64(80), res.Done)
		require.Zero(t, res.Failed)
		require.True(t, final.Final)
		require.Equal(t, "import", final.Op)
		require.Equal(t, "new", final.Tenant)

		got, _ := exportData(t, nctx, b)
		require.Equal(t, string(renamedData(t, data, "tenant#acme", "tenant#new")), string(got))
		// The layout's index keys are renamed, other programs' kept.
		require.Contains(t, string(got), `"GSI1PK":{"S":"tenant#new#user#by-email#`)
		require.Contains(t, string(got), `"GSI2PK":{"S":"tenant#new"}`)
		require.Contains(t, string(got), `"GSI3PK":{"S":"legacy#`)
		require.Contains(t, string(got), `"GSI5PK":{"S":"tenantless"}`)
		require.NotContains(t, string(got), "tenant#acme")

		// Again: the same state.
		_, err = Import(nctx, b, bytes.NewReader(data))
		require.NoError(t, err)
		again, _ := exportData(t, nctx, b)
		require.Equal(t, string(got), string(again))

		// Into acme itself: no rename, the same items.
		res, err = Import(tenantCtx(t, "acme"), b, bytes.NewReader(data), WithConcurrency(1))
		require.NoError(t, err)
		require.Equal(t, []LineRange{{1, 80}}, res.Written)
		same, _ := exportData(t, tenantCtx(t, "acme"), b)
		require.Equal(t, string(data), string(same))
		checkOthers(t, b, others)
	})
}

// TestImportRefusesBadData: every kind of bad data, anywhere in the file,
// is refused with the error of its kind, and nothing is written.
func TestImportRefusesBadData(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend.Backend) {
		others := seedOthers(t, b)
		good := exportLines(t, richItems("tenant#acme", 40))
		long := strings.Repeat("x", 2030) // 2042 bytes with "tenant#acme#", over 2048 renamed
		cases := []struct {
			name   string
			tenant string // the destination, "new" when empty
			line   string // put after the good lines, then more good lines
			first  bool   // put it first instead
			err    error
		}{
			{name: "other tenant", line: exportLine(t, backend.Item{"PK": testfixture.S("tenant#acme-corp"), "SK": testfixture.S("user#1")}), err: ErrForeignItem},
			{name: "prefix tenant", line: exportLine(t, backend.Item{"PK": testfixture.S("tenant#acm"), "SK": testfixture.S("user#1")}), err: ErrForeignItem},
			{name: "raw partition", line: exportLine(t, backend.Item{"PK": testfixture.S("tenant#acme#x"), "SK": testfixture.S("user#1")}), err: ErrForeignItem},
			{name: "index of other tenant", line: exportLine(t, backend.Item{"PK": testfixture.S("tenant#acme"), "SK": testfixture.S("user#1"), "GSI1PK": testfixture.S("tenant#acme-corp#user#by-email#x"), "GSI1SK": testfixture.S("x")}), err: ErrForeignItem},
			{name: "index of longer tenant", line: exportLine(t, backend.Item{"PK": testfixture.S("tenant#acme"), "SK": testfixture.S("user#1"), "GSI2PK": testfixture.S("tenant#acmex"), "GSI2SK": testfixture.S("x")}), err: ErrForeignItem},
			{name: "index of no tenant", line: exportLine(t, backend.Item{"PK": testfixture.S("tenant#acme"), "SK": testfixture.S("user#1"), "GSI2PK": testfixture.S("tenant#"), "GSI2SK": testfixture.S("x")}), err: ErrForeignItem},
			{name: "first line not a tenant", first: true, line: exportLine(t, backend.Item{"PK": testfixture.S("acme"), "SK": testfixture.S("user#1")}), err: ErrBadExport},
			{name: "not JSON", line: "{\"Item\":\n", err: ErrBadExport},
			{name: "empty line", line: "\n", err: ErrBadExport},
			{name: "unknown type", line: `{"Item":{"PK":{"S":"tenant#acme"},"SK":{"S":"a#1"},"x":{"Q":"1"}}}` + "\n", err: ErrBadExport},
			{name: "two types", line: `{"Item":{"PK":{"S":"tenant#acme"},"SK":{"S":"a#1"},"x":{"S":"1","N":"1"}}}` + "\n", err: ErrBadExport},
			{name: "number not a string", line: `{"Item":{"PK":{"S":"tenant#acme"},"SK":{"S":"a#1"},"x":{"N":1}}}` + "\n", err: ErrBadExport},
			{name: "bad number", line: `{"Item":{"PK":{"S":"tenant#acme"},"SK":{"S":"a#1"},"x":{"N":"1e999"}}}` + "\n", err: ErrBadExport},
			{name: "bad base64", line: `{"Item":{"PK":{"S":"tenant#acme"},"SK":{"S":"a#1"},"x":{"B":"%%%"}}}` + "\n", err: ErrBadExport},
			{name: "empty set", line: `{"Item":{"PK":{"S":"tenant#acme"},"SK":{"S":"a#1"},"x":{"SS":[]}}}` + "\n", err: ErrBadExport},
			{name: "invalid UTF-8", line: `{"Item":{"PK":{"S":"tenant#acme"},"SK":{"S":"a#1"},"x":{"S":"` + "\xff\xfe" + `"}}}` + "\n", err: ErrBadExport},
			{name: "no PK", line: `{"Item":{"SK":{"S":"a#1"}}}` + "\n", err: ErrBadExport},
			{name: "number SK", line: `{"Item":{"PK":{"S":"tenant#acme"},"SK":{"N":"1"}}}` + "\n", err: ErrBadExport},
			{name: "SK too long", line: exportLine(t, backend.Item{"PK": testfixture.S("tenant#acme"), "SK": testfixture.S(strings.Repeat("s", 1025))}), err: ErrBadExport},
			{name: "index key not a string", line: `{"Item":{"PK":{"S":"tenant#acme"},"SK":{"S":"a#1"},"GSI1PK":{"N":"1"}}}` + "\n", err: ErrBadExport},
			{name: "index key empty", line: `{"Item":{"PK":{"S":"tenant#acme"},"SK":{"S":"a#1"},"GSI1SK":{"S":""}}}` + "\n", err: ErrBadExport},
			{name: "item too large", line: exportLine(t, backend.Item{"PK": testfixture.S("tenant#acme"), "SK": testfixture.S("a#1"), "x": testfixture.S(strings.Repeat("x", backend.MaxItemBytes))}), err: ErrBadExport},
			{name: "line too long", line: `{"Item":{"PK":{"S":"tenant#acme"},"SK":{"S":"a#1"},"x":{"S":"` + strings.Repeat("\\u0041", maxLineBytes/6+1) + `"}}}` + "\n", err: ErrBadExport},
			{
				name: "renamed index key too long", tenant: "a-much-longer-tenant-id",
				line: exportLine(t, backend.Item{"PK": testfixture.S("tenant#acme"), "SK": testfixture.S("a#1"), "GSI1PK": testfixture.S("tenant#acme#" + long), "GSI1SK": testfixture.S("x")}),
				err:  ErrInvalidArgument,
			},
			{
				name: "renamed item too large", tenant: "a-much-longer-tenant-id",
				line: exportLine(t, testfixture.SizedItem(t, "tenant#acme", "a#1", backend.MaxItemBytes-10)),
				err:  ErrInvalidArgument,
			},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				dst := c.tenant
				if dst == "" {
					dst = "new"
				}
				data := string(good) + c.line + string(good)
				if c.first {
					data = c.line + string(good)
				}
				cb := &faultyBatches{Backend: b}
				res, err := Import(tenantCtx(t, dst), cb, strings.NewReader(data))
				require.ErrorIs(t, err, c.err)
				require.Zero(t, cb.calls.Load(), "nothing written")
				require.Empty(t, res.Written)
				require.Empty(t, res.Checkpoint)
				got, _ := exportData(t, tenantCtx(t, dst), b)
				require.Empty(t, got)
				// And in a dry run too.
				_, err = Import(tenantCtx(t, dst), cb, strings.NewReader(data), WithDryRun())
				require.ErrorIs(t, err, c.err)
			})
		}
		checkOthers(t, b, others)
	})
}

func TestImportManifestChecked(t *testing.T) {
	b := memory.New()
	writeItems(t, b, richItems("tenant#acme", 30))
	data, m := exportData(t, tenantCtx(t, "acme"), b)
	ctx := tenantCtx(t, "new")
	for name, change := range map[string]func(m *Manifest){
		"count":            func(m *Manifest) { m.ItemCount++ },
		"bytes":            func(m *Manifest) { m.DataBytes-- },
		"sha":              func(m *Manifest) { m.SHA256 = strings.Repeat("0", 64) },
		"format":           func(m *Manifest) { m.Format = "ION" },
		"bad tenant":       func(m *Manifest) { m.Tenant = "a#b" },
		"partition key":    func(m *Manifest) { m.PartitionKey = "tenant#other" },
		"another tenant":   func(m *Manifest) { m.Tenant, m.PartitionKey = "acme-corp", "tenant#acme-corp" },
		"missing manifest": nil,
	} {
		t.Run(name, func(t *testing.T) {
			mm := m
			if change == nil {
				// A manifest of other data.
				_, mm = exportData(t, tenantCtx(t, "nobody"), b)
				mm.Tenant, mm.PartitionKey = "acme", "tenant#acme"
			} else {
				change(&mm)
			}
			_, err := Import(ctx, b, bytes.NewReader(data), WithManifest(&mm))
			if name == "another tenant" {
				require.ErrorIs(t, err, ErrForeignItem)
			} else {
				require.ErrorIs(t, err, ErrBadExport)
			}
			got, _ := exportData(t, ctx, b)
			require.Empty(t, got)
		})
	}
	// The data's own manifest passes; a dry run writes nothing.
	res, err := Import(ctx, b, bytes.NewReader(data), WithManifest(&m), WithDryRun())
	require.NoError(t, err)
	require.Equal(t, int64(30), res.Examined)
	require.Empty(t, res.Written)
	got, _ := exportData(t, ctx, b)
	require.Empty(t, got)

	// Empty data with its manifest: nothing to do.
	edata, em := exportData(t, tenantCtx(t, "nobody"), b)
	res, err = Import(ctx, b, bytes.NewReader(edata), WithManifest(&em))
	require.NoError(t, err)
	require.Equal(t, "nobody", res.From)
	require.Empty(t, res.Written)

	_, err = Import(ctx, nil, bytes.NewReader(data))
	require.ErrorIs(t, err, ErrInvalidArgument)
	_, err = Import(ctx, b, nil)
	require.ErrorIs(t, err, ErrInvalidArgument)
	_, err = Import(context.Background(), b, bytes.NewReader(data))
	require.Error(t, err)
}

// checkExact asserts that the lines res says are written are stored as
// the data holds them, and those it says nothing of (neither written nor
// not done) are not stored; then returns how many lines are stored.
func checkExact(t testing.TB, b backend.Backend, data []byte, from, to string, res ImportResult) int {
	t.Helper()
	in := func(rs []LineRange, n int64) bool {
		for _, r := range rs {
			if r.First <= n && n <= r.Last {
				return true
			}
		}
		return false
	}
	stored := 0
	have := map[string]string{} // the destination's items, by sort key
	err := readPartition(context.Background(), b, to, partitionRead{PageSize: 1000}, func(p page) error {
		for _, it := range p.Items {
			have[sortKeyOf(it)] = exportLine(t, it)
		}
		return nil
	})
	require.NoError(t, err)
	var n int64
	for line := range bytes.Lines(data) {
		n++
		item, _, err := ddbjson.DecodeLine(line)
		require.NoError(t, err)
		want := renameItem(item, from, to)
		got, ok := have[sortKeyOf(want)]
		switch {
		case in(res.Written, n):
			require.True(t, ok, "line %d is written", n)
			require.Equal(t, exportLine(t, want), got, "line %d", n)
			stored++
		case in(res.NotDone, n):
			if ok {
				stored++
			}
		default:
			require.False(t, ok, "line %d is not written", n)
		}
	}
	return stored
}

// TestImportReportsExactly: with batches that fail in every way, the
// result says exactly which lines are stored, and resuming from its
// checkpoint ends in the state of an import that never failed.
func TestImportReportsExactly(t *testing.T) {
	fastRetries(t)
	eachBackend(t, func(t *testing.T, b backend.Backend) {
		others := seedOthers(t, b)
		const n = 130
		writeItems(t, b, richItems("tenant#acme", n))
		data, m := exportData(t, tenantCtx(t, "acme"), b)
		// The state an import that never failed ends in.
		want := string(renamedData(t, data, "tenant#acme", "tenant#new"))
		var onceMu sync.Mutex
		unprocessedOnce := map[string]bool{}
		cases := []struct {
			name    string
			conc    int
			fault   func(n int, writes []backend.WriteRequest) batchFault
			written []LineRange // when known exactly
			notDone []LineRange
			failed  int64
			err     error
		}{
			{
				name:    "answer lost",
				conc:    1,
				fault:   func(n int, _ []backend.WriteRequest) batchFault { return batchFault{after: n == 3} },
				written: []LineRange{{1, 50}}, notDone: []LineRange{{51, 75}}, failed: 25, err: errInjected,
			},
			{
				name:    "no answer, not written",
				conc:    1,
				fault:   func(n int, _ []backend.WriteRequest) batchFault { return batchFault{before: n == 2} },
				written: []LineRange{{1, 25}}, notDone: []LineRange{{26, 50}}, failed: 25, err: errInjected,
			},
			{
				name:    "refused",
				conc:    1,
				fault:   func(n int, _ []backend.WriteRequest) batchFault { return batchFault{refuse: n == 4} },
				written: []LineRange{{1, 75}}, failed: 25, err: backend.ErrInvalidArgument,
			},
			{
				name: "unprocessed, then written",
				conc: 2,
				fault: func(n int, _ []backend.WriteRequest) batchFault {
					return batchFault{unprocessed: func(w backend.WriteRequest) bool {
						sk := sortKeyOf(w.Put)
						onceMu.Lock()
						defer onceMu.Unlock()
						if strings.HasSuffix(sk, "3") && !unprocessedOnce[sk] {
							unprocessedOnce[sk] = true
							return true
						}
						return false
					}}
				},
				written: []LineRange{{1, n}},
			},
			{
				name: "unprocessed for ever",
				conc: 1,
				fault: func(n int, _ []backend.WriteRequest) batchFault {
					return batchFault{unprocessed: func(w backend.WriteRequest) bool { return sortKeyOf(w.Put) == "order#00011" }}
				},
				err: backend.ErrThrottled,
			},
			{
				name:  "answers lost in parallel",
				conc:  4,
				fault: func(n int, _ []backend.WriteRequest) batchFault { return batchFault{after: n == 3 || n == 5} },
				err:   errInjected,
			},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				ctx := tenantCtx(t, "new")
				f := &faultyBatches{Backend: b, fail: c.fault}
				res, err := Import(ctx, f, bytes.NewReader(data), WithConcurrency(c.conc), WithManifest(&m))
				if c.err == nil {
					require.NoError(t, err)
					require.Empty(t, res.Checkpoint)
				} else {
					require.ErrorIs(t, err, c.err)
					require.NotEmpty(t, res.Checkpoint)
				}
				if c.written != nil {
					require.Equal(t, c.written, res.Written)
					require.Equal(t, c.notDone, res.NotDone)
					require.Equal(t, c.failed, res.Failed)
				}
				stored := checkExact(t, b, data, "tenant#acme", "tenant#new", res)
				require.Equal(t, countLines(res.Written), res.Done)
				require.GreaterOrEqual(t, int64(stored), res.Done)

				// Resume: the state of an import that never failed.
				if err != nil {
					res2, err := Import(ctx, b, bytes.NewReader(data), WithResume(res.Checkpoint), WithManifest(&m))
					require.NoError(t, err)
					require.Equal(t, []LineRange{{1, n}}, res2.Written)
					require.Equal(t, prefixOf(res.Written), res2.Skipped)
				}
				got, _ := exportData(t, ctx, b)
				require.Equal(t, want, string(got))
				clearPartition(t, b, "tenant#new")
			})
		}
		checkOthers(t, b, others)
	})
}

// TestImportKillAndResume: an import canceled after N items, resumed from
// its checkpoint, ends in the state of an uninterrupted one; a checkpoint
// of other data or another tenant is refused and writes nothing.
func TestImportKillAndResume(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend.Backend) {
		others := seedOthers(t, b)
		writeItems(t, b, richItems("tenant#acme", 300))
		data, _ := exportData(t, tenantCtx(t, "acme"), b)
		want := string(renamedData(t, data, "tenant#acme", "tenant#new"))

		ctx, cancel := context.WithCancel(tenantCtx(t, "new"))
		var lastCP Checkpoint
		res, err := Import(ctx, b, bytes.NewReader(data), WithConcurrency(3), WithProgress(func(p Progress) {
			if p.Checkpoint != "" {
				lastCP = p.Checkpoint
			}
			if p.Done >= 100 {
				cancel()
			}
		}))
		require.ErrorIs(t, err, context.Canceled)
		require.NotEmpty(t, res.Checkpoint)
		require.Equal(t, lastCP, res.Checkpoint)
		require.Less(t, res.Done, int64(300))
		require.GreaterOrEqual(t, res.Done, int64(100))
		checkExact(t, b, data, "tenant#acme", "tenant#new", res)

		nctx := tenantCtx(t, "new")
		// Other data, another tenant, another operation: refused, nothing
		// written.
		other := exportLines(t, richItems("tenant#acme", 299))
		cb := &faultyBatches{Backend: b}
		_, err = Import(nctx, cb, bytes.NewReader(other), WithResume(res.Checkpoint))
		require.ErrorIs(t, err, ErrInvalidCheckpoint)
		_, err = Import(tenantCtx(t, "acme-corp"), cb, bytes.NewReader(data), WithResume(res.Checkpoint))
		require.ErrorIs(t, err, ErrInvalidCheckpoint)
		_, err = Import(nctx, cb, bytes.NewReader(data), WithResume("garbage"))
		require.ErrorIs(t, err, ErrInvalidCheckpoint)
		_, err = Import(nctx, cb, bytes.NewReader(data), WithResume(encodeCheckpoint(position{Op: "purge", Tenant: "new"})))
		require.ErrorIs(t, err, ErrInvalidCheckpoint)
		require.Zero(t, cb.calls.Load())

		// Resume: only the lines after the checkpoint are sent.
		var sent atomic.Int64
		cb = &faultyBatches{Backend: b, fail: func(_ int, w []backend.WriteRequest) batchFault {
			sent.Add(int64(len(w)))
			return batchFault{}
		}}
		res2, err := Import(nctx, cb, bytes.NewReader(data), WithResume(res.Checkpoint))
		require.NoError(t, err)
		require.Equal(t, 300-prefixOf(res.Written), sent.Load())
		require.Equal(t, []LineRange{{1, 300}}, res2.Written)
		require.Equal(t, int64(300), res2.Done)
		got, _ := exportData(t, nctx, b)
		require.Equal(t, want, string(got))
		checkOthers(t, b, others)
	})
}

// TestImportLaterLineWins: data not in sort-key order, with a key twice,
// ends with the later line's item, as writing line by line would.
func TestImportLaterLineWins(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend.Backend) {
		var items []backend.Item
		for i := range 60 {
			items = append(items, backend.Item{"PK": testfixture.S("tenant#acme"), "SK": testfixture.S(fmt.Sprintf("k#%d", i%40)), "v": testfixture.N(fmt.Sprint(i))})
		}
		data := exportLines(t, items)
		ctx := tenantCtx(t, "new")
		res, err := Import(ctx, b, bytes.NewReader(data), WithConcurrency(8))
		require.NoError(t, err)
		require.Equal(t, []LineRange{{1, 60}}, res.Written)
		for i := range 40 {
			it, err := b.Get(ctx, backend.GetInput{Key: backend.Key{PK: "tenant#new", SK: fmt.Sprintf("k#%d", i)}, ConsistentRead: true})
			require.NoError(t, err)
			want := i
			if i < 20 {
				want = i + 40
			}
			require.Equal(t, fmt.Sprint(want), it["v"].(*types.AttributeValueMemberN).Value)
		}
	})
}

// TestImportPace: the writes keep to the pace, in items and in estimated
// write units.
func TestImportPace(t *testing.T) {
	b := memory.New()
	writeItems(t, b, richItems("tenant#acme", 100))
	data, _ := exportData(t, tenantCtx(t, "acme"), b)
	for name, p := range map[string]Pace{"items": {ItemsPerSecond: 400}, "units": {UnitsPerSecond: 400}} {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			res, err := Import(tenantCtx(t, "new-"+name), b, bytes.NewReader(data), WithPace(p))
			require.NoError(t, err)
			require.Equal(t, int64(100), res.Done)
			require.GreaterOrEqual(t, res.Units, float64(100)) // one unit an item at least
			// 100 items (units) at 400 a second, less the first burst of 40.
			require.Greater(t, time.Since(start), 120*time.Millisecond)
		})
	}
}

// TestImportFromOffset: the data starts where the reader is.
func TestImportFromOffset(t *testing.T) {
	b := memory.New()
	writeItems(t, b, richItems("tenant#acme", 30))
	data, m := exportData(t, tenantCtx(t, "acme"), b)
	r := bytes.NewReader(append([]byte("header that is not data\n"), data...))
	_, err := r.Seek(int64(len("header that is not data\n")), io.SeekStart)
	require.NoError(t, err)
	res, err := Import(tenantCtx(t, "new"), b, r, WithManifest(&m))
	require.NoError(t, err)
	require.Equal(t, []LineRange{{1, 30}}, res.Written)
}
