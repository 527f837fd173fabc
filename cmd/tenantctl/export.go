package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/tenantrepo/tenantrepo/ops"
)

func (a *app) exportCmd() *cobra.Command {
	var output, manifestFile string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write every item of a tenant as DynamoDB JSON, one item per line",
		Long: `export writes every item of the tenant as DynamoDB JSON, one item per line
({"Item": {...}}, the format of DynamoDB's export to S3), in sort-key order,
to --output (written under a temporary name and renamed when complete) or
to stdout. It reads a page at a time, so memory stays bounded. --manifest
writes the manifest: item count, bytes, SHA-256 of the data, the table's key
schema, time and tool; import checks the data against it. It changes
nothing in the table.

Library call: ops.Export(ctx, b, w, optFns...), the tenant in ctx; it
returns the ops.Manifest.`,
		Example: `  tenantctl --memory-seed demo export --tenant acme -o acme.jsonl --manifest acme.manifest.json
  tenantctl --endpoint http://127.0.0.1:8000 --table shop export --tenant acme | gzip > acme.jsonl.gz`,
		Args: cobra.NoArgs,
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "the data file (default: stdout)")
	cmd.Flags().StringVar(&manifestFile, "manifest", "", "write the manifest (JSON) to this file")
	cmd.RunE = a.runE("export", func(*cobra.Command) error {
		ctx, err := a.tenantCtx()
		if err != nil {
			return err
		}
		if output == "" && a.g.json {
			return usagef("--json prints the summary on stdout, where export writes its data without -o: give -o FILE")
		}
		src := a.source()
		a.sum.Backend = src.String()
		b, err := open(a.ctx, src, false)
		if err != nil {
			return err
		}
		r := a.newReporter("export "+a.g.tenant, -1).countingDone()
		var m ops.Manifest
		if output == "" {
			bw := bufio.NewWriterSize(a.stdout, 1<<16)
			m, err = ops.Export(ctx, b, bw, a.options(r)...)
			if ferr := bw.Flush(); err == nil {
				err = ferr
			}
		} else {
			m, err = exportFile(output, func(w io.Writer) (ops.Manifest, error) {
				return ops.Export(ctx, b, w, a.options(r)...)
			})
		}
		r.close()
		a.sum.Result = m
		a.sum.Counts = &ops.Counts{Examined: m.ItemCount, Done: m.ItemCount, Bytes: m.ItemBytes}
		if err != nil {
			return err
		}
		if manifestFile != "" {
			if err := writeFileJSON(manifestFile, m); err != nil {
				return err
			}
		}
		w := a.out()
		if output == "" {
			w = a.stderr // stdout holds the data
			if a.g.quiet {
				w = io.Discard
			}
		}
		fmt.Fprintf(w, "export %s: %d items, %s of data, sha256 %s\n", a.g.tenant, m.ItemCount, formatBytes(m.DataBytes), m.SHA256)
		if output != "" {
			fmt.Fprintf(w, "  data: %s\n", output)
		}
		if manifestFile != "" {
			fmt.Fprintf(w, "  manifest: %s\n", manifestFile)
		}
		printByType(w, m.ByType)
		return nil
	})
	return cmd
}

// exportFile runs export into a temporary file beside name and renames it
// to name when export succeeds; on failure the file is removed, so name
// is never a partial export.
func exportFile(name string, export func(io.Writer) (ops.Manifest, error)) (ops.Manifest, error) {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".partial-*")
	if err != nil {
		return ops.Manifest{}, err
	}
	tmp := f.Name()
	bw := bufio.NewWriterSize(f, 1<<16)
	m, err := export(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, name)
	}
	if err != nil {
		os.Remove(tmp)
		return m, err
	}
	return m, nil
}

// writeFileJSON writes v as indented JSON to the file name.
func writeFileJSON(name string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(name, append(b, '\n'), 0o644)
}
