package cli

import (
	"context"
	"flag"
	"fmt"
)

func defineVersion(*flag.FlagSet, func(string) string) runFunc {
	return func(ctx context.Context, e env) error {
		_, err := fmt.Fprintln(e.stdout, "tocsin", Version)
		return err
	}
}
