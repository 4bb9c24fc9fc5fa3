package pagerduty

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
)

// DefaultEventsURL is the Events API v2 endpoint.
const DefaultEventsURL = "https://events.pagerduty.com/v2/enqueue"

// Event is an Events API v2 alert event.
type Event struct {
	RoutingKey  string   `json:"routing_key"`
	EventAction string   `json:"event_action"`
	DedupKey    string   `json:"dedup_key,omitempty"`
	Payload     *Payload `json:"payload,omitempty"`
	Links       []Link   `json:"links,omitempty"`
	Client      string   `json:"client,omitempty"`
	ClientURL   string   `json:"client_url,omitempty"`
}

// Payload is a trigger's PD-CEF payload.
type Payload struct {
	Summary       string         `json:"summary"`
	Source        string         `json:"source"`
	Severity      string         `json:"severity"`
	Timestamp     string         `json:"timestamp,omitempty"`
	Component     string         `json:"component,omitempty"`
	Group         string         `json:"group,omitempty"`
	Class         string         `json:"class,omitempty"`
	CustomDetails map[string]any `json:"custom_details,omitempty"`
}

// Link is a link attached to the alert.
type Link struct {
	Href string `json:"href"`
	Text string `json:"text,omitempty"`
}

// Response is the Events API's answer, on success and on a 400.
type Response struct {
	Status   string   `json:"status"`
	Message  string   `json:"message"`
	DedupKey string   `json:"dedup_key,omitempty"`
	Errors   []string `json:"errors,omitempty"`
}

// Client sends events to the Events API.
type Client struct {
	URL  string       // DefaultEventsURL when empty
	HTTP *http.Client // 10 s timeout when nil
	// DashboardURL is tocsin's public base URL (TOCSIN_PUBLIC_URL); when
	// set, triggers link to the incident's dashboard page.
	DashboardURL string
}

// Limits PagerDuty sets on a field, and how many alarms a trigger lists.
const (
	maxSummary = 1024
	maxAlarms  = 50
)

// Trigger opens (or adds to) the alert dedupKey for inc.
func (c *Client) Trigger(ctx context.Context, routingKey, dedupKey, summary string, inc incident.Incident) error {
	ev := Event{RoutingKey: routingKey, EventAction: "trigger", DedupKey: dedupKey, Payload: payload(summary, inc),
		Links: c.links(inc), Client: "tocsin"}
	if c.DashboardURL != "" {
		ev.ClientURL = c.DashboardURL
	}
	return c.post(ctx, ev)
}

// Send sends an acknowledge or resolve event for the alert dedupKey.
func (c *Client) Send(ctx context.Context, routingKey, dedupKey, action string) error {
	return c.post(ctx, Event{RoutingKey: routingKey, EventAction: action, DedupKey: dedupKey})
}

// Severity maps tocsin's severities to PagerDuty's.
func Severity(s incident.Severity) string {
	switch s {
	case incident.SEV1:
		return "critical"
	case incident.SEV2:
		return "error"
	case incident.SEV4:
		return "info"
	}
	return "warning"
}

func payload(summary string, inc incident.Incident) *Payload {
	source := inc.Service
	if source == "" {
		source = "tocsin"
	}
	if r := []rune(summary); len(r) > maxSummary {
		summary = string(r[:maxSummary-1]) + "…"
	}
	details := map[string]any{"incident": inc.ID.String(), "title": inc.Title, "severity": inc.Severity.String(),
		"status": string(inc.Status)}
	if inc.Channel.Name != "" {
		details["slack_channel"] = "#" + inc.Channel.Name
	}
	var alarms []map[string]string
	for i, a := range inc.Alarms {
		if i == maxAlarms {
			details["alarms_not_listed"] = len(inc.Alarms) - maxAlarms
			break
		}
		alarms = append(alarms, map[string]string{"name": a.Name, "arn": a.ARN, "state": string(a.State),
			"changed_at": a.ChangedAt.UTC().Format(time.RFC3339)})
	}
	if len(alarms) > 0 {
		details["alarms"] = alarms
	}
	p := &Payload{Summary: summary, Source: source, Severity: Severity(inc.Severity), Component: inc.Service,
		Group: inc.Playbook, Class: "tocsin incident", CustomDetails: details}
	if !inc.DetectedAt.IsZero() {
		p.Timestamp = inc.DetectedAt.UTC().Format(time.RFC3339)
	}
	return p
}

