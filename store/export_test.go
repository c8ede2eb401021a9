package store

import "testing"

// Open100k is open100k for the benchmarks of package store_test.
func Open100k(b *testing.B) *Store { return open100k(b) }
