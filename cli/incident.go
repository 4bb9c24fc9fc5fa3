package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/web"
)

// defineIncident shows one incident and its timeline.
func defineIncident(fs *flag.FlagSet, _ func(string) string) runFunc {
	asJSON := fs.Bool("json", false, "print JSON")
	return apiRun(func(ctx context.Context, c *apiClient, e env) error {
		id, err := oneID(e.args)
		if err != nil {
			return err
		}
		var v web.IncidentView
		if done, err := c.show(ctx, "/api/incidents/"+id.String(), *asJSON, e.stdout, &v); done || err != nil {
			return err
		}
		inc := v.Incident
		fmt.Fprintf(e.stdout, "%s %s %s — %s\nservice %s, started %s UTC\n\n", inc.ID, inc.Severity, inc.Status, inc.Title, inc.Service, inc.StartedAt.UTC().Format(time.DateTime))
		for _, ev := range v.Timeline {
			fmt.Fprintf(e.stdout, "%s  %-14s %-16s %s\n", ev.At.UTC().Format(time.DateTime), ev.Type, ev.Actor, ev.Text)
		}
		if !v.Verified {
			fmt.Fprintln(e.stdout, "\nWARNING: the timeline's hash chain does not verify")
		}
		return nil
	})
}

// oneID reads the one incident id a command takes.
func oneID(args []string) (incident.ID, error) {
	if len(args) != 1 {
		return 0, errors.New("name one incident, for example INC-42")
	}
	return incident.ParseID(args[0])
}
