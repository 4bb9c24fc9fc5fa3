package cli

import (
	"context"
	"flag"
)

// defineReview prints an incident's review draft (Markdown).
func defineReview(*flag.FlagSet, func(string) string) runFunc {
	return apiRun(func(ctx context.Context, c *apiClient, e env) error {
		id, err := oneID(e.args)
		if err != nil {
			return err
		}
		return c.copyTo(ctx, "/api/incidents/"+id.String()+"/review.md", e.stdout)
	})
}
