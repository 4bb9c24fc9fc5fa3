package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/sim"
)

// slowPlaybook pages at once and escalates again only after an hour, so
// the second step is still waiting when the page is acknowledged (the
// harness's alarms went off a minute ago).
const slowPlaybook = StormPlaybook + `escalation:
  - {after: 1s, page: pagerduty}
  - {after: 1h, notify: [S00ONCALL], page: pagerduty}
`

// TestPagerDuty_WebhookAcknowledges: a signed incident.acknowledged
// webhook acknowledges the tocsin incident as the Slack user with the
// PagerDuty user's e-mail, stops the escalation and sends nothing back; a
// forged or stale one is refused with 401 and changes nothing; a
// redelivery changes nothing; incident.resolved is recorded and said in
// the channel without resolving the tocsin incident.
func TestPagerDuty_WebhookAcknowledges(t *testing.T) {
	o := pdOptions()
	o.Playbooks = map[string]string{"storm.yaml": slowPlaybook}
	o.Slack.Users = append(o.Slack.Users, sim.SlackUser{ID: "U0CAROL", Name: "carol", Email: "carol@example.com"})
	h := Start(t, o)
	h.PD.AddUser(sim.PagerDutyUser{ID: "PCAROL1", Name: "Carol Oncall", Email: "carol@example.com"})
	h.MustAlarm("pd-wh-1", "checkout")
	ch := h.WaitHeader(1)
	h.WaitFor("the page", func() bool { return len(paged(h, 1, "trigger")) == 1 })
	pdInc := h.PD.Incidents()[0]
	carol := &sim.PagerDutyUser{ID: "PCAROL1", Name: "Carol Oncall"}
	acked, _ := h.PD.SetStatus(pdInc.ID, "acknowledged")
	ack := sim.PagerDutyWebhook{ID: "evt-ack-1", EventType: "incident.acknowledged", Incident: acked, Agent: carol}

	before := len(h.Incident(1).Timeline)
	if code := h.PagerDutyWebhook(ack, "not-the-secret"); code != 401 {
		t.Errorf("forged webhook: %d, want 401", code)
	}
	stale := ack
	stale.ID, stale.OccurredAt = "evt-ack-stale", h.Now().Add(-2*time.Hour)
	if code := h.PagerDutyWebhook(stale); code != 401 {
		t.Errorf("stale webhook: %d, want 401", code)
	}
	if v := h.Incident(1); len(v.Timeline) != before || v.Incident.Status != incident.StatusDetected {
		t.Fatalf("refused webhooks changed the incident: %d events (was %d), %s", len(v.Timeline), before, v.Incident.Status)
	}

	if code := h.PagerDutyWebhook(ack, "rotated-away", PagerDutySecret); code != 202 {
		t.Fatalf("signed webhook: %d, want 202", code)
	}
	inc := h.Incident(1).Incident
	if inc.Status != incident.StatusAcknowledged || inc.RoleHolder(incident.RoleCommander) != "U0CAROL" {
		t.Fatalf("after the PagerDuty ack: %s, commander %q; want acknowledged by U0CAROL", inc.Status, inc.RoleHolder(incident.RoleCommander))
	}
	h.WaitFor("the ack said in the channel", func() bool { return h.ChannelSays(ch.ID, "acknowledged INC-1 in PagerDuty") })
	after := len(h.Incident(1).Timeline)
	if code := h.PagerDutyWebhook(ack); code != 202 || len(h.Incident(1).Timeline) != after {
		t.Errorf("redelivery: %d and %d events (was %d); want 202 and nothing changed", code, len(h.Incident(1).Timeline), after)
	}

	resolved, _ := h.PD.SetStatus(pdInc.ID, "resolved")
	h.PagerDutyWebhook(sim.PagerDutyWebhook{ID: "evt-res-1", EventType: "incident.resolved", Incident: resolved, Agent: carol})
	h.WaitFor("the resolution said in the channel", func() bool { return h.ChannelSays(ch.ID, "That does not resolve INC-1") })
	h.Settle()
	if st := h.Incident(1).Incident.Status; st != incident.StatusAcknowledged {
		t.Errorf("PagerDuty's resolution changed the tocsin incident to %s", st)
	}
	if n := h.PD.EventCount("acknowledge") + h.PD.EventCount("resolve"); n != 0 {
		t.Errorf("%d acknowledge/resolve events sent back for a page PagerDuty reported itself", n)
	}
	if n := len(h.Events(1, func(e incident.Event) bool { return e.Type == incident.EventEscalated })); n != 1 {
		t.Errorf("%d escalation steps fired; want 1 (the second was cancelled by the acknowledgement)", n)
	}
	if h.PD.EventCount("trigger") != 1 || !strings.HasPrefix(pdInc.DedupKey, "tocsin-INC-1-") {
		t.Errorf("%d triggers, dedup key %q", h.PD.EventCount("trigger"), pdInc.DedupKey)
	}
}
