// Package webhook pages through a paging service's generic JSON webhook
// (TOCSIN_PAGE_WEBHOOK): an escalation step with `page: true` POSTs one JSON
// body naming the incident. It satisfies dispatch.Pager without importing
// dispatch; it imports only incident. The URL is a secret (it usually holds
// the service's key), so it never appears in errors or logs.
package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
)

// Pager POSTs a page to one webhook URL.
type Pager struct {
	url    string
	client *http.Client
}

// Body is the JSON body of a page.
type Body struct {
	Incident string `json:"incident"`
	Title    string `json:"title"`
	Severity string `json:"severity"`
	Status   string `json:"status"`
	Service  string `json:"service,omitempty"`
	Step     int    `json:"escalation_step"`
	Channel  string `json:"slack_channel,omitempty"`
	Summary  string `json:"summary"`
}

// Page POSTs the page for escalation step step (0-based) of inc.
func (p *Pager) Page(ctx context.Context, inc incident.Incident, step int) error {
	body, _ := json.Marshal(Body{Incident: inc.ID.String(), Title: inc.Title, Severity: inc.Severity.String(),
		Status: string(inc.Status), Service: inc.Service, Step: step + 1, Channel: inc.Channel.Name,
		Summary: fmt.Sprintf("%s %s is not acknowledged: %s", inc.ID, inc.Severity, inc.Title)})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("page: TOCSIN_PAGE_WEBHOOK is not a valid URL")
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		return fmt.Errorf("page: the paging webhook did not answer") // the error text would carry the URL
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("page: the paging webhook answered %s", resp.Status)
	}
	return nil
}

// New returns a Pager for url, or nil when url is empty (no paging).
func New(url string) *Pager {
	if url == "" {
		return nil
	}
	return &Pager{url: url, client: &http.Client{Timeout: 10 * time.Second}}
}
