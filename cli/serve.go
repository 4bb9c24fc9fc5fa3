package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/tocsin-dev/tocsin/app"
)

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := app.LoadConfig(getenv)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	logger := app.NewLogger(stderr, cfg.LogLevel)
	app.TuneGC(getenv)
	a, err := app.New(ctx, cfg, app.Deps{Logger: logger, Getenv: getenv})
	if err != nil {
		return err
	}
	return a.Serve(ctx, nil)
}
