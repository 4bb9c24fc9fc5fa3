package pagerduty

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tocsin-dev/tocsin/sim"
)

func TestVerify(t *testing.T) {
	body := []byte(`{"event":{"id":"x"}}`)
	one := sim.SignPagerDuty(body, "s3cret")
	rotation := sim.SignPagerDuty(body, "old", "s3cret") // PagerDuty rotating its secret
	for _, tc := range []struct {
		name    string
		header  string
		secrets []string
		want    bool
	}{
		{"signed", one, []string{"s3cret"}, true},
		{"one of several signatures", rotation, []string{"s3cret"}, true},
		{"one of our secrets", one, []string{"next", "s3cret"}, true},
		{"spaces after commas", strings.ReplaceAll(rotation, ",", ", "), []string{"s3cret"}, true},
		{"wrong secret", one, []string{"other"}, false},
		{"no secret configured", one, nil, false},
		{"empty secret", sim.SignPagerDuty(body, ""), []string{""}, false},
		{"no header", "", []string{"s3cret"}, false},
		{"no v1 prefix", strings.TrimPrefix(one, "v1="), []string{"s3cret"}, false},
		{"another version", "v2=" + strings.TrimPrefix(one, "v1="), []string{"s3cret"}, false},
		{"upper-case hex", "v1=" + strings.ToUpper(strings.TrimPrefix(one, "v1=")), []string{"s3cret"}, true},
		{"truncated", one[:len(one)-2], []string{"s3cret"}, false},
	} {
		if got := Verify(body, tc.header, tc.secrets); got != tc.want {
			t.Errorf("%s: Verify = %v, want %v", tc.name, got, tc.want)
		}
	}
	if Verify(append(body, ' '), one, []string{"s3cret"}) {
		t.Error("a changed body verifies")
	}
}

// TestParseWebhook_DocumentedExamples reads the two examples of PagerDuty's
// webhook documentation.
func TestParseWebhook_DocumentedExamples(t *testing.T) {
	raw, err := os.ReadFile("testdata/webhook-incident-priority-updated.json")
	if err != nil {
		t.Fatal(err)
	}
	ev, err := ParseWebhook(raw)
	if err != nil {
		t.Fatal(err)
	}
	want := WebhookEvent{ID: "5ac64822-4adc-4fda-ade0-410becf0de4f", EventType: "incident.priority_updated", ResourceType: "incident",
		OccurredAt: time.Date(2020, 10, 2, 18, 45, 22, 169e6, time.UTC),
		Agent:      Reference{ID: "PLH1HKV", Type: "user_reference", Summary: "Tenex Engineer"},
		Incident: WebhookIncident{ID: "PGR0VU2", Number: 2, Status: "triggered", IncidentKey: "d3640fbd41094207a1c11e58e46b1662",
			Title: "A little bump in the road", HTMLURL: "https://acme.pagerduty.com/incidents/PGR0VU2",
			Service: Reference{ID: "PF9KMXH", Type: "service_reference", Summary: "API Service"}}}
	if !ev.OccurredAt.Equal(want.OccurredAt) {
		t.Errorf("occurred_at %v", ev.OccurredAt)
	}
	ev.OccurredAt = want.OccurredAt
	if ev != want {
		t.Errorf("ParseWebhook =\n%+v\nwant\n%+v", ev, want)
	}
	raw, _ = os.ReadFile("testdata/webhook-service-updated.json")
	if ev, err := ParseWebhook(raw); err != nil || ev.ResourceType != "service" || ev.Agent != (Reference{}) {
		t.Errorf("service.updated: %+v, %v", ev, err)
	}
	for _, bad := range []string{`{}`, `{"event":{"id":"x","event_type":"incident.acknowledged","resource_type":"incident","occurred_at":"yesterday","data":{"id":"P1"}}}`,
		`{"event":{"id":"x","event_type":"incident.acknowledged","resource_type":"incident","occurred_at":"2020-10-02T18:45:22Z","data":{}}}`, `[`} {
		if _, err := ParseWebhook([]byte(bad)); err == nil {
			t.Errorf("ParseWebhook(%s) succeeded", bad)
		}
	}
}

