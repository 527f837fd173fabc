package codec

import "sync/atomic"

var off atomic.Bool

// Off reports whether repositories made now leave their type's codec out
// and encode and decode with attributevalue only.
func Off() bool { return off.Load() }

// SetOff sets what Off reports, for the repositories made after it, and
// returns a func that restores the previous setting. It is for benchmarks
// that compare the two paths in one process; nothing else sets it.
func SetOff(v bool) (restore func()) {
	old := off.Swap(v)
	return func() { off.Store(old) }
}
