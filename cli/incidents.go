package cli

import (
	"context"
	"flag"
	"fmt"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/report"
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
		names, err := c.names(ctx, commanders(incs))
		if err != nil {
			return err
		}
		const row = "%-9s %-5s %-13s %-20s %-18s %s\n"
		fmt.Fprintf(e.stdout, row, "ID", "SEV", "STATUS", "STARTED (UTC)", "COMMANDER", "TITLE")
		for _, inc := range incs {
			commander := report.Name(names, inc.RoleHolder(incident.RoleCommander))
			fmt.Fprintf(e.stdout, row, inc.ID, inc.Severity, inc.Status, inc.StartedAt.UTC().Format("2006-01-02 15:04:05"),
				or(commander, "-"), inc.Title)
		}
		return nil
	})
}

// or returns s, or fallback when s is empty.
func or(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}
