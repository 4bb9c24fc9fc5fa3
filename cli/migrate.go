package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"

	"github.com/tocsin-dev/tocsin/app"
)

// migrateStoreUsage is the command's line in the usage text.
const migrateStoreUsage = "migrate-store --from tocsin.db --to postgres://…: copy a bbolt store into an empty PostgreSQL database, hash chains verified"

// defineMigrateStore copies a bbolt store into an empty PostgreSQL
// database (issue 16: a team that starts with one binary grows onto a
// replicated database without losing its history). store.Export reads the
// file read-only and pgstore.Import writes it in one transaction that
// verifies every timeline's hash chain before it commits, so a failure
// leaves the database as it was and the file is never changed.
func defineMigrateStore(fs *flag.FlagSet, getenv func(string) string) runFunc {
	from := fs.String("from", "", "the bbolt store file to copy (default TOCSIN_DB, when it names a file; stop tocsin serve first, or copy a backup)")
	to := fs.String("to", "", "the empty PostgreSQL database to copy into: a postgres:// or postgresql:// URL (required)")
	return func(ctx context.Context, e env) error {
		src, dst, err := migrateArgs(*from, *to, e)
		if err != nil {
			return fmt.Errorf("migrate-store: %w", err)
		}
		n, err := app.MigrateStore(ctx, src, dst)
		if err != nil {
			return fmt.Errorf("migrate-store: %s", oneLine(redactPassword(err.Error(), dst)))
		}
		fmt.Fprintf(e.stdout, "copied %s: %d incidents (%d events, %d linked alarms, %d channels), %d outbox effects, %d idempotency keys, %d key-value entries\n",
			src, n.Incidents, n.Events, n.Alarms, n.Channels, n.Effects, n.Seen, n.KV)
		fmt.Fprintf(e.stdout, "verified: %d timelines' hash chains\n", n.Verified)
		return nil
	}
}

// migrateArgs checks the flags; the URL is never repeated in an error, as
// it may hold a password.
func migrateArgs(from, to string, e env) (src, dst string, err error) {
	if len(e.args) > 0 {
		return "", "", fmt.Errorf("unexpected argument %q (give --from FILE --to URL)", e.args[0])
	}
	if from == "" {
		if db := e.getenv("TOCSIN_DB"); db != "" && !app.IsPostgresURL(db) {
			from = db
		}
	}
	switch {
	case from == "":
		return "", "", errors.New("--from FILE is required: the bbolt store to copy (TOCSIN_DB names none)")
	case app.IsPostgresURL(from):
		return "", "", errors.New("--from must be a bbolt store file, not a database URL")
	case to == "":
		return "", "", errors.New("--to URL is required: the empty PostgreSQL database to copy into")
	case !app.IsPostgresURL(to):
		return "", "", errors.New("--to must be a postgres:// or postgresql:// URL")
	}
	fi, err := os.Stat(from)
	switch {
	case err != nil:
		return "", "", fmt.Errorf("--from %s: %w", from, errors.Unwrap(err))
	case !fi.Mode().IsRegular():
		return "", "", fmt.Errorf("--from %s is not a file", from)
	}
	return from, to, nil
}

// redactPassword takes the password of the URL dbURL out of s: errors from
// the driver or the server should not hold it, and this makes sure.
func redactPassword(s, dbURL string) string {
	s = strings.ReplaceAll(s, dbURL, "<url>")
	u, err := url.Parse(dbURL)
	if err != nil {
		return s
	}
	pw, _ := u.User.Password() // nil User: none
	for _, p := range []string{pw, u.Query().Get("password")} {
		if p != "" {
			s = strings.ReplaceAll(s, p, "<password>")
		}
	}
	return s
}

// oneLine joins the lines of a multi-line error (the driver lists each
// address it tried) into one, without repeats.
func oneLine(s string) string {
	var parts []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" && !slices.Contains(parts, l) {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, " ")
}
