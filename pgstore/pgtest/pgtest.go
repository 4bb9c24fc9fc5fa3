// Package pgtest gives tests a PostgreSQL database of their own: the
// server TOCSIN_TEST_POSTGRES names (.ci/run starts one), and a fresh
// schema per test, selected by the URL's search_path and dropped when the
// test ends, so tests run in parallel. Without TOCSIN_TEST_POSTGRES a test
// is skipped, except under CI, where it fails: the PostgreSQL backend must
// not break unseen. Tests only; the tocsin binary never imports it.
package pgtest

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

// AdminURL is the database TOCSIN_TEST_POSTGRES names (see the package doc
// for what happens without it).
func AdminURL(tb testing.TB) string {
	tb.Helper()
	if u := os.Getenv("TOCSIN_TEST_POSTGRES"); u != "" {
		return u
	}
	if ci := os.Getenv("CI"); ci != "" && ci != "0" && ci != "false" {
		tb.Fatal("CI is set but TOCSIN_TEST_POSTGRES is not: the PostgreSQL tests must run in CI (.ci/run starts a cluster)")
	}
	tb.Skip("set TOCSIN_TEST_POSTGRES to a PostgreSQL URL (postgres://user@host/db) to run the PostgreSQL tests")
	return ""
}

// FreshSchema creates an empty schema for one test and returns a URL
// whose search_path selects it.
func FreshSchema(tb testing.TB) string {
	tb.Helper()
	admin := AdminURL(tb)
	b := make([]byte, 6)
	rand.Read(b)
	schema := "tocsin_test_" + hex.EncodeToString(b)
	Exec(tb, admin, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize())
	tb.Cleanup(func() { Exec(tb, admin, "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE") })
	u, err := url.Parse(admin)
	if err != nil {
		tb.Fatalf("TOCSIN_TEST_POSTGRES does not parse: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Exec runs a statement on a connection of its own.
func Exec(tb testing.TB, dbURL, sql string, args ...any) {
	tb.Helper()
	onConn(tb, dbURL, sql, func(ctx context.Context, conn *pgx.Conn) error {
		_, err := conn.Exec(ctx, sql, args...)
		return err
	})
}

// QueryRow runs a query of one row on a connection of its own and scans
// the row into dest.
func QueryRow(tb testing.TB, dbURL, sql string, args []any, dest ...any) {
	tb.Helper()
	onConn(tb, dbURL, sql, func(ctx context.Context, conn *pgx.Conn) error {
		return conn.QueryRow(ctx, sql, args...).Scan(dest...)
	})
}

// onConn runs fn on a connection of its own to dbURL, and fails the test,
// naming sql, when fn does.
func onConn(tb testing.TB, dbURL, sql string, fn func(context.Context, *pgx.Conn) error) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		tb.Fatalf("connect to the test database: %v", err)
	}
	defer conn.Close(ctx)
	if err := fn(ctx, conn); err != nil {
		tb.Fatalf("%s: %v", sql, err)
	}
}

// TerminateLeader ends, with pg_terminate_backend, the session that holds
// the leader lock of the schema dbURL selects (as an operator, or a
// database failover, would) and returns its process id; the test fails if
// no session holds it.
func TerminateLeader(tb testing.TB, dbURL string) int {
	tb.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		tb.Fatalf("the test database URL does not parse: %v", err)
	}
	key := uint64(pgstore.LeaderLockKey(u.Query().Get("search_path")))
	var pid int
	var done bool
	QueryRow(tb, dbURL, `SELECT pid, pg_terminate_backend(pid) FROM pg_locks
		WHERE locktype = 'advisory' AND granted AND objsubid = 1 AND classid::bigint = $1 AND objid::bigint = $2`,
		[]any{int64(key >> 32), int64(key & 0xffffffff)}, &pid, &done)
	if !done {
		tb.Fatalf("the leader's session %d was not terminated", pid)
	}
	return pid
}
