package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/sim"
)

// button finds the button actionID in a message's blocks and returns its
// block id and value.
func button(m sim.SlackMessage, actionID string) (blockID, value string, ok bool) {
	var blocks []struct {
		BlockID  string `json:"block_id"`
		Elements []struct {
			Type, Value string
			ActionID    string `json:"action_id"`
		} `json:"elements"`
	}
	_ = json.Unmarshal(m.Blocks, &blocks)
	for _, b := range blocks {
		for _, e := range b.Elements {
			if e.Type == "button" && e.ActionID == actionID {
				return b.BlockID, e.Value, true
			}
		}
	}
	return "", "", false
}

// newView waits for a modal tocsin opens after there were before, with the
// callback id, and returns it.
func (h *Harness) newView(before int, callbackID string) sim.SlackView {
	h.t.Helper()
	var v sim.SlackView
	h.WaitFor("the "+callbackID+" modal", func() bool {
		views := h.Slack.Views()
		if len(views) <= before {
			return false
		}
		v = views[len(views)-1]
		return strings.Contains(string(v.View), `"callback_id":"`+callbackID+`"`)
	})
	return v
}

// TestSlack_HeaderButtons: the header offers Acknowledge and Mitigated
// while they apply; Resolve opens a modal asking for the resolution, which
// is the confirmation: nothing is resolved until it is submitted, an empty
// summary is refused in the modal, and the summary is recorded on the
// timeline and fills the review's Resolution section.
func TestSlack_HeaderButtons(t *testing.T) {
	h, _, ch := declared(t, Options{}, "U0ALICE", "Payments are down sev1")
	header, _ := h.PinnedHeader(ch.ID, 1)
	for _, action := range []string{"tocsin_ack", "tocsin_mitigated", "tocsin_resolve"} {
		if _, _, ok := button(header, action); !ok {
			t.Errorf("the header has no %s button", action)
		}
	}
	blockID, value, _ := button(header, "tocsin_mitigated")
	h.Click("U0ALICE", ch.ID, "tocsin_mitigated", blockID, value)
	h.WaitFor("mitigated", func() bool { return h.Incidents()[0].Status == incident.StatusMitigated })

	views := len(h.Slack.Views())
	blockID, value, _ = button(header, "tocsin_resolve")
	h.Click("U0ALICE", ch.ID, "tocsin_resolve", blockID, value)
	v := h.newView(views, "tocsin_resolve_modal")
	if st := h.Incidents()[0].Status; st != incident.StatusMitigated {
		t.Fatalf("the Resolve button resolved (%s) before the modal was submitted", st)
	}
	if code, answer := h.SubmitView("U0ALICE", v.ID, map[string]map[string]string{"summary": {"summary_text": "  "}}); code != http.StatusOK ||
		!strings.Contains(answer, `"response_action":"errors"`) {
		t.Errorf("an empty summary: %d %s, want the modal's errors", code, answer)
	}
	if code, answer := h.SubmitView("U0ALICE", v.ID, map[string]map[string]string{"summary": {"summary_text": "Rolled back the payments deploy"}}); code != http.StatusOK ||
		strings.Contains(answer, "errors") {
		t.Fatalf("the summary: %d %s", code, answer)
	}
	h.WaitFor("resolved", func() bool { return h.Incidents()[0].Status == incident.StatusResolved })
	resolved := h.Events(1, func(e incident.Event) bool { return e.Type == incident.EventResolved })
	if len(resolved) != 1 || resolved[0].Text != "Rolled back the payments deploy" || resolved[0].Actor != "U0ALICE" {
		t.Errorf("resolved events %+v, want one by U0ALICE with the summary", resolved)
	}
	_, review := h.Get("/api/incidents/1/review.md", APIToken)
	if _, after, _ := strings.Cut(review, "## Resolution"); !strings.Contains(after, "Rolled back the payments deploy") {
		t.Errorf("the review's Resolution section lacks the summary:\n%s", review)
	}
}

// TestSlack_TypedResolveAsksForSummary: `/incident resolve` without a
// summary opens the same modal instead of resolving at once.
func TestSlack_TypedResolveAsksForSummary(t *testing.T) {
	h, _, ch := declared(t, Options{}, "U0ALICE", "Payments are down sev2")
	views := len(h.Slack.Views())
	h.Slash("U0ALICE", ch.ID, "resolve")
	v := h.newView(views, "tocsin_resolve_modal")
	if st := h.Incidents()[0].Status; st == incident.StatusResolved {
		t.Fatal("/incident resolve without a summary resolved at once")
	}
	h.SubmitView("U0ALICE", v.ID, map[string]map[string]string{"summary": {"summary_text": "Failed over to the replica"}})
	h.WaitFor("resolved", func() bool { return h.Incidents()[0].Status == incident.StatusResolved })
}

// TestSlack_EscalationAckButton: the escalation message carries an
// Acknowledge button, which acknowledges the incident.
func TestSlack_EscalationAckButton(t *testing.T) {
	pb := StormPlaybook + `escalation:
  - after: 1s
    notify: [S0TEAM]
`
	pb = strings.Replace(pb, "owner: S00ONCALL", "owner: S0TEAM", 1)
	h := Start(t, Options{Slack: &sim.SlackOptions{Users: trueUsers, UserGroups: map[string][]string{"S0TEAM": {"U0BOB"}}},
		Playbooks: map[string]string{"storm.yaml": pb}})
	h.MustAlarm("esc-1", "search")
	ch := h.WaitHeader(1)
	var escalation sim.SlackMessage
	h.WaitFor("the escalation message", func() bool {
		for _, m := range h.Slack.Messages(ch.ID) {
			if strings.Contains(m.Text, "still not acknowledged") {
				escalation = m
				return true
			}
		}
		return false
	})
	blockID, value, ok := button(escalation, "tocsin_ack")
	if !ok {
		t.Fatalf("the escalation message has no Acknowledge button: %+v", escalation)
	}
	h.Click("U0BOB", ch.ID, "tocsin_ack", blockID, value)
	h.WaitFor("acknowledged", func() bool { return h.Incidents()[0].Status == incident.StatusAcknowledged })
}
