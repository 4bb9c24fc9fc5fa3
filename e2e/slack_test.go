package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/sim"
)

// TestSlack_AlarmToChannelAndAck: a signed alarm opens an incident whose
// channel, topic and pinned header appear in the Slack stand-in; a signed
// `/incident ack` typed in that channel acknowledges it and the header is
// updated with chat.update.
func TestSlack_AlarmToChannelAndAck(t *testing.T) {
	h := Start(t, Options{Slack: &sim.SlackOptions{}})
	h.MustPostSNS(h.Notification("slack-1", AlarmMessage("payments-5xx", "payments", "ALARM", "OK", time.Now().Add(-time.Minute))))
	var ch sim.SlackChannel
	h.WaitFor("the incident channel and its pinned header", func() bool {
		chans := h.Slack.Channels()
		if len(chans) == 0 {
			return false
		}
		ch = chans[0]
		for _, m := range h.Slack.Messages(ch.ID) {
			if m.Pinned {
				return true
			}
		}
		return false
	})
	if !strings.HasPrefix(ch.Name, "inc-1-") || !strings.Contains(ch.Topic, "SEV2") {
		t.Errorf("channel %q topic %q", ch.Name, ch.Topic)
	}
	body := sim.SlashCommand{Text: "ack", UserID: "U0ONCALL", ChannelID: ch.ID, TeamID: "T1", TriggerID: "trig-1",
		ResponseURL: h.Slack.ResponseURL("ack")}.Form()
	signed := sim.SlackRequestHeader(SigningSecret, time.Now(), body)
	if code, answer := h.Do("POST", "/slack/commands", signed, body); code != 200 {
		t.Fatalf("slash command: %d %s", code, answer)
	}
	h.WaitFor("the acknowledgement", func() bool {
		incs := h.Incidents()
		return len(incs) == 1 && incs[0].Status == incident.StatusAcknowledged
	})
	h.WaitFor("the header update", func() bool { return h.Slack.CallCount("chat.update") > 0 })
	if code, _ := h.Do("POST", "/slack/commands", signed, body+"&x=1"); code != http.StatusUnauthorized {
		t.Errorf("altered body: status %d, want 401", code)
	}
	for _, secret := range []string{BotToken, SigningSecret, APIToken} {
		if strings.Contains(h.Logs.String(), secret) {
			t.Errorf("a secret appears in the logs")
		}
	}
}
