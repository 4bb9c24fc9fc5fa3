package cli

import (
	"context"
	"io"
)

func runReview(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("review", stderr)
	id, err := parseIDArg(fs, args)
	if err != nil {
		return err
	}
	c, err := newAPIClient(getenv)
	if err != nil {
		return err
	}
	return c.copyTo(ctx, "/api/incidents/"+id.String()+"/review.md", stdout)
}
