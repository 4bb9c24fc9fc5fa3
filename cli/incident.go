package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/report"
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
		printStory(e.stdout, v)
		if !v.Verified {
			fmt.Fprintln(e.stdout, "\nWARNING: the timeline's hash chain does not verify")
		}
		return nil
	})
}

// printStory prints an incident's facts and its timeline as sentences,
// times since the start of impact, milestones in capitals, people named.
func printStory(w io.Writer, v web.IncidentView) {
	inc, names := v.Incident, report.NameMap(v.Names)
	base := inc.StartedAt
	if base.IsZero() && len(v.Timeline) > 0 {
		base = v.Timeline[0].At
	}
	fmt.Fprintf(w, "%s %s %s — %s\nservice %s, commander %s, started %s UTC\n\n", inc.ID, inc.Severity, inc.Status, inc.Title,
		or(inc.Service, "-"), or(report.Name(names, inc.RoleHolder(incident.RoleCommander)), "-"), base.UTC().Format(time.DateTime))
	for _, ev := range v.Timeline {
		m := report.Tell(ev, names)
		fmt.Fprintf(w, "%-12s %-13s %s\n", report.Offset(ev.At, base), strings.ToUpper(m.Milestone), m.Sentence)
	}
}

// oneID reads the one incident id a command takes.
func oneID(args []string) (incident.ID, error) {
	if len(args) != 1 {
		return 0, errors.New("name one incident, for example INC-42")
	}
	return incident.ParseID(args[0])
}
