package cli

import (
	"context"
	"io"
	"net/url"

	"github.com/tocsin-dev/tocsin/report"
)

func runMetrics(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("metrics", stderr)
	since := fs.String("since", "30d", "window back from now (7d, 30d, 90d) or an RFC 3339 time")
	service := fs.String("service", "", "only this service")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c, err := newAPIClient(getenv)
	if err != nil {
		return err
	}
	q := url.Values{"since": {*since}}
	if *service != "" {
		q.Set("service", *service)
	}
	path := "/api/metrics?" + q.Encode()
	if *asJSON {
		return c.copyTo(ctx, path, stdout)
	}
	var s report.Summary
	if err := c.getJSON(ctx, path, &s); err != nil {
		return err
	}
	io.WriteString(stdout, s.Table())
	return nil
}
