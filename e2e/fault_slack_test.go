package e2e

import (
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/sim"
)

// TestFault_Slack429: a 429 with Retry-After defers only the effect that
// met it, for at least Retry-After; other effects go on meanwhile, the same
// method's for another incident included; then it succeeds, once.
func TestFault_Slack429(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db func(*testing.T) string) {
		s := Start(t, faultOptions(faultOpts{db: db(t)}))
		s.Slack.FailNext("conversations.setTopic", 1, sim.SlackFault{Status: http.StatusTooManyRequests, RetryAfter: 4 * time.Second})
		s.MustAlarm("f429-1", "api")
		s.WaitFor("the 429", func() bool { return s.Slack.RateLimited()["conversations.setTopic"] == 1 })
		s.MustAlarm("f429-2", "web")
		s.WaitHeader(2)
		s.WaitFor("both topics", func() bool {
			c1, _ := s.ChannelOf(1)
			c2, _ := s.ChannelOf(2)
			return c1.Topic != "" && c2.Topic != ""
		})
		ch1, _ := s.ChannelOf(1)
		var limitedAt, topic1At, topic2At time.Time
		for _, c := range s.Slack.Calls() {
			switch {
			case c.Method != "conversations.setTopic":
			case c.Status == http.StatusTooManyRequests:
				limitedAt = c.At
			case c.Error == "" && c.Params["channel"] == ch1.ID:
				topic1At = c.At
			case c.Error == "":
				topic2At = c.At
			}
		}
		if d := topic1At.Sub(limitedAt); d < 4*time.Second {
			t.Errorf("INC-1's topic was retried %v after the 429; Retry-After was 4s", d)
		}
		if !topic2At.Before(topic1At) {
			t.Errorf("INC-2's topic (%v) waited for INC-1's Retry-After (%v)", topic2At, topic1At)
		}
		if n := s.Slack.RateLimited()["conversations.setTopic"]; n != 1 {
			t.Errorf("429s on setTopic = %d, want 1", n)
		}
		checkNoneGivenUp(t, s, 1, 2)
		checkNoDuplicates(t, s, "f429-1", "f429-2")
	})
}

// TestFault_Slack5xx: server errors are retried with backoff until they
// pass; nothing is done twice and nothing is given up.
func TestFault_Slack5xx(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db func(*testing.T) string) {
		s := Start(t, faultOptions(faultOpts{db: db(t)}))
		s.Slack.FailNext("conversations.create", 1, sim.SlackFault{Status: http.StatusServiceUnavailable})
		s.Slack.FailNext("conversations.create", 1, sim.SlackFault{Status: http.StatusBadGateway})
		s.Slack.FailNext("chat.postMessage", 1, sim.SlackFault{Status: http.StatusInternalServerError})
		s.MustAlarm("f5xx-1", "api")
		s.WaitHeader(1)
		failed := map[string]int{}
		for _, c := range s.Slack.Calls() {
			if c.Status >= 500 {
				failed[c.Method]++
			}
		}
		if failed["conversations.create"] != 2 || failed["chat.postMessage"] != 1 {
			t.Errorf("5xx answers by method = %v; want 2 creates and 1 post", failed)
		}
		checkNoneGivenUp(t, s, 1)
		checkNoDuplicates(t, s, "f5xx-1")
	})
}

// TestFault_SlackReset: a connection reset before Slack did anything is
// retried; one after Slack posted the header (the answer lost) is retried
// too, and the retry finds the header instead of posting a second one.
func TestFault_SlackReset(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db func(*testing.T) string) {
		s := Start(t, faultOptions(faultOpts{db: db(t)}))
		s.Slack.FailNext("conversations.create", 1, sim.SlackFault{Reset: true})
		var once sync.Once
		s.Slack.OnCall("chat.postMessage", func(c sim.SlackCall) {
			if strings.Contains(c.Params["blocks"], `"inc:1:header"`) {
				once.Do(func() { panic(http.ErrAbortHandler) }) // posted, then the connection drops
			}
		})
		s.MustAlarm("freset-1", "api")
		s.WaitHeader(1)
		if resets := slackCalls(s, func(c sim.SlackCall) bool { return c.Error == "connection_reset" }); resets != 1 {
			t.Errorf("resets before the effect = %d, want 1", resets)
		}
		checkNoneGivenUp(t, s, 1)
		checkNoDuplicates(t, s, "freset-1")
	})
}

