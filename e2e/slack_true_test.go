package e2e

import (
	"strings"
	"testing"

	"github.com/tocsin-dev/tocsin/bot"
	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/sim"
)

// This file checks that the messages tocsin owns keep telling the truth:
// they are edited (chat.update, through the outbox) when what they show
// changes, instead of staying as they were first posted.

// trueUsers are the people of this file's workspace.
var trueUsers = []sim.SlackUser{{ID: "U0ALICE"}, {ID: "U0BOB"}, {ID: faultApprover}, {ID: faultRequester}}

// declared starts tocsin with this file's workspace (its people and an
// #incidents channel, and what o adds), has by declare "title" from
// #incidents, and returns the harness, #incidents and INC-1's channel.
func declared(t *testing.T, o Options, by, title string) (*Harness, sim.SlackChannel, sim.SlackChannel) {
	t.Helper()
	if o.Slack == nil {
		o.Slack = &sim.SlackOptions{}
	}
	o.Slack.Users, o.Slack.Channels = trueUsers, []string{"incidents"}
	h := Start(t, o)
	lobby, _ := h.Slack.ChannelByName("incidents")
	h.Slash(by, lobby.ID, "declare "+title)
	return h, lobby, h.WaitHeader(1)
}

// message returns the message of channel ch whose blocks hold the block
// id, and whether there is exactly one.
func (h *Harness) message(ch, blockID string) (sim.SlackMessage, bool) {
	var found []sim.SlackMessage
	for _, m := range h.Slack.Messages(ch) {
		if !m.Deleted && strings.Contains(string(m.Blocks), `"block_id":"`+blockID+`"`) {
			found = append(found, m)
		}
	}
	if len(found) != 1 {
		return sim.SlackMessage{}, false
	}
	return found[0], true
}

// TestSlack_AnnouncementStaysTrue: the announcement of an incident in the
// announcements channel is edited when its severity or status changes and
// when it is resolved; it is never posted again.
func TestSlack_AnnouncementStaysTrue(t *testing.T) {
	h, lobby, ch := declared(t, Options{Env: map[string]string{"TOCSIN_ANNOUNCE_CHANNEL": "#incidents"}}, "U0ALICE", "Checkout is failing sev2")
	h.WaitFor("the announcement", func() bool { _, ok := h.message(lobby.ID, "inc:1:announce"); return ok })
	for _, step := range []struct{ command, want string }{
		{"sev 1", "SEV1"},
		{"ack", "acknowledged"},
		{"resolve rolled back the deploy", "resolved"},
	} {
		h.Slash("U0ALICE", ch.ID, step.command)
		h.WaitFor("the announcement to say "+step.want, func() bool {
			m, ok := h.message(lobby.ID, "inc:1:announce")
			return ok && strings.Contains(string(m.Blocks), step.want) && m.Edited > 0
		})
	}
	h.Settle()
	if m, ok := h.message(lobby.ID, "inc:1:announce"); !ok || strings.Contains(string(m.Blocks), "SEV2") {
		t.Errorf("the announcement is not one message showing the current state: %+v", m)
	}
}

// TestSlack_DecidedApprovalLosesButtons: once a run is approved (or
// denied), its approval request shows who decided and has no buttons left.
func TestSlack_DecidedApprovalLosesButtons(t *testing.T) {
	h, _, ch := declared(t, Options{Slack: &sim.SlackOptions{UserGroups: map[string][]string{faultApprovers: {faultApprover}}},
		Runbooks: faultRunbooks, AWS: &sim.AWS{SSM: sim.NewSSM(sim.SSMOptions{Instances: []string{faultInstance}})}},
		faultRequester, "Orders are failing sev2")
	for i, decide := range []struct{ action, want string }{
		{bot.ActionApprove, "Approved by <@" + faultApprover + ">"},
		{bot.ActionDeny, "Denied by <@" + faultApprover + ">"},
	} {
		h.Slash(faultRequester, ch.ID, "runbook fault-restart")
		var runID string
		h.WaitFor("the approval request", func() bool {
			if evs := h.Events(1, runStep("requested")); len(evs) == i+1 {
				runID = evs[i].Datum("run")
			}
			_, ok := h.message(ch.ID, "inc:1:approval:"+runID)
			return runID != "" && ok
		})
		if code := h.Click(faultApprover, ch.ID, decide.action, "inc:1:run", runID); code != 200 {
			t.Fatalf("click %s: status %d", decide.action, code)
		}
		h.WaitFor("the approval request to say "+decide.want, func() bool {
			m, _ := h.message(ch.ID, "inc:1:approval:"+runID)
			return strings.Contains(strings.Join(sim.SlackBlocksText(m.Blocks), "\n"), decide.want)
		})
		if m, _ := h.message(ch.ID, "inc:1:approval:"+runID); strings.Contains(string(m.Blocks), "tocsin_approve") ||
			strings.Contains(string(m.Blocks), "tocsin_deny") {
			t.Errorf("the decided request still has buttons: %s", m.Blocks)
		}
	}
}

// TestSlack_ChecklistTicks: ticking a checklist item updates the checklist
// message, tells the ticker which item and how many are done, and the
// timeline records the item's text.
func TestSlack_ChecklistTicks(t *testing.T) {
	h, _, ch := declared(t, Options{}, "U0ALICE", "Search is slow")
	h.WaitFor("the checklist", func() bool { _, ok := h.message(ch.ID, "inc:1:checklist"); return ok })
	answer := h.WaitReply(h.Tick("U0ALICE", ch.ID, 1, 1, true))
	const item = "Find the owning team"
	if !strings.Contains(answer, item) || !strings.Contains(answer, "1 of 4") {
		t.Errorf("the ticker was told %q, want the item and how many are done", answer)
	}
	h.WaitFor("the checklist message to show the tick", func() bool {
		m, _ := h.message(ch.ID, "inc:1:checklist")
		return m.Edited > 0 && strings.Contains(string(m.Blocks), `"initial_options"`)
	})
	evs := h.Events(1, func(e incident.Event) bool { return e.Type == incident.EventChecklist })
	if len(evs) != 1 || !strings.Contains(evs[0].Text, item) {
		t.Errorf("checklist events %+v, want one recording the item's text", evs)
	}
	h.WaitReply(h.Tick("U0ALICE", ch.ID, 1, 1, false))
	h.WaitFor("the checklist message to show the untick", func() bool {
		m, _ := h.message(ch.ID, "inc:1:checklist")
		return m.Edited > 1 && !strings.Contains(string(m.Blocks), `"initial_options"`)
	})
}
