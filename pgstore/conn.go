package pgstore

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// connect opens a connection of its own, outside the pool, with the pool's
// settings (the URL's search_path among them) and an application_name that
// shows what it is in pg_stat_activity.
func (db *DB) connect(ctx context.Context, name string) (*pgx.Conn, error) {
	cfg := db.pool.Config().ConnConfig
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	cfg.RuntimeParams["application_name"] = name
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	return conn, nil
}

// ping checks that a connection still answers within d.
func ping(ctx context.Context, conn *pgx.Conn, d time.Duration) error {
	pctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	if _, err := conn.Exec(pctx, `SELECT 1`); err != nil {
		return fmt.Errorf("the connection does not answer: %w", err)
	}
	return nil
}

// sleep waits d, or less if ctx ends first; it reports whether ctx is
// still going.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// closeConn closes a connection, waiting at most a few seconds for the
// server to hear of it.
func closeConn(conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn.Close(ctx)
}
