package store_test

import (
	"testing"

	"github.com/tocsin-dev/tocsin/store"
)

// BenchmarkOpen_Check measures what the check of a file's structure costs
// every start (Open, which checks it, then Close) and what `tocsin check
// --store` costs (Check, which also verifies every timeline), on a store of
// 10,000 incidents of 21 events each (about 180 MB).
func BenchmarkOpen_Check(b *testing.B) {
	path := buildStore(b, b.TempDir(), 10_000, 20)
	b.Run("Open", func(b *testing.B) {
		for b.Loop() {
			db, err := store.Open(path, store.Options{})
			if err != nil {
				b.Fatal(err)
			}
			db.Close()
		}
	})
	b.Run("Check", func(b *testing.B) {
		for b.Loop() {
			if problems, err := store.Check(path); err != nil || len(problems) > 0 {
				b.Fatal(problems, err)
			}
		}
	})
}
