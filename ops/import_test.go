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
	dtEach(t, func(t *testing.T, b backend.Backend) {
		others := dtSeed(t, b)
		dtWrite(t, b, dtItems("tenant#acme", 80))
		data, m := dtExport(t, dtCtx(t, "acme"), b)
		nctx := dtCtx(t, "new")
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

		got, _ := dtExport(t, nctx, b)
		require.Equal(t, string(dtRenamed(t, data, "tenant#acme", "tenant#new")), string(got))
		// The layout's index keys are renamed, other programs' kept.
		require.Contains(t, string(got), `"GSI1PK":{"S":"tenant#new#user#by-email#`)
		require.Contains(t, string(got), `"GSI2PK":{"S":"tenant#new"}`)
		require.Contains(t, string(got), `"GSI3PK":{"S":"legacy#`)
		require.Contains(t, string(got), `"GSI5PK":{"S":"tenantless"}`)
		require.NotContains(t, string(got), "tenant#acme")

		// Again: the same state.
		_, err = Import(nctx, b, bytes.NewReader(data))
		require.NoError(t, err)
		again, _ := dtExport(t, nctx, b)
		require.Equal(t, string(got), string(again))

		// Into acme itself: no rename, the same items.
		res, err = Import(dtCtx(t, "acme"), b, bytes.NewReader(data), WithConcurrency(1))
		require.NoError(t, err)
		require.Equal(t, []LineRange{{1, 80}}, res.Written)
		same, _ := dtExport(t, dtCtx(t, "acme"), b)
		require.Equal(t, string(data), string(same))
		dtCheckOthers(t, b, others)
	})
}

// dtLine returns the export line of one item.
func dtLine(t testing.TB, it backend.Item) string {
	t.Helper()
	line, err := ddbjson.AppendLine(nil, it)
	require.NoError(t, err)
	return string(line)
}

// TestImportRefusesBadData: every kind of bad data, anywhere in the file,
// is refused with the error of its kind, and nothing is written.
func TestImportRefusesBadData(t *testing.T) {
	dtEach(t, func(t *testing.T, b backend.Backend) {
		others := dtSeed(t, b)
		good := dtLines(t, dtItems("tenant#acme", 40))
		long := strings.Repeat("x", 2030) // 2042 bytes with "tenant#acme#", over 2048 renamed
		cases := []struct {
			name   string
			tenant string // the destination, "new" when empty
			line   string // put after the good lines, then more good lines
			first  bool   // put it first instead
			err    error
		}{
			{name: "other tenant", line: dtLine(t, backend.Item{"PK": dtS("tenant#acme-corp"), "SK": dtS("user#1")}), err: ErrForeignItem},
			{name: "prefix tenant", line: dtLine(t, backend.Item{"PK": dtS("tenant#acm"), "SK": dtS("user#1")}), err: ErrForeignItem},
			{name: "raw partition", line: dtLine(t, backend.Item{"PK": dtS("tenant#acme#x"), "SK": dtS("user#1")}), err: ErrForeignItem},
			{name: "index of other tenant", line: dtLine(t, backend.Item{"PK": dtS("tenant#acme"), "SK": dtS("user#1"), "GSI1PK": dtS("tenant#acme-corp#user#by-email#x"), "GSI1SK": dtS("x")}), err: ErrForeignItem},
			{name: "index of longer tenant", line: dtLine(t, backend.Item{"PK": dtS("tenant#acme"), "SK": dtS("user#1"), "GSI2PK": dtS("tenant#acmex"), "GSI2SK": dtS("x")}), err: ErrForeignItem},
			{name: "index of no tenant", line: dtLine(t, backend.Item{"PK": dtS("tenant#acme"), "SK": dtS("user#1"), "GSI2PK": dtS("tenant#"), "GSI2SK": dtS("x")}), err: ErrForeignItem},
			{name: "first line not a tenant", first: true, line: dtLine(t, backend.Item{"PK": dtS("acme"), "SK": dtS("user#1")}), err: ErrBadExport},
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
			{name: "SK too long", line: dtLine(t, backend.Item{"PK": dtS("tenant#acme"), "SK": dtS(strings.Repeat("s", 1025))}), err: ErrBadExport},
			{name: "index key not a string", line: `{"Item":{"PK":{"S":"tenant#acme"},"SK":{"S":"a#1"},"GSI1PK":{"N":"1"}}}` + "\n", err: ErrBadExport},
			{name: "index key empty", line: `{"Item":{"PK":{"S":"tenant#acme"},"SK":{"S":"a#1"},"GSI1SK":{"S":""}}}` + "\n", err: ErrBadExport},
			{name: "item too large", line: dtLine(t, backend.Item{"PK": dtS("tenant#acme"), "SK": dtS("a#1"), "x": dtS(strings.Repeat("x", backend.MaxItemBytes))}), err: ErrBadExport},
			{name: "line too long", line: `{"Item":{"PK":{"S":"tenant#acme"},"SK":{"S":"a#1"},"x":{"S":"` + strings.Repeat("\\u0041", maxLineBytes/6+1) + `"}}}` + "\n", err: ErrBadExport},
			{
				name: "renamed index key too long", tenant: "a-much-longer-tenant-id",
				line: dtLine(t, backend.Item{"PK": dtS("tenant#acme"), "SK": dtS("a#1"), "GSI1PK": dtS("tenant#acme#" + long), "GSI1SK": dtS("x")}),
				err:  ErrInvalidArgument,
			},
			{
				name: "renamed item too large", tenant: "a-much-longer-tenant-id",
				line: dtLine(t, testfixture.SizedItem(t, "tenant#acme", "a#1", backend.MaxItemBytes-10)),
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
				cb := &dtFaulty{Backend: b}
				res, err := Import(dtCtx(t, dst), cb, strings.NewReader(data))
				require.ErrorIs(t, err, c.err)
				require.Zero(t, cb.calls.Load(), "nothing written")
				require.Empty(t, res.Written)
				require.Empty(t, res.Checkpoint)
				got, _ := dtExport(t, dtCtx(t, dst), b)
				require.Empty(t, got)
				// And in a dry run too.
				_, err = Import(dtCtx(t, dst), cb, strings.NewReader(data), WithDryRun())
				require.ErrorIs(t, err, c.err)
			})
		}
		dtCheckOthers(t, b, others)
	})
}

