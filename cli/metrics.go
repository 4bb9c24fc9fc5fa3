package cli

import (
	"context"
	"flag"
	"io"
	"net/url"

	"github.com/tocsin-dev/tocsin/report"
)

// defineMetrics prints MTTD, MTTA, MTTM and MTTR over a window.
func defineMetrics(fs *flag.FlagSet, _ func(string) string) runFunc {
	since := fs.String("since", "30d", "window back from now (7d, 30d, 90d) or an RFC 3339 time")
	service := fs.String("service", "", "only this service")
	asJSON := fs.Bool("json", false, "print JSON")
	return apiRun(func(ctx context.Context, c *apiClient, e env) error {
		q := url.Values{"since": {*since}}
		if *service != "" {
			q.Set("service", *service)
		}
		var s report.Summary
		if done, err := c.show(ctx, "/api/metrics?"+q.Encode(), *asJSON, e.stdout, &s); done || err != nil {
			return err
		}
		_, err := io.WriteString(e.stdout, s.Table())
		return err
	})
}
