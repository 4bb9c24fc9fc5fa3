package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/report"
	"github.com/tocsin-dev/tocsin/web"
)

// defineDigest prints the weekly digest for the week ending now, built from
// the running server's incidents and timelines. The server itself sends it
// on TOCSIN_DIGEST_SCHEDULE to TOCSIN_DIGEST_CHANNEL.
func defineDigest(fs *flag.FlagSet, _ func(string) string) runFunc {
	dry := fs.Bool("dry-run", false, "print the digest instead of sending it")
	return apiRun(func(ctx context.Context, c *apiClient, e env) error {
		if !*dry {
			return errors.New("digest: only --dry-run is supported here; the server sends the digest on its schedule")
		}
		tz := e.getenv("TOCSIN_TIMEZONE")
		if tz == "" {
			tz = "UTC"
		}
		loc, err := time.LoadLocation(tz)
		if err != nil {
			return fmt.Errorf("TOCSIN_TIMEZONE %q is not an IANA time zone", tz)
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
		names, err := c.names(ctx, commanders(incs))
		if err != nil {
			return err
		}
		d := report.BuildDigest(incs, events, time.Now(), loc, report.DigestOptions{Names: names, Dashboard: e.getenv("TOCSIN_PUBLIC_URL")})
		_, err = io.WriteString(e.stdout, d.Markdown())
		return err
	})
}
