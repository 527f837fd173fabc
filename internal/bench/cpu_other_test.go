//go:build !unix

package bench

// cpuTime reports that the platform does not tell the process's CPU time
// here.
func cpuTime() (int64, bool) { return 0, false }
