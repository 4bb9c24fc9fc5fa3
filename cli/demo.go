package cli

import (
	"context"
	"io"

	"github.com/tocsin-dev/tocsin/demo"
)

const demoUsage = demo.Usage

// runDemo plays the demo (package demo owns its flags).
func runDemo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return demo.Run(ctx, args, getenv, stdout, stderr)
}
