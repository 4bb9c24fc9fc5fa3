package pgstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/pgstore"
	"github.com/tocsin-dev/tocsin/pgstore/pgtest"
)

// adminURL, freshSchema and exec are pgtest's: the server of
// TOCSIN_TEST_POSTGRES and a fresh schema per test.
var (
	adminURL    = pgtest.AdminURL
	freshSchema = pgtest.FreshSchema
	exec        = pgtest.Exec
)

// t0 is the clock of the stores the tests open.
var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// mustOpen opens a store at dbURL and closes it when the test ends.
func mustOpen(tb testing.TB, dbURL string, now func() time.Time) *pgstore.DB {
	tb.Helper()
	db, err := pgstore.Open(context.Background(), dbURL, pgstore.Options{Now: now})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// MustOpenDB opens a store in a fresh schema of its own.
func MustOpenDB(tb testing.TB) *pgstore.DB {
	tb.Helper()
	return mustOpen(tb, freshSchema(tb), func() time.Time { return t0 })
}
