package cli

import (
	"context"
	"flag"
	"fmt"

	"github.com/tocsin-dev/tocsin/app"
)

// defineServe runs the server until ctx ends (SIGINT, SIGTERM).
func defineServe(*flag.FlagSet, func(string) string) runFunc {
	return func(ctx context.Context, e env) error {
		cfg, err := app.LoadConfig(e.getenv)
		if err != nil {
			return fmt.Errorf("configuration:\n%w", err)
		}
		app.TuneGC(e.getenv)
		a, err := app.New(ctx, cfg, app.Deps{Logger: app.NewLogger(e.stderr, cfg.LogLevel), Getenv: e.getenv})
		if err != nil {
			return err
		}
		return a.Serve(ctx, nil)
	}
}
