package ops_test

import (
	"bytes"
	"context"
	"fmt"
	"log"

	"github.com/tenantrepo/tenantrepo/backend/memory"
	"github.com/tenantrepo/tenantrepo/ops"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// exportNote is the entity type of the examples of Export, Import and Copy.
type exportNote struct {
	ID   string   `dynamodbav:"-"`
	Text string   `dynamodbav:"text"`
	Tags []string `dynamodbav:"tags,stringset"`
}

func (exportNote) EntityPrefix() string     { return "note" }
func (n exportNote) EntityID() string       { return n.ID }
func (n *exportNote) SetEntityID(id string) { n.ID = id }

// seedExportNotes writes two notes for tenant acme.
func seedExportNotes(b *memory.Store) {
	notes := repo.MustNew[exportNote](b)
	ctx := tenantctx.MustWithTenant(context.Background(), "acme")
	err := notes.BatchPut(ctx, []exportNote{
		{ID: "n1", Text: "hello <world>", Tags: []string{"b", "a"}},
		{ID: "n2", Text: "bye", Tags: []string{"x"}},
	})
	if err != nil {
		log.Fatal(err)
	}
}

// Export writes a tenant's items as DynamoDB JSON lines, as DynamoDB's
// export to S3 does, and returns a manifest with their count and SHA-256.
func ExampleExport() {
	b := memory.New()
	seedExportNotes(b)

	ctx := tenantctx.MustWithTenant(context.Background(), "acme")
	var data bytes.Buffer
	m, err := ops.Export(ctx, b, &data)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(data.String())
	fmt.Println(m.Tenant, m.ItemCount, m.ByType["note"].Items, len(m.SHA256))
	// Output:
	// {"Item":{"PK":{"S":"tenant#acme"},"SK":{"S":"note#n1"},"tags":{"SS":["a","b"]},"text":{"S":"hello <world>"}}}
	// {"Item":{"PK":{"S":"tenant#acme"},"SK":{"S":"note#n2"},"tags":{"SS":["x"]},"text":{"S":"bye"}}}
	// acme 2 2 64
}

// Import loads an export for the context's tenant, here another one than
// the export's: the keys are renamed. With the manifest, the data is
// checked against it before anything is written.
func ExampleImport() {
	b := memory.New()
	seedExportNotes(b)
	var data bytes.Buffer
	m, err := ops.Export(tenantctx.MustWithTenant(context.Background(), "acme"), b, &data)
	if err != nil {
		log.Fatal(err)
	}

	ctx := tenantctx.MustWithTenant(context.Background(), "globex")
	res, err := ops.Import(ctx, b, bytes.NewReader(data.Bytes()), ops.WithManifest(&m))
	if err != nil {
		// res.Written and res.NotDone say which lines are stored;
		// ops.WithResume(res.Checkpoint) continues.
		log.Fatal(err)
	}
	fmt.Println(res.From, "->", res.To, res.Written)

	n, err := repo.MustNew[exportNote](b).Get(ctx, "n1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n.Text)
	// Output:
	// acme -> globex [{1 2}]
	// hello <world>
}

// Copy moves a tenant's items between backends (here two memory stores;
// a DynamoDB table and a memory store, for a reproduction in a unit test,
// work alike), renaming when the tenants differ, and verifies both sides'
// checksums.
func ExampleCopy() {
	src, dst := memory.New(), memory.New()
	seedExportNotes(src)

	res, err := ops.Copy(
		tenantctx.MustWithTenant(context.Background(), "acme"), src,
		tenantctx.MustWithTenant(context.Background(), "acme-staging"), dst,
	)
	if err != nil {
		log.Fatal(err) // ops.ErrVerify when the checksums differ
	}
	fmt.Println(res.Import.Done, res.Source.Items, res.Source == res.Dest)
	// Output:
	// 2 2 true
}
