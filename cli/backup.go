package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/tocsin-dev/tocsin/app"
)

// defineBackup asks the running server for a hot copy (POST /api/backup). If
// no server answers, it copies the file directly, which works only when no
// other process holds it.
func defineBackup(*flag.FlagSet, func(string) string) runFunc {
	return runBackup
}

func runBackup(ctx context.Context, e env) error {
	if len(e.args) != 1 {
		return errors.New("backup needs one argument: the file to write")
	}
	dst, stdout, getenv := e.args[0], e.stdout, e.getenv
	cfg, err := app.LoadConfig(getenv)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	if cfg.Postgres() {
		return errors.New("TOCSIN_DB is a PostgreSQL database: back it up with the database's own tools " +
			"(RDS or Aurora automated backups and snapshots, or pg_dump); tocsin backup copies bbolt files")
	}
	if c, err := newAPIClient(getenv); err == nil {
		b, err := c.do(ctx, http.MethodPost, "/api/backup")
		if err == nil {
			if err := writeFileAtomic(dst, b); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "wrote %s (%d bytes) from the running server\n", dst, len(b))
			return nil
		}
		fmt.Fprintf(e.stderr, "no running server answered (%v); copying the file directly\n", err)
	}
	db, err := app.OpenStore(ctx, cfg.DB, time.Now, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	file, ok := db.(interface{ BackupFile(string) (int64, error) })
	if !ok {
		return errors.New("this store cannot be copied to a file")
	}
	n, err := file.BackupFile(dst)
	if err == nil {
		fmt.Fprintf(stdout, "wrote %s (%d bytes)\n", dst, n)
	}
	return err
}

func writeFileAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("write backup: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write backup: %w", err)
	}
	return nil
}
