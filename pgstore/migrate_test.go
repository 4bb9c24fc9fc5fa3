package pgstore_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tocsin-dev/tocsin/pgstore"
)

// Eight processes starting together on an empty schema: every Open
// succeeds and each migration is applied once.
func TestOpen_MigratesOnce(t *testing.T) {
	t.Parallel()
	dbURL := freshSchema(t)
	const starters = 8
	var wg sync.WaitGroup
	errs := make([]error, starters)
	start := make(chan struct{})
	for i := range starters {
		wg.Go(func() {
			<-start
			db, err := pgstore.Open(context.Background(), dbURL, pgstore.Options{})
			if err == nil {
				err = db.Close()
			}
			errs[i] = err
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open %d: %v", i, err)
		}
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, _ := conn.Query(ctx, `SELECT version FROM tocsin_schema ORDER BY version`)
	versions, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		t.Fatal(err)
	}
	if len(versions) != pgstore.SchemaVersion || versions[len(versions)-1] != pgstore.SchemaVersion {
		t.Errorf("tocsin_schema holds versions %v, want 1..%d once each", versions, pgstore.SchemaVersion)
	}
}

// A database migrated by a newer tocsin is refused, not run on.
func TestOpen_RefusesNewerSchema(t *testing.T) {
	t.Parallel()
	dbURL := freshSchema(t)
	db, err := pgstore.Open(context.Background(), dbURL, pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	exec(t, dbURL, `INSERT INTO tocsin_schema (version, name) VALUES ($1, 'from_the_future')`, pgstore.SchemaVersion+1)
	_, err = pgstore.Open(context.Background(), dbURL, pgstore.Options{})
	if !errors.Is(err, pgstore.ErrSchemaTooNew) {
		t.Fatalf("Open = %v, want ErrSchemaTooNew", err)
	}
	if !strings.Contains(err.Error(), "upgrade tocsin") {
		t.Errorf("the refusal does not say what to do: %v", err)
	}
}

// Only postgres:// and postgresql:// URLs are databases; anything else
// (a bbolt file's path) is refused before any connection.
func TestOpen_RefusesOtherURLs(t *testing.T) {
	for _, s := range []string{"tocsin.db", "/var/lib/tocsin/tocsin.db", "mysql://u@h/db", "postgres:/x", ""} {
		if pgstore.IsURL(s) {
			t.Errorf("IsURL(%q) = true", s)
		}
		if _, err := pgstore.Open(context.Background(), s, pgstore.Options{}); !errors.Is(err, pgstore.ErrNotPostgres) {
			t.Errorf("Open(%q) = %v, want ErrNotPostgres", s, err)
		}
	}
	for _, s := range []string{"postgres://u@h/db", "postgresql://u@h/db?sslmode=require"} {
		if !pgstore.IsURL(s) {
			t.Errorf("IsURL(%q) = false", s)
		}
	}
}

// The URL's password never reaches an error, whether the URL does not
// parse or the server cannot be reached.
func TestOpen_KeepsPasswordOutOfErrors(t *testing.T) {
	const password = "hunter2-s3cr3t"
	for _, s := range []string{
		"postgres://tocsin:" + password + "@127.0.0.1:1/tocsin?connect_timeout=1&sslmode=disable",
		"postgres://tocsin:" + password + "@127.0.0.1:1/tocsin?sslmode=nonsense",
		"postgres://tocsin:" + password + "@[::1/tocsin",
	} {
		_, err := pgstore.Open(context.Background(), s, pgstore.Options{})
		if err == nil {
			t.Fatalf("Open(%s) succeeded", s)
		}
		if strings.Contains(err.Error(), password) {
			t.Errorf("the password leaked into an error: %v", err)
		}
	}
}
