package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgSchema is the PostgreSQL schema one storm run gives tocsin (-db): made
// fresh so that a run never sees another's incidents, MessageIds or
// outbox, and read directly with pgx once tocsin has stopped. storm knows
// pgstore's table names (pgstore/migrations) and nothing else of it.
type pgSchema struct {
	admin *pgx.ConnConfig // the -db URL, for storm's own connections
	name  string          // tocsin_storm_<random>
	url   string          // the -db URL with search_path=name: tocsin's TOCSIN_DB
}

// createSchema creates an empty schema in the database at admin.
func createSchema(ctx context.Context, admin string) (*pgSchema, error) {
	b := make([]byte, 6)
	rand.Read(b)
	s := &pgSchema{name: "tocsin_storm_" + hex.EncodeToString(b)}
	var err error
	if s.admin, err = adminConfig(admin); err != nil {
		return nil, err
	}
	if s.url, err = schemaURL(admin, s.name); err != nil {
		return nil, err
	}
	return s, s.exec(ctx, "CREATE SCHEMA "+s.ident())
}

// adminConfig is the -db URL for a single connection: without pgxpool's
// settings (pool_max_conns, …), which tocsin's pool takes from the same
// URL and which the server would refuse as unknown parameters.
func adminConfig(admin string) (*pgx.ConnConfig, error) {
	cfg, err := pgx.ParseConfig(admin)
	if err != nil {
		return nil, errors.New("-db does not parse as a PostgreSQL URL") // its text may hold the password
	}
	for k := range cfg.RuntimeParams {
		if strings.HasPrefix(k, "pool_") {
			delete(cfg.RuntimeParams, k)
		}
	}
	return cfg, nil
}

// schemaURL is admin with its search_path set to schema.
func schemaURL(admin, schema string) (string, error) {
	u, err := url.Parse(admin)
	if err != nil {
		return "", errors.New("-db does not parse as a URL")
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func (s *pgSchema) ident() string { return pgx.Identifier{s.name}.Sanitize() }

// drop removes the schema and everything tocsin stored in it.
func (s *pgSchema) drop(ctx context.Context) error {
	return s.exec(ctx, "DROP SCHEMA "+s.ident()+" CASCADE")
}

// exec runs one statement on a connection of its own.
func (s *pgSchema) exec(ctx context.Context, sql string) error {
	return s.with(ctx, func(conn *pgx.Conn) error {
		_, err := conn.Exec(ctx, sql)
		return err
	})
}

// with runs fn on a connection to the database, closed afterwards.
func (s *pgSchema) with(ctx context.Context, fn func(*pgx.Conn) error) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, s.admin)
	if err != nil {
		return fmt.Errorf("connect to -db: %w", err) // pgx names the host and user, never the password
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if err := fn(conn); err != nil {
		return fmt.Errorf("schema %s: %w", s.name, err)
	}
	return nil
}

// report measures the schema after tocsin has stopped: every table's
// pg_total_relation_size (its heap, indexes and TOAST, as the files on
// disk are now, dead rows and free space included; WAL is not counted)
// and the effects left in the outbox.
func (s *pgSchema) report(ctx context.Context, events int) (Store, error) {
	st := Store{Backend: "postgresql", Schema: s.name, TableBytes: map[string]int64{}}
	err := s.with(ctx, func(conn *pgx.Conn) error {
		rows, err := conn.Query(ctx, `SELECT c.relname, pg_total_relation_size(c.oid)
			FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')`, s.name)
		if err != nil {
			return err
		}
		var name string
		var size int64
		if _, err := pgx.ForEachRow(rows, []any{&name, &size}, func() error {
			st.TableBytes[name], st.RelationBytes = size, st.RelationBytes+size
			return nil
		}); err != nil {
			return fmt.Errorf("table sizes: %w", err)
		}
		rows, err = conn.Query(ctx, "SELECT kind, count(*) FROM "+s.ident()+".outbox GROUP BY kind")
		if err != nil {
			return err
		}
		var kind string
		var n int
		_, err = pgx.ForEachRow(rows, []any{&kind, &n}, func() error {
			if st.OutboxByKind == nil {
				st.OutboxByKind = map[string]int{}
			}
			st.OutboxByKind[kind], st.OutboxLeftover = n, st.OutboxLeftover+n
			return nil
		})
		if err != nil {
			return fmt.Errorf("outbox: %w", err)
		}
		return nil
	})
	if events > 0 {
		st.PerEventRelations = float64(st.RelationBytes) / float64(events)
	}
	return st, err
}

// serverPID is the PostgreSQL server's postmaster process when it runs on
// this machine (and storm may read its /proc entry), or 0: the parent of
// the backend that serves storm's connection.
func (s *pgSchema) serverPID(ctx context.Context) int {
	pid := 0
	s.with(ctx, func(conn *pgx.Conn) error {
		var backend int
		if err := conn.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&backend); err != nil {
			return err
		}
		st, err := readStat(backend)
		if err != nil || st.ppid <= 1 {
			return nil // not on this machine, or not ours to read
		}
		if b, err := os.ReadFile("/proc/" + strconv.Itoa(st.ppid) + "/comm"); err == nil && strings.HasPrefix(string(b), "postgres") {
			pid = st.ppid
		}
		return nil
	})
	return pid
}

