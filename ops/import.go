package ops

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/internal/ddbjson"
	"github.com/tenantrepo/tenantrepo/internal/isnil"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// ImportResult is what Import wrote. Its Counts are: Examined, the lines
// of the data; Done, the lines in Written (those an earlier run wrote
// included, when resumed); Skipped, the lines the checkpoint resumed from
// says are written; Failed, the lines this run sent whose write failed or
// is not known to be done; Bytes and Units, the sizes (renamed) and
// estimated write units of the items this run wrote.
type ImportResult struct {
	Counts
	// Written are the lines (1-based) whose items are known to be
	// written, in ranges.
	Written []LineRange `json:"written"`
	// NotDone are the lines whose writes were sent but are not known to
	// be done (a request failed without an answer): they may or may not
	// be stored.
	NotDone []LineRange `json:"notDone,omitempty"`
	// Checkpoint, when the import stopped early, is where a new run with
	// Options.Resume on the same data continues; empty when it finished.
	Checkpoint Checkpoint `json:"checkpoint,omitempty"`
	// From is the tenant ID the data holds; To the context's.
	From string `json:"from"`
	To   string `json:"to"`
}

// LineRange is the lines First to Last of an export, both included.
type LineRange struct {
	First int64 `json:"first"`
	Last  int64 `json:"last"`
}

// Import writes the items of an export (see Export) into b for the
// context's tenant. When the data is another tenant's, every key naming it
// is renamed: the partition key, and every index partition key (GSI<n>PK)
// that is the old partition key or starts with it and the separator; other
// index keys are kept. The data's tenant is the manifest's when
// Options.Manifest is set, else that of the first line's partition key.
//
// The data, from r's offset when Import is called to its end, is read
// twice. First every line is checked, with nothing
// written if any check fails: ErrForeignItem for an item of another
// tenant (its partition key, or an index partition key starting with
// "tenant#", names another tenant than the data's); ErrBadExport for a line
// that is not an item in DynamoDB JSON (see Export; an empty line, a line
// over 4 MB, an unknown type, bad base64, a string that is not UTF-8, an
// item without string keys or over 400 KB, a key or index key DynamoDB
// refuses; the attributes of an index slot b's table lacks are ordinary
// attributes, of any type) and for data that does not match
// Options.Manifest (item count, bytes, SHA-256); ErrInvalidArgument for
// an item whose renamed keys or
// size would exceed DynamoDB's limits; ErrInvalidCheckpoint for a
// checkpoint of other data (its SHA-256 differs) or of another tenant.
// With Options.DryRun, Import stops there.
//
// Then it writes, in batches of 25 puts, Options.Concurrency batches at a
// time (one at a time when the data is not in sort-key order, so that of
// two lines with one key the later wins), sending again, with backoff,
// the puts the backend leaves unprocessed. A put replaces the item with
// its key, so re-running an import ends in the same state. When the
// writes fail part way, the result says exactly which lines are written
// (Written) and which were sent without an answer (NotDone), and holds a
// checkpoint: a run with Options.Resume on the same data writes the lines
// after the first line not known to be written. The writing pass checks
// every line again: data that changed since the checking pass (a file
// rewritten under the import) stops the writes at the first line that
// fails a check, with that check's error (ErrBadExport when the data
// differs but passes the checks), the lines before it written as Written
// says; a line of another tenant is never written.
func Import(ctx context.Context, b backend.Backend, r io.ReadSeeker, optFns ...func(*Options)) (ImportResult, error) {
	o, err := options(optFns)
	if err != nil {
		return ImportResult{}, err
	}
	if isnil.Is(b) || isnil.Is(r) {
		return ImportResult{}, fmt.Errorf("%w: import: nil backend or reader", ErrInvalidArgument)
	}
	dst, err := tenantctx.Tenant(ctx)
	if err != nil {
		return ImportResult{}, err
	}
	var resume position
	if o.Resume != "" {
		if resume, err = decodeCheckpoint(o.Resume, "import", dst.ID()); err != nil {
			return ImportResult{}, err
		}
		if resume.Data == "" {
			return ImportResult{}, fmt.Errorf("%w: an import checkpoint without its data's checksum", ErrInvalidCheckpoint)
		}
	}
	start := o.Clock()
	res := ImportResult{To: dst.ID(), Written: []LineRange{}}
	srcPK := ""
	if m := o.Manifest; m != nil {
		if err := checkManifestHead(m); err != nil {
			return res, err
		}
		srcPK, res.From = entity.PartitionKey(m.Tenant), m.Tenant
	}

	slots, err := loadSlots(ctx, b)
	if err != nil {
		return res, opError(ctx, "import", err)
	}

	// Pass 1: check everything, from where r is.
	origin, err := r.Seek(0, io.SeekCurrent)
	if err != nil {
		return res, fmt.Errorf("ops: import: finding the start of the data: %w", err)
	}
	sorted, prevSK := true, ""
	st, err := scanLines(ctx, r, func(n int64, item backend.Item, size int) error {
		if srcPK == "" {
			pk, _ := stringAttr(item, entity.PartitionKeyName)
			id, ok := entity.ParsePartitionKey(pk)
			if !ok {
				return fmt.Errorf("%w: partition key %q is not a tenant's", ErrBadExport, pk)
			}
			srcPK, res.From = pk, id
		}
		if err := checkLoadItem(item, size, srcPK, dst.PartitionKey(), slots); err != nil {
			return err
		}
		sk := sortKeyOf(item)
		if n > 1 && sk <= prevSK {
			sorted = false
		}
		prevSK = sk
		return nil
	})
	if err != nil {
		return res, opError(ctx, "import", err)
	}
	if m := o.Manifest; m != nil {
		if m.ItemCount != st.lines || m.DataBytes != st.bytes || m.SHA256 != st.sum {
			return res, fmt.Errorf("ops: import: %w: the data (%d items, %d bytes, SHA-256 %s) does not match its manifest (%d items, %d bytes, SHA-256 %s)",
				ErrBadExport, st.lines, st.bytes, st.sum, m.ItemCount, m.DataBytes, m.SHA256)
		}
	}
	if o.Resume != "" && (resume.Data != st.sum || resume.Line > st.lines) {
		return res, fmt.Errorf("%w: a checkpoint of other data", ErrInvalidCheckpoint)
	}
	res.Examined = st.lines
	if o.DryRun || st.lines == 0 {
		res.Skipped = resume.Line
		if resume.Line > 0 {
			res.Written = []LineRange{{First: 1, Last: resume.Line}}
		}
		res.Done = resume.Line
		return res, nil
	}

	// Pass 2: write.
	if _, err := r.Seek(origin, io.SeekStart); err != nil {
		return res, fmt.Errorf("ops: import: rewinding the data: %w", err)
	}
	if !sorted {
		o.Concurrency = 1
	}
	checkpoint := func(prefix int64) Checkpoint {
		return encodeCheckpoint(position{Op: "import", Tenant: dst.ID(), Line: prefix, Data: st.sum})
	}
	var l *loader
	rep := newReporter("import", dst.ID(), o, start, Counts{Examined: st.lines, Skipped: resume.Line, Done: resume.Line}, func(Counts) Checkpoint {
		return checkpoint(l.prefix.Load())
	})
	l = newLoader(b, slots, o, newPacer(o.Pace), rep)
	if resume.Line > 0 {
		l.written = []LineRange{{First: 1, Last: resume.Line}}
		l.prefix.Store(resume.Line)
	}
	var again scanned
	err = l.load(ctx, srcPK, dst.PartitionKey(), func(put func(int64, backend.Item, int) error) error {
		var err error
		again, err = scanLines(ctx, r, func(n int64, item backend.Item, size int) error {
			if n <= resume.Line {
				return nil
			}
			return put(n, item, size) // a check fails: the data changed since the first pass
		})
		return err
	})
	if err == nil && again != st {
		err = fmt.Errorf("%w: the data changed while it was imported", ErrBadExport)
	}
	written, notDone, failed := l.result()
	res.Written, res.NotDone = written, notDone
	res.Counts = rep.total()
	res.Done = countLines(written)
	res.Failed = failed
	if err != nil {
		res.Checkpoint = checkpoint(prefixOf(written))
	}
	rep.final(func(Counts) Checkpoint { return res.Checkpoint })
	return res, opError(ctx, "import", err)
}