// TestWebhook_Refusals: forged, unsigned, stale, future and oversized
// webhooks are refused before anything is applied.
func TestWebhook_Refusals(t *testing.T) {
	now := time.Date(2020, 10, 2, 19, 0, 0, 0, time.UTC)
	applied := 0
	h := Webhook(WebhookConfig{Secrets: []string{"s3cret"}, Now: func() time.Time { return now },
		Apply: func(ctx context.Context, ev WebhookEvent) (Applied, error) { applied++; return "ok", nil }})
	raw, _ := os.ReadFile("testdata/webhook-incident-priority-updated.json") // occurred 18:45:22
	post := func(body []byte, sig string) int {
		r := httptest.NewRequest(http.MethodPost, "/pagerduty/webhook", bytes.NewReader(body))
		r.Header.Set(SignatureHeader, sig)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	stale := bytes.Replace(raw, []byte("2020-10-02T18:45:22.169Z"), []byte("2020-10-02T17:45:22.169Z"), 1)
	ahead := bytes.Replace(raw, []byte("2020-10-02T18:45:22.169Z"), []byte("2020-10-02T19:10:00.000Z"), 1)
	big := append(bytes.Repeat([]byte(" "), MaxWebhookBody), raw...)
	for name, tc := range map[string]struct {
		body []byte
		sig  string
		want int
	}{
		"forged":        {raw, sim.SignPagerDuty(raw, "guess"), http.StatusUnauthorized},
		"unsigned":      {raw, "", http.StatusUnauthorized},
		"stale":         {stale, sim.SignPagerDuty(stale, "s3cret"), http.StatusUnauthorized},
		"from ahead":    {ahead, sim.SignPagerDuty(ahead, "s3cret"), http.StatusUnauthorized},
		"too large":     {big, sim.SignPagerDuty(big, "s3cret"), http.StatusRequestEntityTooLarge},
		"signed junk":   {[]byte(`{"event":1}`), sim.SignPagerDuty([]byte(`{"event":1}`), "s3cret"), http.StatusBadRequest},
		"fresh, signed": {raw, sim.SignPagerDuty(raw, "other", "s3cret"), http.StatusAccepted},
	} {
		if got := post(tc.body, tc.sig); got != tc.want {
			t.Errorf("%s: %d, want %d", name, got, tc.want)
		}
	}
	if applied != 1 {
		t.Errorf("applied %d events, want only the fresh, signed one", applied)
	}
}

// FuzzWebhook: verification and parsing never panic; a body signed with
// the secret always verifies and one signed otherwise never does; a parsed
// event has what ParseWebhook promises.
func FuzzWebhook(f *testing.F) {
	raw, _ := os.ReadFile("testdata/webhook-incident-priority-updated.json")
	f.Add(raw, sim.SignPagerDuty(raw, "s3cret"))
	f.Add(raw, sim.SignPagerDuty(raw, "old", "s3cret"))
	f.Add([]byte(`{"event":null}`), "v1=00")
	f.Fuzz(func(t *testing.T, body []byte, header string) {
		Verify(body, header, []string{"s3cret"})
		if !Verify(body, sim.SignPagerDuty(body, "s3cret"), []string{"s3cret"}) {
			t.Fatal("a signed body does not verify")
		}
		if Verify(body, sim.SignPagerDuty(body, "other"), []string{"s3cret"}) {
			t.Fatal("a body signed with another secret verifies")
		}
		ev, err := ParseWebhook(body)
		if err != nil {
			if !utf8.ValidString(err.Error()) && utf8.Valid(body) {
				t.Fatalf("error is not text: %q", err)
			}
			return
		}
		if ev.ID == "" || ev.EventType == "" || ev.ResourceType == "" || ev.OccurredAt.IsZero() ||
			(ev.ResourceType == "incident" && ev.Incident.ID == "") {
			t.Fatalf("parsed event lacks a required field: %+v", ev)
		}
	})
}
