package sim

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// pagerDutyWireEvent is an Events API v2 event as PagerDuty's "Send an
// Alert Event" page documents it.
type pagerDutyWireEvent struct {
	RoutingKey  string `json:"routing_key"`
	EventAction string `json:"event_action"`
	DedupKey    string `json:"dedup_key"`
	Payload     struct {
		Summary       string         `json:"summary"`
		Source        string         `json:"source"`
		Severity      string         `json:"severity"`
		Timestamp     string         `json:"timestamp"`
		Component     string         `json:"component"`
		Group         string         `json:"group"`
		Class         string         `json:"class"`
		CustomDetails map[string]any `json:"custom_details"`
	} `json:"payload"`
	Links  []map[string]any `json:"links"`
	Images []map[string]any `json:"images"`
}

// validate lists what PagerDuty refuses in an event, worded as its 400
// answers word it ("'payload.source' is missing or blank"): the routing
// key and action always; summary, source and a known severity for a
// trigger; a dedup key for acknowledge and resolve; the documented limits.
func (e *pagerDutyWireEvent) validate() []string {
	var errs []string
	blank := func(field, v string) {
		if strings.TrimSpace(v) == "" {
			errs = append(errs, "'"+field+"' is missing or blank")
		}
	}
	blank("routing_key", e.RoutingKey)
	if e.RoutingKey != "" && len(e.RoutingKey) != 32 {
		errs = append(errs, "'routing_key' is the wrong length (should be 32 characters)")
	}
	switch e.EventAction {
	case "trigger":
		p := e.Payload
		blank("payload.summary", p.Summary)
		blank("payload.source", p.Source)
		blank("payload.severity", p.Severity)
		if p.Severity != "" && !slices.Contains([]string{"critical", "error", "warning", "info"}, p.Severity) {
			errs = append(errs, "'payload.severity' must be one of critical, error, warning or info")
		}
		if len(p.Summary) > 1024 {
			errs = append(errs, "'payload.summary' is too long (maximum is 1024 characters)")
		}
		if p.Timestamp != "" && !pagerDutyTimestamp(p.Timestamp) {
			errs = append(errs, "'payload.timestamp' is not an ISO 8601 timestamp")
		}
	case "acknowledge", "resolve":
		blank("dedup_key", e.DedupKey)
	case "":
		blank("event_action", e.EventAction)
	default:
		errs = append(errs, "'event_action' must be one of trigger, acknowledge or resolve")
	}
	if len(e.DedupKey) > 255 {
		errs = append(errs, "'dedup_key' is too long (maximum is 255 characters)")
	}
	for _, l := range e.Links {
		if href, _ := l["href"].(string); href == "" {
			errs = append(errs, "'links.href' is missing or blank")
		}
	}
	return errs
}

// pagerDutyTimestamp accepts ISO 8601 as PagerDuty's examples write it
// (2015-07-17T08:42:58.315+0000) and RFC 3339.
func pagerDutyTimestamp(s string) bool {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000-0700", "2006-01-02T15:04:05-0700"} {
		if _, err := time.Parse(layout, s); err == nil {
			return true
		}
	}
	return false
}

// getUser answers GET /users/{id} as the REST API does, for a request with
// the accepted token ("Authorization: Token token=…").
func (p *PagerDuty) getUser(w http.ResponseWriter, r *http.Request, id string) {
	p.mu.Lock()
	u, ok := p.users[id]
	token := p.token
	p.mu.Unlock()
	if token == "" || r.Header.Get("Authorization") != "Token token="+token {
		pagerDutyWrite(w, http.StatusUnauthorized, map[string]any{"error": map[string]any{"message": "Authentication failed", "code": 2006}})
		return
	}
	if !ok {
		pagerDutyWrite(w, http.StatusNotFound, map[string]any{"error": map[string]any{"message": "Not Found", "code": 2100}})
		return
	}
	pagerDutyWrite(w, http.StatusOK, map[string]any{"user": map[string]any{
		"id": u.ID, "type": "user", "name": u.Name, "email": u.Email, "summary": u.Name,
		"self": "https://api.pagerduty.com/users/" + u.ID, "html_url": "https://acme.pagerduty.com/users/" + u.ID,
	}})
}
