//go:build !race

package repo

// raceOn reports whether the race detector is on: it changes what the
// compiler keeps on the stack, so allocation counts differ.
const raceOn = false
