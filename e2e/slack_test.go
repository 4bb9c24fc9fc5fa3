package e2e

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/bot"
	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/sim"
)

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// TestSlack_AlarmToChannelAndAck: a signed alarm opens an incident whose
// channel, topic and pinned header appear in the Slack stand-in; a signed
// `/incident ack` typed in that channel acknowledges it and the header is
// updated with chat.update.
func TestSlack_AlarmToChannelAndAck(t *testing.T) {
	sl := sim.NewSlack(sim.SlackOptions{BotToken: "xoxb-test-secret"})
	sl.Start()
	t.Cleanup(sl.Close)
	f := newSNSFeed(t)
	pbDir := t.TempDir()
	os.WriteFile(filepath.Join(pbDir, "storm.yaml"), []byte(stormPlaybook), 0o600)
	base, logs, _ := startServer(t, env(t, "TOCSIN_SNS_TOPIC_ARNS", testTopic, "TOCSIN_SNS_CERT_DIR", f.certDir,
		"TOCSIN_PLAYBOOKS", pbDir, "SLACK_BOT_TOKEN", "xoxb-test-secret", "SLACK_SIGNING_SECRET", "signing-secret-123",
		"SLACK_API_URL", sl.URL()))
	f.base = base
	if code := f.post(t, f.body(t, "slack-1", alarmJSON("payments-5xx", "payments", "ALARM", "OK", time.Now().Add(-time.Minute)))); code != 200 {
		t.Fatalf("sns status %d", code)
	}
	var ch sim.SlackChannel
	waitFor(t, "the incident channel and its pinned header", func() bool {
		chans := sl.Channels()
		if len(chans) == 0 {
			return false
		}
		ch = chans[0]
		for _, m := range sl.Messages(ch.ID) {
			if m.Pinned {
				return true
			}
		}
		return false
	})
	if !strings.HasPrefix(ch.Name, "inc-1-") || !strings.Contains(ch.Topic, "SEV2") {
		t.Errorf("channel %q topic %q", ch.Name, ch.Topic)
	}
	form := url.Values{"command": {"/incident"}, "text": {"ack"}, "user_id": {"U0ONCALL"}, "channel_id": {ch.ID},
		"team_id": {"T1"}, "trigger_id": {"trig-1"}, "response_url": {sl.ResponseURL("ack")}}
	body := form.Encode()
	ts, sig := bot.Sign("signing-secret-123", time.Now(), []byte(body))
	req, _ := http.NewRequest("POST", base+"/slack/commands", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("slash command: %v %v", resp, err)
	}
	resp.Body.Close()
	waitFor(t, "the acknowledgement", func() bool {
		incs := apiIncidents(t, base)
		return len(incs) == 1 && incs[0].Status == incident.StatusAcknowledged
	})
	waitFor(t, "the header update", func() bool { return sl.CallCount("chat.update") > 0 })
	bad := form
	bad.Set("text", "ack")
	req, _ = http.NewRequest("POST", base+"/slack/commands", strings.NewReader(bad.Encode()+"&x=1"))
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", sig)
	resp, _ = http.DefaultClient.Do(req)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("altered body: status %d, want 401", resp.StatusCode)
	}
	for _, secret := range []string{"xoxb-test-secret", "signing-secret-123", "test-token-0123"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("a secret appears in the logs")
		}
	}
}
