package pgstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// SchemaVersion is the newest schema this code knows: the number of the
// last file in migrations/.
const SchemaVersion = 2

// ErrSchemaTooNew means the database was migrated by a newer tocsin: this
// one would not know what the newer columns mean, so it refuses to run.
var ErrSchemaTooNew = errors.New("the database's schema is newer than this tocsin knows")

// migrationFiles are the schema's versions, NNNN_name.sql, each applied
// once in its own transaction and recorded in tocsin_schema.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations in order, numbered 1, 2, … with
// no gap.
func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []migration
	for i, name := range names {
		base := path.Base(name)
		num, _, _ := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if err != nil || v != i+1 {
			return nil, fmt.Errorf("migration %s: want number %04d", base, i+1)
		}
		b, err := migrationFiles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: strings.TrimSuffix(base, ".sql"), sql: string(b)})
	}
	return out, nil
}

// migrate brings the schema to SchemaVersion. It holds a session advisory
// lock on a connection of its own while it looks and applies, so that of
// several processes starting together one applies each migration and the
// others then find it applied. The lock's key is derived from the schema
// the tables live in, so two deployments in one database (or two tests)
// do not wait for each other.
func (db *DB) migrate(ctx context.Context) (err error) {
	ms, err := migrations()
	if err != nil {
		return err
	}
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Release()
	var schema *string
	if err := conn.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return fmt.Errorf("read current schema: %w", err)
	}
	if schema == nil {
		return errors.New("no schema of the search_path exists to create tables in")
	}
	db.schema = *schema
	key := lockKey("tocsin schema migration", *schema)
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, key); err != nil {
		return fmt.Errorf("lock schema %s for migration: %w", *schema, err)
	}
	defer func() {
		if _, uerr := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, key); uerr != nil {
			conn.Conn().Close(context.WithoutCancel(ctx)) // a closed session holds no lock
		}
	}()
	_, err = conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS tocsin_schema (
		version    integer PRIMARY KEY,
		name       text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`)
	if err != nil {
		return fmt.Errorf("create tocsin_schema: %w", err)
	}
	var current int
	if err := conn.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM tocsin_schema`).Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if current > len(ms) {
		return fmt.Errorf("%w: schema version %d in %s, this tocsin knows up to %d (upgrade tocsin)", ErrSchemaTooNew, current, *schema, len(ms))
	}
	for _, m := range ms[current:] {
		tx, err := conn.Begin(ctx)
		if err != nil {
			return fmt.Errorf("migrate to %s: %w", m.name, err)
		}
		_, err = tx.Exec(ctx, m.sql)
		if err == nil {
			_, err = tx.Exec(ctx, `INSERT INTO tocsin_schema (version, name) VALUES ($1, $2)`, m.version, m.name)
		}
		if err == nil {
			err = tx.Commit(ctx)
		}
		if err != nil {
			tx.Rollback(context.WithoutCancel(ctx))
			return fmt.Errorf("migrate to %s: %w", m.name, err)
		}
	}
	return nil
}

// lockKey is the key of a session advisory lock taken for purpose (the
// migrations, the leadership) in one schema: two deployments in one
// database, or two tests, each have their own.
func lockKey(purpose, schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte(purpose + " " + schema))
	return int64(h.Sum64())
}
