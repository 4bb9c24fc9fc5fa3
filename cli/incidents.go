package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/tocsin-dev/tocsin/incident"
)

func runIncidents(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("incidents", stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	open := fs.Bool("open", false, "only open incidents")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c, err := newAPIClient(getenv)
	if err != nil {
		return err
	}
	path := fmt.Sprintf("/api/incidents?open=%t", *open)
	if *asJSON {
		return c.copyTo(ctx, path, stdout)
	}
	var incs []incident.Incident
	if err := c.getJSON(ctx, path, &incs); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%-9s %-5s %-13s %-20s %s\n", "ID", "SEV", "STATUS", "STARTED (UTC)", "TITLE")
	for _, inc := range incs {
		fmt.Fprintf(stdout, "%-9s %-5s %-13s %-20s %s\n", inc.ID, inc.Severity, inc.Status, inc.StartedAt.UTC().Format("2006-01-02 15:04:05"), inc.Title)
	}
	return nil
}
