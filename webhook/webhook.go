package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
)

var _ dispatch.Pager = (*webhookPager)(nil)

// webhookPager pages for escalation steps with `page: true` by POSTing JSON
// to TOCSIN_PAGE_WEBHOOK (a paging service's generic webhook). The URL is a
// secret: it never appears in errors or logs.
type webhookPager struct {
	url    string
	client *http.Client
}

// page is the JSON body of a page.
type page struct {
	Incident string `json:"incident"`
	Title    string `json:"title"`
	Severity string `json:"severity"`
	Status   string `json:"status"`
	Service  string `json:"service,omitempty"`
	Step     int    `json:"escalation_step"`
	Channel  string `json:"slack_channel,omitempty"`
	Summary  string `json:"summary"`
}

func (p *webhookPager) Page(ctx context.Context, inc incident.Incident, step int) error {
	body, _ := json.Marshal(page{Incident: inc.ID.String(), Title: inc.Title, Severity: inc.Severity.String(),
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

func newPager(url string) dispatch.Pager {
	if url == "" {
		return nil
	}
	return &webhookPager{url: url, client: &http.Client{Timeout: 10 * time.Second}}
}
