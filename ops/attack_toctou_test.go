package ops_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/internal/ddbjson"
	"github.com/tenantrepo/tenantrepo/ops"
)

// atSwitching reads first, then, once rewound to the start, second: data
// that changes between Import's checking pass and its writing pass (a
// file rewritten under it, or a hostile reader).
type atSwitching struct {
	first, second []byte
	r             *bytes.Reader
	rewound       bool
}

func (s *atSwitching) Read(p []byte) (int, error) {
	if s.r == nil {
		s.r = bytes.NewReader(s.first)
	}
	return s.r.Read(p)
}

func (s *atSwitching) Seek(off int64, whence int) (int64, error) {
	if s.r == nil {
		s.r = bytes.NewReader(s.first)
	}
	if whence == io.SeekStart && off == 0 && !s.rewound {
		s.rewound = true
		s.r = bytes.NewReader(s.second)
		return 0, nil
	}
	return s.r.Seek(off, whence)
}

// Data that turns foreign between the checking pass and the writing pass
// never gets another tenant's item (or index key) written: the writing
// pass checks every line again. What it wrote before the changed line is
// reported exactly, and the error is typed.
func TestAttackImportDataChangedBetweenPasses(t *testing.T) {
	atEach(t, func(t *testing.T, b backend.Backend) {
		before := atSeedNeighbours(t, b)
		line := func(it backend.Item) string {
			l, err := ddbjson.AppendLine(nil, it)
			require.NoError(t, err)
			return string(l)
		}
		var good, bad strings.Builder
		for i := range 60 {
			it := backend.Item{"PK": atS("tenant#src"), "SK": atS("k#" + string(rune('A'+i)))}
			good.WriteString(line(it))
			if i == 40 {
				it = backend.Item{"PK": atS("tenant#acme-corp"), "SK": atS("user#1"), "v": atS("overwritten")}
			}
			if i == 41 {
				it["GSI1PK"] = atS("tenant#acme-corp#user#byEmail#a@x")
			}
			bad.WriteString(line(it))
		}
		for _, conc := range []int{1, 4} {
			dst := "dst" + string(rune('0'+conc))
			res, err := ops.Import(atCtx(t, dst), b, &atSwitching{first: []byte(good.String()), second: []byte(bad.String())}, ops.WithConcurrency(conc))
			require.ErrorIs(t, err, ops.ErrForeignItem)
			got := atPartition(t, b, "tenant#"+dst)
			require.NotContains(t, got, "acme-corp")
			require.Equal(t, int64(strings.Count(got, "\n")), res.Done, "Written says what was written: %+v", res.Written)
			for _, r := range res.Written {
				require.Less(t, r.Last, int64(41), "a line at or after the changed one counted written")
			}
		}
		atUnchanged(t, b, before)
	})
}

// atChangingSource writes bad into the source partition just before the
// second read of it from its start: an item another writer changed
// between Copy's checking pass and its writing pass.
type atChangingSource struct {
	backend.Backend
	pk    string
	bad   backend.Item
	reads int
}

func (c *atChangingSource) Query(ctx context.Context, in backend.QueryInput) (backend.QueryOutput, error) {
	if in.PK == c.pk && in.StartKey == nil {
		c.reads++
		if c.reads == 2 {
			if err := c.Backend.Put(ctx, backend.PutInput{Item: c.bad}); err != nil {
				return backend.QueryOutput{}, err
			}
		}
	}
	return c.Backend.Query(ctx, in)
}

// The same for Copy: an item of the source that gets an index key naming
// another tenant between the checking and the writing pass is never
// written; the copy stops with ErrForeignItem and says what it wrote.
func TestAttackCopySourceChangedBetweenPasses(t *testing.T) {
	atEach(t, func(t *testing.T, b backend.Backend) {
		before := atSeedNeighbours(t, b)
		var items []backend.Item
		for i := range 60 {
			items = append(items, backend.Item{"PK": atS("tenant#src"), "SK": atS(fmt.Sprintf("k#%02d", i))})
		}
		atPut(t, b, items...)
		bad := backend.Item{"PK": atS("tenant#src"), "SK": atS("k#45"), "GSI1PK": atS("tenant#acme-corp#user#byEmail#a@x"), "GSI1SK": atS("1")}
		src := &atChangingSource{Backend: b, pk: "tenant#src", bad: bad}
		res, err := ops.Copy(atCtx(t, "src"), src, atCtx(t, "dst"), b, func(o *ops.Options) { o.PageSize = 10 })
		require.ErrorIs(t, err, ops.ErrForeignItem)
		got := atPartition(t, b, "tenant#dst")
		require.NotContains(t, got, "acme-corp")
		require.Equal(t, int64(strings.Count(got, "\n")), res.Import.Done, "Written says what was written: %+v", res.Import.Written)
		atUnchanged(t, b, before)
	})
}
