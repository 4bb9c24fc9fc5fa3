package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"time"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/intake"
	"github.com/tocsin-dev/tocsin/pgstore"
	"github.com/tocsin-dev/tocsin/store"
	"github.com/tocsin-dev/tocsin/web"
)

// Store is what tocsin needs of a store backend: the bbolt file (package
// store, the default) or PostgreSQL (package pgstore, when TOCSIN_DB is a
// postgres:// URL). Nothing above app knows which one it talks to; the
// contract both keep is store/storetest's suite.
type Store interface {
	dispatch.Store
	dispatch.Lister
	dispatch.Outbox
	web.Source
	web.Reviews
	intake.CertCache
	store.Forgetter
	Summaries(ctx context.Context) ([]incident.Incident, error)
	ByChannel(ctx context.Context, channelID string) (incident.ID, bool, error)
	OpenAlarmARNs(ctx context.Context) ([]string, error)
	Get(key string) ([]byte, bool, error)
	Put(ctx context.Context, key string, value []byte) error
	Delete(ctx context.Context, key string) error
	Scan(prefix string) (map[string][]byte, error)
	Pending() int
	Writable(ctx context.Context) error
	Close() error
}

var (
	_ Store = (*store.DB)(nil)
	_ Store = (*pgstore.DB)(nil)
)

// isURL reports whether TOCSIN_DB names a PostgreSQL database.
func isURL(db string) bool { return pgstore.IsURL(db) }

// OpenStore opens TOCSIN_DB, with one clear error for each way it fails: a
// postgres:// or postgresql:// URL opens the PostgreSQL backend (applying
// its schema migrations), anything else the bbolt file. Errors never show a
// URL's password.
func OpenStore(ctx context.Context, db string, now func() time.Time, log *slog.Logger) (Store, error) {
	if isURL(db) {
		s, err := pgstore.Open(ctx, db, pgstore.Options{Now: now, Logger: log})
		if err != nil {
			return nil, fmt.Errorf("TOCSIN_DB %s (PostgreSQL): %w", redactURL(db), err)
		}
		return s, nil
	}
	s, err := store.Open(db, store.Options{Now: now})
	switch {
	case errors.Is(err, store.ErrLocked):
		return nil, fmt.Errorf("TOCSIN_DB %s is in use by another process (is another tocsin running?)", db)
	case errors.Is(err, store.ErrDamaged):
		return nil, fmt.Errorf("TOCSIN_DB %w", err)
	case errors.Is(err, fs.ErrPermission):
		return nil, fmt.Errorf("TOCSIN_DB %s cannot be opened: permission denied", db)
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("TOCSIN_DB %s cannot be created: its directory does not exist", db)
	case err != nil:
		return nil, fmt.Errorf("TOCSIN_DB %s: %w", db, err)
	}
	return s, nil
}

// CheckStore checks the store file without changing it (`tocsin check
// --store`): bbolt's consistency check and every timeline's hash chain. It
// returns one line per problem. A PostgreSQL store is the database's to
// check.
func CheckStore(db string) ([]string, error) {
	if isURL(db) {
		return nil, errors.New("TOCSIN_DB is a PostgreSQL database: its consistency is the database's own (amcheck, pg_dump to verify); --store checks bbolt files")
	}
	problems, err := store.Check(db)
	if errors.Is(err, store.ErrLocked) {
		return nil, fmt.Errorf("TOCSIN_DB %s is in use by a running tocsin: stop it, or check a copy (tocsin backup FILE, then TOCSIN_DB=FILE tocsin check --store)", db)
	}
	return problems, err
}

// redactURL shows a database URL without its password (and its query,
// which may hold one too).
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(a URL that does not parse)"
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	u.RawQuery = ""
	return u.String()
}
