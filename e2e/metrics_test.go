package e2e

import (
	"strings"
	"testing"

	"github.com/tocsin-dev/tocsin/sim"
)

// TestSlack_MetricsBrief: /incident metrics answers two lines and a link
// to the metrics view, not a table; without a public URL, it says where the
// details are.
func TestSlack_MetricsBrief(t *testing.T) {
	h := Start(t, Options{Slack: &sim.SlackOptions{Users: []sim.SlackUser{{ID: "U0ALICE", Name: "alice"}}},
		Env: map[string]string{"TOCSIN_PUBLIC_URL": "https://tocsin.example.com/"}})
	h.Slash("U0ALICE", "", "declare Checkout is failing sev2")
	ch := h.WaitHeader(1)
	h.Slash("U0ALICE", ch.ID, "ack") // its outcome is posted in the channel, not repeated privately
	h.WaitFor("the acknowledgement", func() bool { return h.ChannelSays(ch.ID, "acknowledged INC-1") })
	reply := h.WaitReply(h.Slash("U0ALICE", ch.ID, "metrics"))
	for _, want := range []string{"*The last 30 days*", "1 incident.", "Medians: MTTD 0s · MTTA ", "MTTR missing",
		"Details: <https://tocsin.example.com/metrics-view?since=30d|the metrics view>"} {
		if !strings.Contains(reply, want) {
			t.Errorf("the metrics reply lacks %q:\n%s", want, reply)
		}
	}
	if lines := strings.Count(reply, "\n") + 1; lines > 3 || strings.Contains(reply, "```") {
		t.Errorf("the metrics reply is %d lines, or a table:\n%s", lines, reply)
	}
	reply = h.WaitReply(h.Slash("U0ALICE", ch.ID, "metrics 7d"))
	if !strings.Contains(reply, "*The last 7 days*") || !strings.Contains(reply, "metrics-view?since=7d|") {
		t.Errorf("metrics 7d:\n%s", reply)
	}
}
