package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/tocsin-dev/tocsin/pgstore"
	"github.com/tocsin-dev/tocsin/store"
)

// MigrateStore copies the bbolt store at from into the empty PostgreSQL
// database at to, in one transaction, keeping incident numbers and event
// hashes and verifying every timeline before it commits (tocsin
// migrate-store).
func MigrateStore(ctx context.Context, from, to string) (pgstore.Imported, error) {
	db, err := pgstore.Open(ctx, to, pgstore.Options{})
	if err != nil {
		return pgstore.Imported{}, fmt.Errorf("--to: %w", err)
	}
	defer db.Close()
	n, err := db.Import(ctx, func(v pgstore.Visitor) error {
		// pgstore.Visitor and store.Visitor are both incident.Visitor.
		err := store.Export(from, v)
		if errors.Is(err, store.ErrLocked) {
			return fmt.Errorf("%s is in use by a running tocsin: stop it first, or migrate a copy (tocsin backup FILE)", from)
		}
		return err
	})
	if err != nil {
		return n, fmt.Errorf("nothing was copied: %w", err)
	}
	return n, nil
}

// IsPostgresURL reports whether s names a PostgreSQL database
// (postgres:// or postgresql://) rather than a bbolt file.
func IsPostgresURL(s string) bool { return isURL(s) }