// TestFault_SlackSlow: answers slower than tocsin's 15-second Slack client
// timeout. One create is held before Slack acts (the channel is not made);
// another after (the channel exists, the answer comes too late). Both are
// retried, and each incident ends with exactly one channel: the second one
// is adopted by the marker tocsin's own channels carry.
func TestFault_SlackSlow(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db func(*testing.T) string) {
		s := Start(t, faultOptions(faultOpts{db: db(t)}))
		s.Slack.FailNext("conversations.create", 1, sim.SlackFault{Delay: 16 * time.Second})
		var held atomic.Bool
		s.Slack.OnCall("conversations.create", func(c sim.SlackCall) {
			if c.Error == "" && held.CompareAndSwap(false, true) {
				time.Sleep(16 * time.Second) // the channel exists; the answer is late
			}
		})
		s.MustAlarm("fslow-1", "api")
		s.MustAlarm("fslow-2", "web")
		s.WaitHeader(1)
		s.WaitHeader(2)
		if !held.Load() {
			t.Fatal("no create answer was held back")
		}
		ok := func(c sim.SlackCall) bool { return c.Method == "conversations.create" && c.Error == "" }
		if creates := slackCalls(s, ok); creates != 2 {
			t.Errorf("channels created = %d, want 2 (one each)", creates)
		}
		checkNoneGivenUp(t, s, 1)
		checkNoDuplicates(t, s, "fslow-1", "fslow-2")
	})
}

// TestFault_SlackChannelGone: the incident channel is archived by hand, or
// Slack says channel_not_found. tocsin does not recreate or unarchive it;
// each effect that needed it is given up with a line on the timeline, and
// the responders are told once, in the announcements channel.
func TestFault_SlackChannelGone(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db func(*testing.T) string) {
		s := Start(t, faultOptions(faultOpts{db: db(t), slack: sim.SlackOptions{Channels: []string{"incidents"}},
			env: map[string]string{"TOCSIN_ANNOUNCE_CHANNEL": "#incidents"}}))
		announce, _ := s.Slack.ChannelByName("incidents")
		s.MustAlarm("fgone-1", "api")
		ch := s.WaitHeader(1)
		s.WaitFor("the announcement of INC-1", func() bool { return len(s.Slack.Messages(announce.ID)) == 1 })
		api := slack.New(faultBotToken, slack.OptionAPIURL(s.Slack.URL()))
		if err := api.ArchiveConversation(ch.ID); err != nil { // by hand
			t.Fatal(err)
		}
		s.MustAlarm("fgone-2", "api") // joins INC-1: a post and a header refresh, both into the archived channel
		s.Slash(faultOnCall, ch.ID, "ack")
		s.WaitFor("the failures on the timeline", func() bool { return len(s.Events(1, couldNot)) >= 2 })
		s.WaitFor("the responders told in the announcements channel", func() bool { return len(s.Slack.Messages(announce.ID)) >= 2 })

		s.MustAlarm("fgone-3", "web")
		ch2 := s.WaitHeader(2)
		s.Slack.FailNext("chat.update", 1, sim.SlackFault{Error: "channel_not_found"})
		s.Slash(faultOnCall, ch2.ID, "ack")
		s.WaitFor("INC-2's failure on the timeline", func() bool { return len(s.Events(2, couldNot)) == 1 })
		s.WaitFor("INC-2's responders told", func() bool { return len(s.Slack.Messages(announce.ID)) >= 4 })
		time.Sleep(time.Second) // let any further (wrong) announcement arrive

		msgs := s.Slack.Messages(announce.ID)
		var told []string
		for _, m := range msgs {
			if strings.Contains(m.Text+string(m.Blocks), "archived or deleted") {
				told = append(told, m.Text)
			}
		}
		if len(msgs) != 4 || len(told) != 2 {
			t.Errorf("announcements channel has %d messages, %d about a lost channel; want 4 and 2 (one per incident):\n%+v", len(msgs), len(told), msgs)
		}
		if c, _ := s.ChannelOf(1); !c.Archived {
			t.Errorf("INC-1's channel was unarchived")
		}
		for _, id := range []incident.ID{1, 2} {
			for _, e := range s.Events(id, couldNot) {
				if !strings.Contains(e.Text, "archived outside tocsin") {
					t.Errorf("%s: %q does not say the channel was archived or deleted", id, e.Text)
				}
			}
		}
		checkNoDuplicates(t, s, "fgone-1", "fgone-2", "fgone-3")
	})
}
