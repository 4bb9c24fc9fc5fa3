package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/report"
	"github.com/tocsin-dev/tocsin/web"
)

// runDigest prints the weekly digest for the week ending now, built from the
// running server's incidents and timelines. The server itself sends it on
// TOCSIN_DIGEST_SCHEDULE to TOCSIN_DIGEST_CHANNEL.
func runDigest(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("digest", stderr)
	dry := fs.Bool("dry-run", false, "print the digest instead of sending it")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !*dry {
		return errors.New("digest: only --dry-run is supported here; the server sends the digest on its schedule")
	}
	tz := getenv("TOCSIN_TIMEZONE")
	if tz == "" {
		tz = "UTC"
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return fmt.Errorf("TOCSIN_TIMEZONE %q is not an IANA time zone", tz)
	}
	c, err := newAPIClient(getenv)
	if err != nil {
		return err
	}
	var incs []incident.Incident
	if err := c.getJSON(ctx, "/api/incidents", &incs); err != nil {
		return err
	}
	events := map[incident.ID][]incident.Event{}
	for _, inc := range incs {
		var v web.IncidentView
		if err := c.getJSON(ctx, "/api/incidents/"+inc.ID.String(), &v); err != nil {
			return err
		}
		events[inc.ID] = v.Timeline
	}
	io.WriteString(stdout, report.BuildDigest(incs, events, time.Now(), loc).Markdown())
	return nil
}
