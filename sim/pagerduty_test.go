package sim

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// pdKey is a routing key of the 32 characters PagerDuty's integration keys
// have (the documentation's examples write "samplekeyhere").
const pdKey = "R0123456789ABCDEF0123456789ABCDE"

// docTrigger is the trigger example of PagerDuty's "Send an Alert Event"
// page, with a routing key of the right length.
const docTrigger = `{
  "payload": {
    "summary": "Example alert on host1.example.com",
    "timestamp": "2015-07-17T08:42:58.315+0000",
    "source": "monitoringtool:cloudvendor:central-region-dc-01:852559987:cluster/api-stats-prod-003",
    "severity": "info",
    "component": "postgres",
    "group": "prod-datapipe",
    "class": "deploy",
    "custom_details": {"ping time": "1500ms", "load avg": 0.75}
  },
  "routing_key": "` + pdKey + `",
  "dedup_key": "samplekeyhere",
  "images": [{"src": "https://www.pagerduty.com/wp-content/uploads/2016/05/pagerduty-logo-green.png", "href": "https://example.com/", "alt": "Example text"}],
  "links": [{"href": "https://example.com/", "text": "Link text"}],
  "event_action": "trigger",
  "client": "Sample Monitoring Service",
  "client_url": "https://monitoring.example.com"
}`

func pdPost(t *testing.T, p *PagerDuty, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(p.EventsURL(), "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("answer %q is not JSON: %v", raw, err)
	}
	return resp.StatusCode, out
}

func TestPagerDuty_DocumentedEvents(t *testing.T) {
	p := NewPagerDuty(nil, "")
	defer p.Close()
	code, out := pdPost(t, p, docTrigger)
	want := map[string]any{"status": "success", "message": "Event processed", "dedup_key": "samplekeyhere"}
	if code != http.StatusAccepted || !cmp.Equal(out, want) {
		t.Fatalf("trigger = %d %v, want 202 %v", code, out, want)
	}
	pdPost(t, p, docTrigger) // the same alert: deduplicated
	incs := p.Incidents()
	if len(incs) != 1 || incs[0].Status != "triggered" || incs[0].Severity != "info" || incs[0].Component != "postgres" ||
		incs[0].Summary != "Example alert on host1.example.com" || len(incs[0].Actions) != 2 {
		t.Fatalf("incidents = %+v, want one triggered alert with two triggers", incs)
	}
	for _, action := range []string{"acknowledge", "resolve"} {
		// The acknowledge and resolve examples of the same page.
		ev := `{"routing_key": "` + pdKey + `", "dedup_key": "samplekeyhere", "event_action": "` + action + `"}`
		if code, out := pdPost(t, p, ev); code != http.StatusAccepted || out["dedup_key"] != "samplekeyhere" {
			t.Errorf("%s = %d %v", action, code, out)
		}
	}
	if got := p.Incidents()[0]; got.Status != "resolved" || !cmp.Equal(got.Actions, []string{"trigger", "trigger", "acknowledge", "resolve"}) {
		t.Errorf("after acknowledge and resolve: %+v", got)
	}
	// A resolved alert's dedup key opens a new alert; acknowledge for no
	// open alert is accepted and dropped.
	pdPost(t, p, docTrigger)
	pdPost(t, p, `{"routing_key": "`+pdKey+`", "dedup_key": "nothing-open", "event_action": "acknowledge"}`)
	if incs := p.Incidents(); len(incs) != 2 || incs[1].Status != "triggered" {
		t.Errorf("incidents = %+v, want a second, triggered alert", incs)
	}
	if p.EventCount("trigger") != 3 || p.EventCount("acknowledge") != 2 {
		t.Errorf("event counts: %d triggers, %d acknowledges", p.EventCount("trigger"), p.EventCount("acknowledge"))
	}
}

func TestPagerDuty_InvalidEvents(t *testing.T) {
	p := NewPagerDuty(nil, "")
	defer p.Close()
	for name, tc := range map[string]struct{ body, want string }{
		"no source":      {strings.Replace(docTrigger, `"source"`, `"src"`, 1), "'payload.source' is missing or blank"},
		"no summary":     {strings.Replace(docTrigger, `"summary": "Example alert on host1.example.com"`, `"summary": " "`, 1), "'payload.summary' is missing or blank"},
		"bad severity":   {strings.Replace(docTrigger, `"severity": "info"`, `"severity": "SEV1"`, 1), "'payload.severity' must be one of"},
		"no routing key": {strings.Replace(docTrigger, pdKey, "", 1), "'routing_key' is missing or blank"},
		"short key":      {strings.Replace(docTrigger, pdKey, "samplekeyhere", 1), "'routing_key' is the wrong length"},
		"ack no dedup":   {`{"routing_key": "` + pdKey + `", "event_action": "acknowledge"}`, "'dedup_key' is missing or blank"},
		"bad action":     {`{"routing_key": "` + pdKey + `", "event_action": "page"}`, "'event_action' must be one of"},
		"not json":       {`{"routing_key": `, "not valid JSON"},
	} {
		code, out := pdPost(t, p, tc.body)
		errs, _ := out["errors"].([]any)
		if code != http.StatusBadRequest || out["status"] != "invalid event" || out["message"] != "Event object is invalid" ||
			len(errs) == 0 || !strings.Contains(errs[0].(string), tc.want) {
			t.Errorf("%s: %d %v, want 400 invalid event with %q", name, code, out, tc.want)
		}
	}
	if n := len(p.Incidents()); n != 0 {
		t.Errorf("%d incidents opened by invalid events", n)
	}
}

