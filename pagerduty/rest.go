package pagerduty

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultAPIURL is PagerDuty's REST API.
const DefaultAPIURL = "https://api.pagerduty.com"

// REST is the REST API as tocsin reads it: GET requests with an API token
// (TOCSIN_PAGERDUTY_API_TOKEN) sent as "Authorization: Token token=…".
// The token never appears in an error.
type REST struct {
	URL   string // DefaultAPIURL when empty
	Token string
	HTTP  *http.Client // 5 s timeout when nil: a webhook must be answered within PagerDuty's 5 s
}

// get reads path?query into out; what names the request in errors.
func (c *REST) get(ctx context.Context, what, path string, query url.Values, out any) error {
	if c == nil || c.Token == "" {
		return fmt.Errorf("%s: no PagerDuty API token", what)
	}
	base := strings.TrimSuffix(c.URL, "/")
	if base == "" {
		base = DefaultAPIURL
	}
	u := base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	req.Header.Set("Authorization", "Token token="+c.Token)
	req.Header.Set("Accept", "application/vnd.pagerduty+json;version=2")
	resp, raw, err := do(c.HTTP, 5*time.Second, req, 1<<20)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: PagerDuty answered %s", what, resp.Status)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}
