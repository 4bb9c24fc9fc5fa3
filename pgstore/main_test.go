package pgstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tocsin-dev/tocsin/pgstore"
)

// adminURL is the database named by TOCSIN_TEST_POSTGRES. Without it the
// test is skipped, except in CI (CI set, as .ci/run sets it), where a
// missing database must fail: .ci/run starts one, and a silent skip would
// let the PostgreSQL backend break unseen.
func adminURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv("TOCSIN_TEST_POSTGRES")
	if u != "" {
		return u
	}
	if ci := os.Getenv("CI"); ci != "" && ci != "0" && ci != "false" {
		tb.Fatal("CI is set but TOCSIN_TEST_POSTGRES is not: the PostgreSQL tests must run in CI (.ci/run starts a cluster)")
	}
	tb.Skip("set TOCSIN_TEST_POSTGRES to a PostgreSQL URL (postgres://user@host/db) to run the PostgreSQL tests")
	return ""
}

// freshSchema creates an empty schema for one test in the database of
// TOCSIN_TEST_POSTGRES, drops it when the test ends, and returns a URL
// whose search_path selects it: tests run in parallel, each with tables of
// its own.
func freshSchema(tb testing.TB) string {
	tb.Helper()
	admin := adminURL(tb)
	b := make([]byte, 6)
	rand.Read(b)
	schema := "tocsin_test_" + hex.EncodeToString(b)
	exec(tb, admin, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize())
	tb.Cleanup(func() { exec(tb, admin, "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE") })
	u, err := url.Parse(admin)
	if err != nil {
		tb.Fatalf("TOCSIN_TEST_POSTGRES does not parse: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// exec runs statements on a connection of their own.
func exec(tb testing.TB, dbURL, sql string, args ...any) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		tb.Fatalf("connect to the test database: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		tb.Fatalf("%s: %v", sql, err)
	}
}

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
