//go:build race

package store

// slowdown scales time limits in tests: the race detector makes the
// transpiled SQLite about ten times slower.
const slowdown = 10
