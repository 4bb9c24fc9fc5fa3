package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/sim"
)

// TestSlack_DeclareAndDrive: /incident declare creates the channel, sets the
// topic, invites the responders, posts and pins the header and announces it;
// ack, sev, role, status and resolve each refresh the header with chat.update.
func TestSlack_DeclareAndDrive(t *testing.T) {
	h := Start(t, Options{Slack: &sim.SlackOptions{Users: []sim.SlackUser{{ID: "U0ALICE"}, {ID: "U0BOB"}, {ID: "U0CAROL"}},
		Channels: []string{"incidents"}}, Env: map[string]string{"TOCSIN_RESPONDERS": "U0BOB,U0CAROL", "TOCSIN_ANNOUNCE_CHANNEL": "#incidents"}})
	announce, _ := h.Slack.ChannelByName("incidents")
	// Declared from the announcements channel, so the command names no incident.
	h.Slash("U0ALICE", announce.ID, "declare Checkout is failing sev2 service=checkout")
	ch := h.WaitHeader(1)
	if ch.Name != "inc-1-checkout-is-failing" || !strings.Contains(ch.Topic, "SEV2") || !strings.Contains(ch.Topic, "declared") {
		t.Errorf("channel %q topic %q", ch.Name, ch.Topic)
	}
	h.WaitFor("the announcement", func() bool { return len(h.Slack.Messages(announce.ID)) > 0 })
	if first := h.Slack.Messages(announce.ID)[0]; !strings.Contains(first.Text+string(first.Blocks), ch.ID) {
		t.Errorf("announcement does not link the channel: %+v", first)
	}
	steps := []struct{ text, wantTopic string }{
		{"ack", "acknowledged"},
		{"sev 1", "SEV1"},
		{"role comms <@U0BOB|bob>", "SEV1"},
		{"status rolled back the deploy, watching error rates", "SEV1"},
		{"resolve fixed by rollback", "resolved"},
	}
	for _, st := range steps {
		before := h.Slack.CallCount("chat.update")
		h.Slash("U0ALICE", ch.ID, st.text)
		h.WaitFor("chat.update and the topic after "+st.text, func() bool {
			got, _ := h.Slack.ChannelByName(ch.Name)
			return h.Slack.CallCount("chat.update") > before && strings.Contains(got.Topic, st.wantTopic)
		})
	}
	header, _ := h.PinnedHeader(ch.ID, 1)
	if b := string(header.Blocks); !strings.Contains(b, "resolved") || !strings.Contains(b, "U0BOB") {
		t.Errorf("header after resolve lacks the status or the comms role: %s", b)
	}
	incs := h.Incidents()
	if incs[0].Status != incident.StatusResolved || incs[0].Severity != incident.SEV1 {
		t.Errorf("incident %+v", incs[0])
	}
	if len(h.Slack.RateLimited()) != 0 {
		t.Errorf("Slack rate limits hit: %v", h.Slack.RateLimited())
	}
}

// TestSlack_UpdateStorm: 500 alarm updates for one incident within a few
// seconds give a bounded number of Slack calls (the header refresh is
// coalesced) and never exceed Slack's per-method limits.
func TestSlack_UpdateStorm(t *testing.T) {
	h := Start(t, Options{Slack: &sim.SlackOptions{RateLimits: true}})
	t0 := time.Now().Add(-30 * time.Minute)
	for i := 0; i < 500; i++ {
		st, old := "ALARM", "OK"
		if i%2 == 1 {
			st, old = "OK", "ALARM"
		}
		name := fmt.Sprintf("orders-alarm-%02d", i%50)
		msg := AlarmMessage(name, "orders", st, old, t0.Add(time.Duration(i)*time.Second))
		if code := h.PostSNS(h.Notification(fmt.Sprintf("storm-%d", i), msg)); code != 200 {
			t.Fatalf("notification %d: status %d", i, code)
		}
	}
	incs := h.Incidents()
	if len(incs) != 1 {
		t.Fatalf("incidents = %d, want 1", len(incs))
	}
	h.WaitFor("the header", func() bool { return h.Slack.CallCount("pins.add") == 1 })
	time.Sleep(2 * time.Second) // let coalesced refreshes settle; the count below is an upper bound either way
	calls := map[string]int{}
	for _, c := range h.Slack.Calls() {
		calls[c.Method]++
	}
	total := 0
	for _, n := range calls {
		total += n
	}
	if total > 60 || calls["chat.update"] > 30 || calls["conversations.create"] != 1 {
		b, _ := json.Marshal(calls)
		t.Errorf("500 updates made %d Slack calls %s; want them coalesced into a few dozen at most", total, b)
	}
	if len(h.Slack.RateLimited()) != 0 {
		t.Errorf("Slack rate limits exceeded: %v", h.Slack.RateLimited())
	}
}
