package pagerduty

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// SignatureHeader carries a V3 webhook's signatures.
const SignatureHeader = "X-PagerDuty-Signature"

// Verify reports whether header (X-PagerDuty-Signature: one or more
// comma-separated v1=<hex HMAC-SHA256 of the raw body>) holds a signature
// of body by any of secrets, as PagerDuty's "Verifying Signatures" page
// describes: PagerDuty sends several during its rotation of a secret, and
// tocsin may hold several during its own. The comparison is constant-time.
func Verify(body []byte, header string, secrets []string) bool {
	var sums [][]byte
	for _, s := range secrets {
		if s == "" {
			continue
		}
		m := hmac.New(sha256.New, []byte(s))
		m.Write(body)
		sums = append(sums, m.Sum(nil))
	}
	ok := false
	for _, sig := range strings.Split(header, ",") {
		hexSig, found := strings.CutPrefix(strings.TrimSpace(sig), "v1=")
		got, err := hex.DecodeString(hexSig)
		if !found || err != nil || len(got) != sha256.Size {
			continue
		}
		for _, want := range sums {
			if hmac.Equal(got, want) {
				ok = true
			}
		}
	}
	return ok
}

// WebhookEvent is the part of a V3 webhook event tocsin reads.
type WebhookEvent struct {
	ID           string
	EventType    string // incident.acknowledged, incident.resolved, …
	ResourceType string
	OccurredAt   time.Time
	Agent        Reference // zero when PagerDuty itself acted ("agent": null)
	Incident     WebhookIncident
}

// Reference is a PagerDuty object reference (an agent, a service).
type Reference struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Summary string `json:"summary"`
}

// WebhookIncident is the incident of an incident event's data.
type WebhookIncident struct {
	ID          string    `json:"id"`
	Number      int       `json:"number"`
	Status      string    `json:"status"`
	IncidentKey string    `json:"incident_key"` // the dedup key of the alert that opened it
	Title       string    `json:"title"`
	HTMLURL     string    `json:"html_url"`
	Service     Reference `json:"service"`
}

// ParseWebhook reads a V3 webhook payload ({"event": {…}}). It needs the
// event's id, type, resource type and a valid occurred_at; for an incident
// event, the incident's id. Other fields may be missing.
func ParseWebhook(body []byte) (WebhookEvent, error) {
	var env struct {
		Event *struct {
			ID           string          `json:"id"`
			EventType    string          `json:"event_type"`
			ResourceType string          `json:"resource_type"`
			OccurredAt   string          `json:"occurred_at"`
			Agent        *Reference      `json:"agent"`
			Data         json.RawMessage `json:"data"`
		} `json:"event"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return WebhookEvent{}, fmt.Errorf("not a PagerDuty webhook: %v", errors.Unwrap(err))
	}
	e := env.Event
	if e == nil || e.ID == "" || e.EventType == "" || e.ResourceType == "" {
		return WebhookEvent{}, errors.New("not a PagerDuty webhook: event.id, event_type and resource_type are required")
	}
	at, err := time.Parse(time.RFC3339Nano, e.OccurredAt)
	if err != nil {
		return WebhookEvent{}, fmt.Errorf("event %s: occurred_at %q is not an ISO 8601 time", e.ID, clip(e.OccurredAt))
	}
	out := WebhookEvent{ID: e.ID, EventType: e.EventType, ResourceType: e.ResourceType, OccurredAt: at}
	if e.Agent != nil {
		out.Agent = *e.Agent
	}
	if e.ResourceType == "incident" {
		if err := json.Unmarshal(e.Data, &out.Incident); err != nil || out.Incident.ID == "" {
			return WebhookEvent{}, fmt.Errorf("event %s: its data is not an incident", e.ID)
		}
	}
	return out, nil
}

// clip shortens a value quoted in an error.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
