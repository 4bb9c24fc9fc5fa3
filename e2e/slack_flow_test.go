package e2e

import (
	"encoding/json"
	"fmt"
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

// slackEnv starts the Slack stand-in and a tocsin wired to it.
type slackEnv struct {
	sl   *sim.Slack
	base string
	feed *snsFeed
	logs *SyncBuffer
}

func startSlackEnv(t *testing.T, opts sim.SlackOptions, kv ...string) *slackEnv {
	t.Helper()
	opts.BotToken = "xoxb-test-secret"
	sl := sim.NewSlack(opts)
	sl.Start()
	t.Cleanup(sl.Close)
	f := newSNSFeed(t)
	pbDir := t.TempDir()
	os.WriteFile(filepath.Join(pbDir, "storm.yaml"), []byte(stormPlaybook), 0o600)
	for i, v := range kv { // "#name" names a channel the stand-in pre-created
		if c, ok := sl.ChannelByName(strings.TrimPrefix(v, "#")); ok && strings.HasPrefix(v, "#") {
			kv[i] = c.ID
		}
	}
	kv = append([]string{"TOCSIN_SNS_TOPIC_ARNS", testTopic, "TOCSIN_SNS_CERT_DIR", f.certDir, "TOCSIN_PLAYBOOKS", pbDir,
		"SLACK_BOT_TOKEN", "xoxb-test-secret", "SLACK_SIGNING_SECRET", "signing-secret-123", "SLACK_API_URL", sl.URL()}, kv...)
	base, logs, _ := startServer(t, env(t, kv...))
	f.base = base
	return &slackEnv{sl: sl, base: base, feed: f, logs: logs}
}

// command sends a signed /incident slash command as user in channel.
func (s *slackEnv) command(t *testing.T, user, channel, text string) {
	t.Helper()
	form := url.Values{"command": {"/incident"}, "text": {text}, "user_id": {user}, "channel_id": {channel},
		"team_id": {"T1"}, "trigger_id": {fmt.Sprintf("trig-%d", time.Now().UnixNano())}, "response_url": {s.sl.ResponseURL(user)}}
	body := form.Encode()
	ts, sig := bot.Sign("signing-secret-123", time.Now(), []byte(body))
	req, _ := http.NewRequest("POST", s.base+"/slack/commands", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("/incident %s: %v %v", text, resp, err)
	}
	resp.Body.Close()
}

func (s *slackEnv) header(ch string) (sim.SlackMessage, bool) {
	for _, m := range s.sl.Messages(ch) {
		if m.Pinned {
			return m, true
		}
	}
	return sim.SlackMessage{}, false
}

// TestSlack_DeclareAndDrive: /incident declare creates the channel, sets the
// topic, invites the responders, posts and pins the header and announces it;
// ack, sev, role, status and resolve each refresh the header with chat.update.
func TestSlack_DeclareAndDrive(t *testing.T) {
	s := startSlackEnv(t, sim.SlackOptions{Users: []sim.SlackUser{{ID: "U0ALICE"}, {ID: "U0BOB"}, {ID: "U0CAROL"}},
		Channels: []string{"incidents"}}, "TOCSIN_RESPONDERS", "U0BOB,U0CAROL", "TOCSIN_ANNOUNCE_CHANNEL", "#incidents")
	announce, _ := s.sl.ChannelByName("incidents")
	// Declared from the announcements channel, so the command names no incident.
	s.command(t, "U0ALICE", announce.ID, "declare Checkout is failing sev2 service=checkout")
	var ch sim.SlackChannel
	waitFor(t, "the channel with its pinned header", func() bool {
		for _, c := range s.sl.Channels() {
			if strings.HasPrefix(c.Name, "inc-1-") {
				ch = c
				_, ok := s.header(c.ID)
				return ok
			}
		}
		return false
	})
	if ch.Name != "inc-1-checkout-is-failing" || !strings.Contains(ch.Topic, "SEV2") || !strings.Contains(ch.Topic, "declared") {
		t.Errorf("channel %q topic %q", ch.Name, ch.Topic)
	}
	waitFor(t, "the announcement", func() bool { return len(s.sl.Messages(announce.ID)) > 0 })
	if !strings.Contains(s.sl.Messages(announce.ID)[0].Text+string(s.sl.Messages(announce.ID)[0].Blocks), ch.ID) {
		t.Errorf("announcement does not link the channel: %+v", s.sl.Messages(announce.ID)[0])
	}
	steps := []struct{ text, wantTopic string }{
		{"ack", "acknowledged"},
		{"sev 1", "SEV1"},
		{"role comms <@U0BOB|bob>", "SEV1"},
		{"status rolled back the deploy, watching error rates", "SEV1"},
		{"resolve fixed by rollback", "resolved"},
	}
	for _, st := range steps {
		before := s.sl.CallCount("chat.update")
		s.command(t, "U0ALICE", ch.ID, st.text)
		waitFor(t, "chat.update and the topic after "+st.text, func() bool {
			got, _ := s.sl.ChannelByName(ch.Name)
			return s.sl.CallCount("chat.update") > before && strings.Contains(got.Topic, st.wantTopic)
		})
	}
	h, _ := s.header(ch.ID)
	if b := string(h.Blocks); !strings.Contains(b, "resolved") || !strings.Contains(b, "U0BOB") {
		t.Errorf("header after resolve lacks the status or the comms role: %s", b)
	}
	incs := apiIncidents(t, s.base)
	if incs[0].Status != incident.StatusResolved || incs[0].Severity != incident.SEV1 {
		t.Errorf("incident %+v", incs[0])
	}
	if len(s.sl.RateLimited()) != 0 {
		t.Errorf("Slack rate limits hit: %v", s.sl.RateLimited())
	}
}

// TestSlack_UpdateStorm: 500 alarm updates for one incident within a few
// seconds give a bounded number of Slack calls (the header refresh is
// coalesced) and never exceed Slack's per-method limits.
func TestSlack_UpdateStorm(t *testing.T) {
	s := startSlackEnv(t, sim.SlackOptions{RateLimits: true})
	t0 := time.Now().Add(-30 * time.Minute)
	for i := 0; i < 500; i++ {
		st, old := "ALARM", "OK"
		if i%2 == 1 {
			st, old = "OK", "ALARM"
		}
		name := fmt.Sprintf("orders-alarm-%02d", i%50)
		msg := alarmJSON(name, "orders", st, old, t0.Add(time.Duration(i)*time.Second))
		if code := s.feed.post(t, s.feed.body(t, fmt.Sprintf("storm-%d", i), msg)); code != 200 {
			t.Fatalf("notification %d: status %d", i, code)
		}
	}
	incs := apiIncidents(t, s.base)
	if len(incs) != 1 {
		t.Fatalf("incidents = %d, want 1", len(incs))
	}
	waitFor(t, "the header", func() bool { return s.sl.CallCount("pins.add") == 1 })
	time.Sleep(2 * time.Second) // let coalesced refreshes settle; the count below is an upper bound either way
	calls := map[string]int{}
	for _, c := range s.sl.Calls() {
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
	if len(s.sl.RateLimited()) != 0 {
		t.Errorf("Slack rate limits exceeded: %v", s.sl.RateLimited())
	}
}
