package bench

import (
	"testing"

	"github.com/tenantrepo/tenantrepo/internal/ddbjson"
)

// TestOpsBaselineSameBytes checks, without DynamoDB Local, that the
// baseline's export (ops_baseline_test.go) writes the benchmark's items as
// the same bytes as ops.Export's writer, so that BenchmarkLocalOps
// compares the same work (it checks the SHA-256 of a whole export too).
func TestOpsBaselineSameBytes(t *testing.T) {
	t.Parallel()
	for i := range 300 {
		item := opsItem(t, "tenant#"+benchTenant, i)
		want, err := ddbjson.AppendLine(nil, item)
		if err != nil {
			t.Fatal(err)
		}
		got := append(appendMap([]byte(`{"Item":`), item), "}\n"...)
		if string(got) != string(want) {
			t.Fatalf("item %d:\nbaseline %s\nops      %s", i, got, want)
		}
	}
}