func TestImportManifestChecked(t *testing.T) {
	b := memory.New()
	dtWrite(t, b, dtItems("tenant#acme", 30))
	data, m := dtExport(t, dtCtx(t, "acme"), b)
	ctx := dtCtx(t, "new")
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
				_, mm = dtExport(t, dtCtx(t, "nobody"), b)
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
			got, _ := dtExport(t, ctx, b)
			require.Empty(t, got)
		})
	}
	// The data's own manifest passes; a dry run writes nothing.
	res, err := Import(ctx, b, bytes.NewReader(data), WithManifest(&m), WithDryRun())
	require.NoError(t, err)
	require.Equal(t, int64(30), res.Examined)
	require.Empty(t, res.Written)
	got, _ := dtExport(t, ctx, b)
	require.Empty(t, got)

	// Empty data with its manifest: nothing to do.
	edata, em := dtExport(t, dtCtx(t, "nobody"), b)
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

// dtCheckExact asserts that the lines res says are written are stored as
// the data holds them, and those it says nothing of (neither written nor
// not done) are not stored; then returns how many lines are stored.
func dtCheckExact(t testing.TB, b backend.Backend, data []byte, from, to string, res ImportResult) int {
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
			have[dtSK(it)] = dtLine(t, it)
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
		got, ok := have[dtSK(want)]
		switch {
		case in(res.Written, n):
			require.True(t, ok, "line %d is written", n)
			require.Equal(t, dtLine(t, want), got, "line %d", n)
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
	dtFastRetries(t)
	dtEach(t, func(t *testing.T, b backend.Backend) {
		others := dtSeed(t, b)
		const n = 130
		dtWrite(t, b, dtItems("tenant#acme", n))
		data, m := dtExport(t, dtCtx(t, "acme"), b)
		// The state an import that never failed ends in.
		want := string(dtRenamed(t, data, "tenant#acme", "tenant#new"))
		var onceMu sync.Mutex
		unprocessedOnce := map[string]bool{}
		cases := []struct {
			name    string
			conc    int
			fault   func(n int, writes []backend.WriteRequest) dtFault
			written []LineRange // when known exactly
			notDone []LineRange
			failed  int64
			err     error
		}{
			{
				name:    "answer lost",
				conc:    1,
				fault:   func(n int, _ []backend.WriteRequest) dtFault { return dtFault{after: n == 3} },
				written: []LineRange{{1, 50}}, notDone: []LineRange{{51, 75}}, failed: 25, err: errDtInjected,
			},
			{
				name:    "no answer, not written",
				conc:    1,
				fault:   func(n int, _ []backend.WriteRequest) dtFault { return dtFault{before: n == 2} },
				written: []LineRange{{1, 25}}, notDone: []LineRange{{26, 50}}, failed: 25, err: errDtInjected,
			},
			{
				name:    "refused",
				conc:    1,
				fault:   func(n int, _ []backend.WriteRequest) dtFault { return dtFault{refuse: n == 4} },
				written: []LineRange{{1, 75}}, failed: 25, err: backend.ErrInvalidArgument,
			},
			{
				name: "unprocessed, then written",
				conc: 2,
				fault: func(n int, _ []backend.WriteRequest) dtFault {
					return dtFault{unprocessed: func(w backend.WriteRequest) bool {
						sk := dtSK(w.Put)
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
				fault: func(n int, _ []backend.WriteRequest) dtFault {
					return dtFault{unprocessed: func(w backend.WriteRequest) bool { return dtSK(w.Put) == "order#00011" }}
				},
				err: backend.ErrThrottled,
			},
			{
				name:  "answers lost in parallel",
				conc:  4,
				fault: func(n int, _ []backend.WriteRequest) dtFault { return dtFault{after: n == 3 || n == 5} },
				err:   errDtInjected,
			},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				ctx := dtCtx(t, "new")
				f := &dtFaulty{Backend: b, fail: c.fault}
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
				stored := dtCheckExact(t, b, data, "tenant#acme", "tenant#new", res)
				require.Equal(t, countLines(res.Written), res.Done)
				require.GreaterOrEqual(t, int64(stored), res.Done)

				// Resume: the state of an import that never failed.
				if err != nil {
					res2, err := Import(ctx, b, bytes.NewReader(data), WithResume(res.Checkpoint), WithManifest(&m))
					require.NoError(t, err)
					require.Equal(t, []LineRange{{1, n}}, res2.Written)
					require.Equal(t, prefixOf(res.Written), res2.Skipped)
				}
				got, _ := dtExport(t, ctx, b)
				require.Equal(t, want, string(got))
				dtClear(t, b, "tenant#new")
			})
		}
		dtCheckOthers(t, b, others)
	})
}

// TestImportKillAndResume: an import canceled after N items, resumed from
// its checkpoint, ends in the state of an uninterrupted one; a checkpoint
// of other data or another tenant is refused and writes nothing.
func TestImportKillAndResume(t *testing.T) {
	dtEach(t, func(t *testing.T, b backend.Backend) {
		others := dtSeed(t, b)
		dtWrite(t, b, dtItems("tenant#acme", 300))
		data, _ := dtExport(t, dtCtx(t, "acme"), b)
		want := string(dtRenamed(t, data, "tenant#acme", "tenant#new"))

		ctx, cancel := context.WithCancel(dtCtx(t, "new"))
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
		dtCheckExact(t, b, data, "tenant#acme", "tenant#new", res)

		nctx := dtCtx(t, "new")
		// Other data, another tenant, another operation: refused, nothing
		// written.
		other := dtLines(t, dtItems("tenant#acme", 299))
		cb := &dtFaulty{Backend: b}
		_, err = Import(nctx, cb, bytes.NewReader(other), WithResume(res.Checkpoint))
		require.ErrorIs(t, err, ErrInvalidCheckpoint)
		_, err = Import(dtCtx(t, "acme-corp"), cb, bytes.NewReader(data), WithResume(res.Checkpoint))
		require.ErrorIs(t, err, ErrInvalidCheckpoint)
		_, err = Import(nctx, cb, bytes.NewReader(data), WithResume("garbage"))
		require.ErrorIs(t, err, ErrInvalidCheckpoint)
		_, err = Import(nctx, cb, bytes.NewReader(data), WithResume(encodeCheckpoint(position{Op: "purge", Tenant: "new"})))
		require.ErrorIs(t, err, ErrInvalidCheckpoint)
		require.Zero(t, cb.calls.Load())

		// Resume: only the lines after the checkpoint are sent.
		var sent atomic.Int64
		cb = &dtFaulty{Backend: b, fail: func(_ int, w []backend.WriteRequest) dtFault {
			sent.Add(int64(len(w)))
			return dtFault{}
		}}
		res2, err := Import(nctx, cb, bytes.NewReader(data), WithResume(res.Checkpoint))
		require.NoError(t, err)
		require.Equal(t, 300-prefixOf(res.Written), sent.Load())
		require.Equal(t, []LineRange{{1, 300}}, res2.Written)
		require.Equal(t, int64(300), res2.Done)
		got, _ := dtExport(t, nctx, b)
		require.Equal(t, want, string(got))
		dtCheckOthers(t, b, others)
	})
}

// TestImportLaterLineWins: data not in sort-key order, with a key twice,
// ends with the later line's item, as writing line by line would.
func TestImportLaterLineWins(t *testing.T) {
	dtEach(t, func(t *testing.T, b backend.Backend) {
		var items []backend.Item
		for i := range 60 {
			items = append(items, backend.Item{"PK": dtS("tenant#acme"), "SK": dtS(fmt.Sprintf("k#%d", i%40)), "v": dtN(fmt.Sprint(i))})
		}
		data := dtLines(t, items)
		ctx := dtCtx(t, "new")
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
	dtWrite(t, b, dtItems("tenant#acme", 100))
	data, _ := dtExport(t, dtCtx(t, "acme"), b)
	for name, p := range map[string]Pace{"items": {ItemsPerSecond: 400}, "units": {UnitsPerSecond: 400}} {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			res, err := Import(dtCtx(t, "new-"+name), b, bytes.NewReader(data), WithPace(p))
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
	dtWrite(t, b, dtItems("tenant#acme", 30))
	data, m := dtExport(t, dtCtx(t, "acme"), b)
	r := bytes.NewReader(append([]byte("header that is not data\n"), data...))
	_, err := r.Seek(int64(len("header that is not data\n")), io.SeekStart)
	require.NoError(t, err)
	res, err := Import(dtCtx(t, "new"), b, r, WithManifest(&m))
	require.NoError(t, err)
	require.Equal(t, []LineRange{{1, 30}}, res.Written)
}