// links are the incident's Slack channel and dashboard page.
func (c *Client) links(inc incident.Incident) []Link {
	var out []Link
	if inc.Channel.ID != "" {
		out = append(out, Link{Href: "https://slack.com/app_redirect?channel=" + inc.Channel.ID, Text: "Slack #" + inc.Channel.Name})
	}
	if c.DashboardURL != "" {
		out = append(out, Link{Href: strings.TrimSuffix(c.DashboardURL, "/") + fmt.Sprintf("/incidents/%d", inc.ID),
			Text: "tocsin dashboard: " + inc.ID.String()})
	}
	return out
}

// post sends one event and reads PagerDuty's answer.
func (c *Client) post(ctx context.Context, ev Event) error {
	body, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("encode PagerDuty event: %w", err)
	}
	url := c.URL
	if url == "" {
		url = DefaultEventsURL
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return &Error{Status: 0, Message: "TOCSIN_PAGERDUTY_EVENTS_URL is not a valid URL"}
	}
	req.Header.Set("Content-Type", "application/json")
	resp, raw, err := do(c.HTTP, 10*time.Second, req, 64<<10)
	if err != nil {
		return fmt.Errorf("send PagerDuty %s: %w", ev.EventAction, err)
	}
	if resp.StatusCode == http.StatusAccepted || resp.StatusCode == http.StatusOK {
		return nil
	}
	return answerError(resp, raw, ev.RoutingKey)
}

// do sends req with client (or one that gives up after timeout) and reads
// up to limit bytes of the answer.
func do(client *http.Client, timeout time.Duration, req *http.Request, limit int64) (*http.Response, []byte, error) {
	if client == nil {
		client = &http.Client{Timeout: timeout}
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, limit))
	return resp, raw, nil
}

// answerError turns a refusal into an Error, without the routing key.
func answerError(resp *http.Response, raw []byte, key string) *Error {
	var r Response
	json.Unmarshal(raw, &r)
	e := &Error{Status: resp.StatusCode, Message: r.Message, Errors: r.Errors}
	if e.Message == "" {
		e.Message = strings.TrimSpace(string(raw))
		if len(e.Message) > 200 {
			e.Message = e.Message[:200]
		}
	}
	scrub := func(s string) string {
		if key == "" {
			return s
		}
		return strings.ReplaceAll(s, key, "[routing key]")
	}
	e.Message = scrub(e.Message)
	for i := range e.Errors {
		e.Errors[i] = scrub(e.Errors[i])
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		e.retryAfter = 30 * time.Second
	}
	return e
}

// Error is an answer of the Events API other than 202.
type Error struct {
	Status     int
	Message    string
	Errors     []string
	retryAfter time.Duration
}

func (e *Error) Error() string {
	s := fmt.Sprintf("PagerDuty answered %d %s", e.Status, http.StatusText(e.Status))
	if e.Status == 0 {
		s = "PagerDuty was not called"
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if len(e.Errors) > 0 {
		s += " (" + strings.Join(e.Errors, "; ") + ")"
	}
	return s
}

// Permanent reports whether sending the event again cannot succeed.
func (e *Error) Permanent() bool {
	return e.Status == 0 || (e.Status >= 400 && e.Status < 500 && e.Status != http.StatusTooManyRequests && e.Status != http.StatusRequestTimeout)
}

// RetryAfter is how long to wait after a 429; the outbox's own backoff
// applies to other failures.
func (e *Error) RetryAfter() time.Duration { return e.retryAfter }