// PGActivity is what the PostgreSQL server did while the storm was sent,
// from its cumulative statistics (the whole cluster's WAL and checkpoints,
// the database's commits; backends report them up to a second late, so
// these are approximate), per acknowledged notification.
type PGActivity struct {
	Commits     float64 `json:"commits_per_ack"`
	WALBytes    float64 `json:"wal_bytes_per_ack"`
	WALSyncs    float64 `json:"wal_syncs_per_ack"`
	Checkpoints int64   `json:"checkpoints"`
}

func (a *PGActivity) String() string {
	if a == nil {
		return "unavailable"
	}
	return fmt.Sprintf("per acknowledged notification: %.2f commits, %.0f WAL bytes, %.2f WAL syncs; %d checkpoints while sending",
		a.Commits, a.WALBytes, a.WALSyncs, a.Checkpoints)
}

// pgCounters are the server's cumulative counters at one moment.
type pgCounters struct{ commits, walBytes, walSyncs, checkpoints int64 }

// counters reads them, or reports false (a server before PostgreSQL 14
// has no pg_stat_wal).
func (s *pgSchema) counters(ctx context.Context) (pgCounters, bool) {
	var c pgCounters
	err := s.with(ctx, func(conn *pgx.Conn) error {
		if err := conn.QueryRow(ctx, `SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()`).Scan(&c.commits); err != nil {
			return err
		}
		if err := conn.QueryRow(ctx, `SELECT wal_bytes::bigint, wal_sync FROM pg_stat_wal`).Scan(&c.walBytes, &c.walSyncs); err != nil {
			return err
		}
		// pg_stat_checkpointer from PostgreSQL 17, pg_stat_bgwriter before.
		if conn.QueryRow(ctx, `SELECT num_timed + num_requested FROM pg_stat_checkpointer`).Scan(&c.checkpoints) == nil {
			return nil
		}
		return conn.QueryRow(ctx, `SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter`).Scan(&c.checkpoints)
	})
	return c, err == nil
}

// activityBetween is what the server did from a to b for acks notifications.
func activityBetween(a, b pgCounters, acks int) *PGActivity {
	if acks == 0 {
		return nil
	}
	per := func(d int64) float64 { return float64(d) / float64(acks) }
	return &PGActivity{Commits: per(b.commits - a.commits), WALBytes: per(b.walBytes - a.walBytes),
		WALSyncs: per(b.walSyncs - a.walSyncs), Checkpoints: b.checkpoints - a.checkpoints}
}
