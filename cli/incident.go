package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/web"
)

func runIncident(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("incident", stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	id, err := parseIDArg(fs, args)
	if err != nil {
		return err
	}
	c, err := newAPIClient(getenv)
	if err != nil {
		return err
	}
	path := "/api/incidents/" + id.String()
	if *asJSON {
		return c.copyTo(ctx, path, stdout)
	}
	var v web.IncidentView
	if err := c.getJSON(ctx, path, &v); err != nil {
		return err
	}
	inc := v.Incident
	fmt.Fprintf(stdout, "%s %s %s — %s\nservice %s, started %s UTC\n\n", inc.ID, inc.Severity, inc.Status, inc.Title, inc.Service, inc.StartedAt.UTC().Format(time.DateTime))
	for _, e := range v.Timeline {
		fmt.Fprintf(stdout, "%s  %-14s %-16s %s\n", e.At.UTC().Format(time.DateTime), e.Type, e.Actor, e.Text)
	}
	if !v.Verified {
		fmt.Fprintln(stdout, "\nWARNING: the timeline's hash chain does not verify")
	}
	return nil
}

func parseIDArg(fs interface {
	Parse([]string) error
	Args() []string
}, args []string) (incident.ID, error) {
	// Accept the id before or after the flags.
	var pos []string
	var flags []string
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			flags = append(flags, a)
		} else {
			pos = append(pos, a)
		}
	}
	if err := fs.Parse(flags); err != nil {
		return 0, err
	}
	if len(pos) != 1 {
		return 0, errors.New("name one incident, for example INC-42")
	}
	return incident.ParseID(pos[0])
}
