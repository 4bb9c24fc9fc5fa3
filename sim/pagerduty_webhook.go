package sim

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// PagerDutyWebhook is one V3 webhook event to send about an alert.
type PagerDutyWebhook struct {
	ID         string // the event's id; "" makes a new one
	EventType  string // incident.acknowledged, incident.resolved, …
	Incident   PagerDutyIncident
	Agent      *PagerDutyUser // who did it; nil sends "agent": null
	OccurredAt time.Time      // zero: the stand-in's clock
}

// WebhookBody renders a V3 webhook payload as PagerDuty's webhook
// documentation shows it: {"event": {id, event_type, resource_type,
// occurred_at, agent, client, data}}, data being the incident.
func (p *PagerDuty) WebhookBody(wh PagerDutyWebhook) []byte {
	p.mu.Lock()
	if wh.ID == "" {
		p.next++
		wh.ID = fmt.Sprintf("5ac64822-4adc-4fda-ade0-%012x", p.next)
	}
	if wh.OccurredAt.IsZero() {
		wh.OccurredAt = p.now()
	}
	p.mu.Unlock()
	inc := wh.Incident
	var agent any
	if wh.Agent != nil {
		agent = map[string]any{"html_url": "https://acme.pagerduty.com/users/" + wh.Agent.ID, "id": wh.Agent.ID,
			"self": "https://api.pagerduty.com/users/" + wh.Agent.ID, "summary": wh.Agent.Name, "type": "user_reference"}
	}
	data := map[string]any{
		"id": inc.ID, "type": "incident", "self": "https://api.pagerduty.com/incidents/" + inc.ID,
		"html_url": "https://acme.pagerduty.com/incidents/" + inc.ID, "number": inc.Number, "status": inc.Status,
		"incident_key": inc.DedupKey, "created_at": inc.CreatedAt.UTC().Format(time.RFC3339), "title": inc.Summary,
		"service": map[string]any{"html_url": "https://acme.pagerduty.com/services/PF9KMXH", "id": "PF9KMXH",
			"self": "https://api.pagerduty.com/services/PF9KMXH", "summary": "API Service", "type": "service_reference"},
		"assignees": []any{}, "urgency": "high", "resolve_reason": nil,
	}
	body, _ := json.Marshal(map[string]any{"event": map[string]any{
		"id": wh.ID, "event_type": wh.EventType, "resource_type": "incident",
		"occurred_at": wh.OccurredAt.UTC().Format("2006-01-02T15:04:05.000Z"), "agent": agent,
		"client": map[string]any{"name": "PagerDuty"}, "data": data,
	}})
	return body
}

// SignPagerDuty is the X-PagerDuty-Signature of body: v1=<hex HMAC-SHA256>
// for each secret, comma-separated, as PagerDuty signs during a rotation.
func SignPagerDuty(body []byte, secrets ...string) string {
	sigs := make([]string, len(secrets))
	for i, s := range secrets {
		m := hmac.New(sha256.New, []byte(s))
		m.Write(body)
		sigs[i] = "v1=" + hex.EncodeToString(m.Sum(nil))
	}
	return strings.Join(sigs, ",")
}

// SendWebhook POSTs a webhook event to url, signed with each secret, with
// the headers PagerDuty sends, and returns the answer.
func (p *PagerDuty) SendWebhook(ctx context.Context, url string, wh PagerDutyWebhook, secrets ...string) (int, string, error) {
	body := p.WebhookBody(wh)
	return PostPagerDutyWebhook(ctx, url, body, SignPagerDuty(body, secrets...))
}

// PostPagerDutyWebhook POSTs a webhook body with the given signature
// header (which may be forged or missing).
func PostPagerDutyWebhook(ctx context.Context, url string, body []byte, signature string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "PagerDuty-Webhook/V3.0")
	req.Header.Set("X-Webhook-Subscription", "PSUBSCR")
	if signature != "" {
		req.Header.Set("X-PagerDuty-Signature", signature)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, string(answer), nil
}
