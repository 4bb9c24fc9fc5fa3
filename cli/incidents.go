package cli

import (
	"context"
	"flag"
	"fmt"

	"github.com/tocsin-dev/tocsin/incident"
)

// defineIncidents lists incidents as a table or JSON.
func defineIncidents(fs *flag.FlagSet, _ func(string) string) runFunc {
	asJSON := fs.Bool("json", false, "print JSON")
	open := fs.Bool("open", false, "only open incidents")
	return apiRun(func(ctx context.Context, c *apiClient, e env) error {
		var incs []incident.Incident
		if done, err := c.show(ctx, fmt.Sprintf("/api/incidents?open=%t", *open), *asJSON, e.stdout, &incs); done || err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%-9s %-5s %-13s %-20s %s\n", "ID", "SEV", "STATUS", "STARTED (UTC)", "TITLE")
		for _, inc := range incs {
			fmt.Fprintf(e.stdout, "%-9s %-5s %-13s %-20s %s\n", inc.ID, inc.Severity, inc.Status, inc.StartedAt.UTC().Format("2006-01-02 15:04:05"), inc.Title)
		}
		return nil
	})
}
