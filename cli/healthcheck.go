package cli

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"time"
)

// defineHealthcheck asks the local server for /healthz (the container's
// HEALTHCHECK).
func defineHealthcheck(*flag.FlagSet, func(string) string) runFunc {
	return func(ctx context.Context, e env) error {
		c := &http.Client{Timeout: 3 * time.Second}
		resp, err := c.Get(localURL(e.getenv) + "/healthz")
		if err != nil {
			return fmt.Errorf("healthcheck: %w", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("healthcheck: %s", resp.Status)
		}
		return nil
	}
}
