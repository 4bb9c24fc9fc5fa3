package e2e

import (
	"testing"

	"github.com/tocsin-dev/tocsin/pgstore/pgtest"
)

// eachBackend runs f as a parallel subtest per store backend: "bbolt"
// always, "postgres" where TOCSIN_TEST_POSTGRES names a server (without
// one that subtest skips, and under CI it fails: package pgstore/pgtest).
// f's db gives the TOCSIN_DB of one tocsin, kept across its restarts: ""
// (the harness's own bbolt file) or a fresh PostgreSQL schema.
func eachBackend(t *testing.T, f func(t *testing.T, db func(*testing.T) string)) {
	backends := []struct {
		name string
		db   func(*testing.T) string
	}{
		{"bbolt", func(*testing.T) string { return "" }},
		{"postgres", func(t *testing.T) string { return pgtest.FreshSchema(t) }},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			if b.name == "postgres" {
				pgtest.AdminURL(t) // skips (or fails under CI) before any stand-in starts
			}
			f(t, b.db)
		})
	}
}
