package e2e

import (
	"strings"
	"testing"

	"github.com/tocsin-dev/tocsin/bot"
	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/sim"
)

// pdPlaybook pages PagerDuty (the default routing key) one second after an
// alarm nobody acknowledges, and again a second later.
const pdPlaybook = StormPlaybook + `escalation:
  - {after: 1s, page: pagerduty}
  - {after: 2s, notify: [S00ONCALL], page: pagerduty}
`

func pdOptions() Options {
	return Options{PagerDuty: true, Playbooks: map[string]string{"storm.yaml": pdPlaybook},
		Slack: &sim.SlackOptions{Users: []sim.SlackUser{{ID: "U0ALICE", Name: "alice"}, {ID: "U0BOB", Name: "bob"}},
			UserGroups: map[string][]string{"S00ONCALL": {"U0ALICE"}}}}
}

// paged are the incident's EventPaged of an action.
func paged(h *Harness, id incident.ID, action string) []incident.Event {
	return h.Events(id, func(e incident.Event) bool { return e.Type == incident.EventPaged && e.Datum("action") == action })
}

// TestPagerDuty_EscalationAckResolve: an unacknowledged incident's two
// paging steps make exactly one PagerDuty incident; the Slack ack button
// sends exactly one acknowledge and stops the escalation; resolving sends
// one resolve.
func TestPagerDuty_EscalationAckResolve(t *testing.T) {
	h := Start(t, pdOptions())
	h.MustAlarm("pd-1", "checkout")
	ch := h.WaitHeader(1)
	h.WaitFor("both escalation steps' pages", func() bool { return len(paged(h, 1, "trigger")) == 2 })
	incs := h.PD.Incidents()
	if len(incs) != 1 || h.PD.EventCount("trigger") != 2 || incs[0].Status != "triggered" || incs[0].Severity != "error" {
		t.Fatalf("PagerDuty incidents %+v after %d triggers; want one, triggered, severity error (SEV2)", incs, h.PD.EventCount("trigger"))
	}
	if !strings.HasPrefix(incs[0].DedupKey, "tocsin-INC-1-") || incs[0].RoutingKey != PagerDutyKey || incs[0].Source != "checkout" {
		t.Errorf("PagerDuty incident %+v", incs[0])
	}
	h.WaitFor("the page said in the channel", func() bool { return h.ChannelSays(ch.ID, "Paged PagerDuty (pagerduty)") })

	if code := h.Click("U0ALICE", ch.ID, bot.ActionAck, "inc:1:header", "1"); code != 200 {
		t.Fatalf("ack click: %d", code)
	}
	h.WaitFor("the acknowledge in PagerDuty", func() bool { return h.PD.EventCount("acknowledge") == 1 })
	h.Slash("U0ALICE", ch.ID, "ack") // again: already acknowledged, nothing more is sent
	h.Slash("U0ALICE", ch.ID, "resolve fixed")
	h.WaitFor("the resolve in PagerDuty", func() bool { return h.PD.EventCount("resolve") == 1 })
	h.Settle()
	if got := h.PD.Incidents(); len(got) != 1 || got[0].Status != "resolved" ||
		strings.Join(got[0].Actions, ",") != "trigger,trigger,acknowledge,resolve" {
		t.Errorf("PagerDuty incidents %+v; want one: two triggers, one acknowledge, one resolve", got)
	}
	if h.PD.EventCount("acknowledge") != 1 || h.PD.EventCount("resolve") != 1 {
		t.Errorf("%d acknowledges, %d resolves; want one each", h.PD.EventCount("acknowledge"), h.PD.EventCount("resolve"))
	}
	if n := len(paged(h, 1, "acknowledge")); n != 1 {
		t.Errorf("%d acknowledge events on the timeline", n)
	}
}

// TestPagerDuty_PageByHand: /incident page in an incident's channel pages
// for it (the playbook's target); with @someone it opens a PagerDuty alert
// of its own naming them; outside any incident it declares one first. A
// later resolve reaches every alert, with the dedup keys of the triggers.
func TestPagerDuty_PageByHand(t *testing.T) {
	o := pdOptions()
	o.Playbooks = nil // the default playbook: escalation without pages
	o.Slack.Channels = []string{"ops"}
	h := Start(t, o)
	ops, _ := h.Slack.ChannelByName("ops")
	h.Slash("U0ALICE", ops.ID, "page checkout is down for everyone")
	ch := h.WaitHeader(1)
	h.WaitFor("the page of the declared incident", func() bool { return len(h.PD.Incidents()) == 1 })
	if inc := h.Incident(1).Incident; inc.Title != "checkout is down for everyone" || inc.Source != "declared" {
		t.Errorf("declared incident %+v", inc)
	}
	h.Slash("U0BOB", ch.ID, "page <@U0ALICE|alice> need a second pair of eyes")
	h.WaitFor("the page for alice", func() bool { return len(h.PD.Incidents()) == 2 })
	h.Slash("U0BOB", ch.ID, "page") // the same alert as the first: deduplicated
	h.WaitFor("the third trigger", func() bool { return h.PD.EventCount("trigger") == 3 })
	incs := h.PD.Incidents()
	if len(incs) != 2 || incs[1].DedupKey != incs[0].DedupKey+"-U0ALICE" ||
		!strings.Contains(incs[1].Summary, "paging @alice (Slack U0ALICE) — need a second pair of eyes") {
		t.Fatalf("PagerDuty incidents %+v", incs)
	}
	refused := h.WaitReply(h.Slash("U0BOB", ch.ID, "page pagerduty:HOME"))
	if !strings.Contains(refused, "HOME holds no routing key tocsin knows") {
		t.Errorf("a page to a variable no playbook names: %q", refused)
	}
	h.Slash("U0BOB", ch.ID, "resolve done")
	h.WaitFor("both resolves", func() bool { return h.PD.EventCount("resolve") == 2 })
	h.Settle()
	for _, inc := range h.PD.Incidents() {
		if inc.Status != "resolved" {
			t.Errorf("PagerDuty incident %s is %s", inc.DedupKey, inc.Status)
		}
	}
	if after := h.WaitReply(h.Slash("U0BOB", ch.ID, "page")); !strings.Contains(after, "INC-1 is resolved; reopen it before paging") {
		t.Errorf("a page for a resolved incident: %q", after)
	}
	if h.PD.EventCount("trigger") != 3 || h.PD.EventCount("acknowledge") != 0 {
		t.Errorf("%d triggers, %d acknowledges; want 3 and none (nobody acknowledged; resolve said it)", h.PD.EventCount("trigger"), h.PD.EventCount("acknowledge"))
	}
}
