package bench

import "testing"

// loop runs op through b.Loop, with allocations reported, and reports
// besides ns/op the process's CPU time per op (user and system, all
// threads: the garbage collector's included) as cpu-ns/op, where the
// platform tells it: the other load of a shared machine changes it less
// than the wall time ns/op measures.
func loop(b *testing.B, op func()) {
	b.ReportAllocs()
	start, ok := cpuTime()
	for b.Loop() {
		op()
	}
	if end, _ := cpuTime(); ok && b.N > 0 {
		b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
	}
}