// maxLineBytes is the longest line Import reads: an item of 400 KB takes
// at most a few times that in DynamoDB JSON.
const maxLineBytes = 4 << 20

// scanned is what scanLines read.
type scanned struct {
	lines int64
	bytes int64
	sum   string // hex SHA-256 of the data
}

// scanLines reads r to its end, a line at a time, decodes each line and
// calls fn with its number (from 1), item and size. Errors of a line are
// returned with its number; those of decoding wrap ErrBadExport.
func scanLines(ctx context.Context, r io.Reader, fn func(n int64, item backend.Item, size int) error) (scanned, error) {
	h := sha256.New()
	cw := &countWriter{}
	sc := bufio.NewScanner(io.TeeReader(r, io.MultiWriter(h, cw)))
	sc.Buffer(make([]byte, 64<<10), maxLineBytes)
	var n int64
	for sc.Scan() {
		n++
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return scanned{}, err
			}
		}
		item, size, err := ddbjson.DecodeLine(sc.Bytes())
		if err != nil {
			return scanned{}, fmt.Errorf("%w: line %d: %w", ErrBadExport, n, err)
		}
		if err := fn(n, item, size); err != nil {
			if errors.Is(err, errStopped) {
				return scanned{}, err
			}
			return scanned{}, fmt.Errorf("line %d: %w", n, err)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return scanned{}, fmt.Errorf("%w: line %d is longer than %d bytes", ErrBadExport, n+1, maxLineBytes)
		}
		return scanned{}, fmt.Errorf("reading the data: %w", err)
	}
	return scanned{lines: n, bytes: cw.n, sum: hex.EncodeToString(h.Sum(nil))}, nil
}

// countWriter counts the bytes written to it.
type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return len(p), nil
}

// checkManifestHead checks what a manifest says of the data before it is
// read: its format and tenant.
func checkManifestHead(m *Manifest) error {
	switch {
	case m.Format != "" && m.Format != formatJSON:
		return fmt.Errorf("ops: import: %w: manifest format %q, not %q", ErrBadExport, m.Format, formatJSON)
	case entity.ValidateTenantID(m.Tenant) != nil:
		return fmt.Errorf("ops: import: %w: manifest tenant %q is not a tenant ID", ErrBadExport, m.Tenant)
	case m.PartitionKey != "" && m.PartitionKey != entity.PartitionKey(m.Tenant):
		return fmt.Errorf("ops: import: %w: manifest partition key %q is not tenant %q's", ErrBadExport, m.PartitionKey, m.Tenant)
	}
	return nil
}
