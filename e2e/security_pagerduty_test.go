package e2e

import (
	"os"
	"strings"
	"testing"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/sim"
)

// TestSecurity_PagerDutySecretsNeverLeak pages PagerDuty with a routing key
// from a named variable that PagerDuty refuses (400), pages with the
// default key, and sends a forged webhook: neither routing key nor the
// webhook secret appears in the logs (debug), the timeline, Slack or the
// store file, and the refusal is said without the key.
func TestSecurity_PagerDutySecretsNeverLeak(t *testing.T) {
	const badKey = "SEC-PD-KEY-7f3a9c1d2e" // not 32 characters: PagerDuty answers 400
	o := pdOptions()
	o.Playbooks = map[string]string{"storm.yaml": StormPlaybook + `escalation:
  - {after: 1s, page: "pagerduty:PD_SEC_KEY"}
  - {after: 2s, page: pagerduty}
`}
	o.Env = map[string]string{"PD_SEC_KEY": badKey, "TOCSIN_LOG_LEVEL": "debug"}
	h := Start(t, o)
	h.MustAlarm("pd-sec-1", "checkout")
	ch := h.WaitHeader(1)
	h.WaitFor("the refusal and the page", func() bool {
		return h.ChannelSays(ch.ID, "PagerDuty refused to trigger INC-1") && len(paged(h, 1, "trigger")) == 1
	})
	forged := sim.PagerDutyWebhook{ID: "evt-forged", EventType: "incident.acknowledged", Incident: h.PD.Incidents()[0]}
	if code := h.PagerDutyWebhook(forged, "guessed-secret"); code != 401 {
		t.Errorf("forged webhook: %d", code)
	}
	h.Settle()
	if st := h.Incident(1).Incident.Status; st != incident.StatusDetected {
		t.Errorf("after the forged webhook the incident is %s", st)
	}
	places := map[string]string{}
	_, places["API timeline"] = h.Get("/api/incidents/INC-1", APIToken)
	var slack strings.Builder
	for _, m := range h.Slack.Messages(ch.ID) {
		slack.WriteString(m.Text + string(m.Blocks))
	}
	places["Slack"] = slack.String()
	if err := h.Stop(); err != nil {
		t.Fatal(err)
	}
	places["logs"] = h.Logs.String()
	db, err := os.ReadFile(h.Getenv("TOCSIN_DB"))
	if err != nil {
		t.Fatal(err)
	}
	places["store file"] = string(db)
	for where, text := range places {
		for name, secret := range map[string]string{"PD_SEC_KEY": badKey, "TOCSIN_PAGERDUTY_ROUTING_KEY": PagerDutyKey,
			"TOCSIN_PAGERDUTY_WEBHOOK_SECRET": PagerDutySecret} {
			if strings.Contains(text, secret) {
				t.Errorf("%s appears in the %s", name, where)
			}
		}
	}
	if !strings.Contains(places["Slack"], "wrong length") || !strings.Contains(places["logs"], "PagerDuty webhook refused") {
		t.Errorf("the refusal does not say PagerDuty's reason, or the forged webhook was not logged as refused")
	}
}