func TestPagerDuty_Throttle(t *testing.T) {
	p := NewPagerDuty(nil, "")
	defer p.Close()
	p.Throttle(1)
	code, out := pdPost(t, p, docTrigger)
	if code != http.StatusTooManyRequests || out["status"] != "throttle exceeded" || len(p.Incidents()) != 0 {
		t.Errorf("throttled trigger = %d %v, %d incidents", code, out, len(p.Incidents()))
	}
	if code, _ := pdPost(t, p, docTrigger); code != http.StatusAccepted || len(p.Incidents()) != 1 {
		t.Errorf("the retry = %d, %d incidents", code, len(p.Incidents()))
	}
}

// TestPagerDuty_Webhook: the payload has the shape of the documentation's
// example and its signature is the HMAC of the raw body with each secret.
func TestPagerDuty_Webhook(t *testing.T) {
	at := time.Date(2020, 10, 2, 18, 45, 22, 169e6, time.UTC)
	p := NewPagerDuty(func() time.Time { return at }, "")
	defer p.Close()
	pdPost(t, p, docTrigger)
	inc := p.Incidents()[0]
	var got, recv []byte
	var sig string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		recv, _ = io.ReadAll(r.Body)
		sig = r.Header.Get("X-PagerDuty-Signature")
	}))
	defer ts.Close()
	wh := PagerDutyWebhook{ID: "5ac64822-4adc-4fda-ade0-410becf0de4f", EventType: "incident.acknowledged", Incident: inc,
		Agent: &PagerDutyUser{ID: "PLH1HKV", Name: "Tenex Engineer"}}
	got = p.WebhookBody(wh)
	if _, _, err := p.SendWebhook(t.Context(), ts.URL, wh, "old-secret", "new-secret"); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, recv) {
		t.Fatalf("sent %s, want %s", recv, got)
	}
	var raw map[string]map[string]json.RawMessage
	json.Unmarshal(got, &raw)
	for _, k := range []string{"id", "event_type", "resource_type", "occurred_at", "agent", "client", "data"} {
		if _, ok := raw["event"][k]; !ok {
			t.Errorf("event lacks %q", k)
		}
	}
	var data map[string]any
	json.Unmarshal(raw["event"]["data"], &data)
	if string(raw["event"]["occurred_at"]) != `"2020-10-02T18:45:22.169Z"` || data["incident_key"] != "samplekeyhere" ||
		data["type"] != "incident" || data["id"] != inc.ID || string(raw["event"]["event_type"]) != `"incident.acknowledged"` {
		t.Errorf("webhook body %s", got)
	}
	want := []string{}
	for _, secret := range []string{"old-secret", "new-secret"} {
		m := hmac.New(sha256.New, []byte(secret))
		m.Write(recv)
		want = append(want, "v1="+hex.EncodeToString(m.Sum(nil)))
	}
	if sig != strings.Join(want, ",") {
		t.Errorf("X-PagerDuty-Signature = %q, want %q", sig, strings.Join(want, ","))
	}
}

func TestPagerDuty_Users(t *testing.T) {
	p := NewPagerDuty(nil, "pd-rest-token")
	defer p.Close()
	p.AddUser(PagerDutyUser{ID: "PXPGF42", Name: "Earline Greenholt", Email: "earline@example.com"})
	get := func(id, token string) (int, map[string]any) {
		req, _ := http.NewRequest(http.MethodGet, p.URL()+"/users/"+id, nil)
		req.Header.Set("Authorization", "Token token="+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	if code, out := get("PXPGF42", "pd-rest-token"); code != 200 || out["user"].(map[string]any)["email"] != "earline@example.com" {
		t.Errorf("GET /users/PXPGF42 = %d %v", code, out)
	}
	if code, _ := get("PXPGF42", "wrong"); code != http.StatusUnauthorized {
		t.Errorf("a wrong token got %d", code)
	}
	if code, _ := get("PNOBODY", "pd-rest-token"); code != http.StatusNotFound {
		t.Errorf("an unknown user got %d", code)
	}
}
