package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tenantrepo/tenantrepo/ops"
)

func (a *app) importCmd() *cobra.Command {
	var (
		input, manifestFile, resume string
		yes, create                 bool
	)
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Load an export into a tenant, the same or another (needs --yes)",
		Long: `import writes the items of an export (see export) into the tenant of
--tenant. When the export is another tenant's, its keys are renamed: the
partition key and every index partition key of that tenant. It reads the
file twice: first to check every line (an item of one tenant, and the
manifest's count and SHA-256 with --manifest), writing nothing if any check
fails; then to write, in batches of 25. An item replaces the item with its
key, so running an import again ends in the same state; hence --yes.

The input is a file (-i FILE), or standard input (-i -), which import
first copies into a temporary file, removed at the end, since it reads its
input twice. Interrupted (exit code 5), it prints a checkpoint for
--resume, to use with the same data.
A failed import says which lines are written. --create-table creates a
missing table (with the indexes GSI1 ... GSI5) first.

Library call: ops.Import(ctx, b, r, optFns...), the destination tenant in
ctx, r an io.ReadSeeker (an *os.File); ops.WithManifest(&m) checks the data.`,
		Example: `  tenantctl --memory import --tenant acme-restored -i acme.jsonl --manifest acme.manifest.json --yes
  tenantctl --endpoint http://127.0.0.1:8000 --table shop import --tenant acme -i acme.jsonl --yes
  tenantctl --table pool export --tenant acme | tenantctl --table silo import --tenant acme -i - --yes`,
		Args: cobra.NoArgs,
	}
	cmd.Flags().StringVarP(&input, "input", "i", "", "the export's data file, or - for standard input (required)")
	cmd.Flags().StringVar(&manifestFile, "manifest", "", "the export's manifest: check the data against it first")
	cmd.Flags().StringVar(&resume, "resume", "", "continue an interrupted import of the same file from its checkpoint")
	cmd.Flags().BoolVar(&create, "create-table", false, "create the table when it is missing")
	yesFlag(cmd, &yes, "write the file's items, replacing items with the same keys")
	cmd.RunE = a.runE("import", func(*cobra.Command) error {
		ctx, err := a.tenantCtx()
		if err != nil {
			return err
		}
		if input == "" {
			return usagef("-i FILE (or -i - for standard input) is required")
		}
		var m *ops.Manifest
		if manifestFile != "" {
			if m, err = readManifest(manifestFile); err != nil {
				return usagef("--manifest: %v", err)
			}
		}
		var f *os.File
		if input == "-" {
			if f, err = spool(os.Stdin); err != nil {
				return fmt.Errorf("reading standard input: %w", err)
			}
			defer os.Remove(f.Name())
		} else if f, err = os.Open(input); err != nil {
			return usageError{err}
		}
		defer f.Close()
		src := a.source()
		a.sum.Backend = src.String()
		if err := a.confirm(yes, fmt.Sprintf("import writes the items of %s into tenant %s in %s, replacing items with the same keys", input, a.g.tenant, src)); err != nil {
			return err
		}
		b, err := open(a.ctx, src, create)
		if err != nil {
			return err
		}
		total := int64(-1)
		extra := []func(*ops.Options){ops.WithResume(ops.Checkpoint(resume))}
		if m != nil {
			total = m.ItemCount
			extra = append(extra, ops.WithManifest(m))
		}
		r := a.newReporter("import "+a.g.tenant, total).countingDone()
		res, err := ops.Import(ctx, b, f, a.options(r, extra...)...)
		r.close()
		a.sum.Result, a.sum.Counts = res, &res.Counts
		if err != nil {
			a.setCheckpoint(res.Checkpoint, r)
			if len(res.Written) > 0 || len(res.NotDone) > 0 {
				fmt.Fprintf(a.stderr, "tenantctl: import stopped: lines written: %s; lines not known to be written: %s\n",
					formatRanges(res.Written), formatRanges(res.NotDone))
			}
			return err
		}
		from := res.From
		if from == "" {
			from = "?"
		}
		fmt.Fprintf(a.out(), "import %s (from tenant %s): wrote %d items, %s; lines %s\n",
			a.g.tenant, from, res.Done, formatBytes(res.Bytes), formatRanges(res.Written))
		return nil
	})
	return cmd
}

// spool copies r into a new temporary file, for an import, which reads its
// input twice, and returns the file at its start. The caller removes it.
func spool(r io.Reader) (*os.File, error) {
	f, err := os.CreateTemp("", "tenantctl-import-*.jsonl")
	if err != nil {
		return nil, err
	}
	if _, err = io.Copy(f, r); err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return f, nil
}

// readManifest reads a manifest export --manifest wrote.
func readManifest(name string) (*ops.Manifest, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var m ops.Manifest
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: not a manifest: %w", name, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%s: not a manifest: data after the object", name)
	}
	return &m, nil
}

// formatRanges formats line ranges as "1-25, 51-75", "none" when empty.
func formatRanges(rs []ops.LineRange) string {
	if len(rs) == 0 {
		return "none"
	}
	var sb strings.Builder
	for i, r := range rs {
		if i > 0 {
			sb.WriteString(", ")
		}
		if r.First == r.Last {
			fmt.Fprintf(&sb, "%d", r.First)
		} else {
			fmt.Fprintf(&sb, "%d-%d", r.First, r.Last)
		}
	}
	return sb.String()
}
