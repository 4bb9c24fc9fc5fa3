package sim

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"
)

func TestSlack_RateLimit(t *testing.T) {
	clock := NewClock(time.Unix(1700000000, 0))
	s, api := slackMustStart(t, SlackOptions{RateLimits: true, Now: clock.Now})
	for i := range 3 { // Tier 2's burst
		slackMustCreate(t, api, "burst-"+string(rune('a'+i)))
	}
	_, err := api.CreateConversation(slack.CreateConversationParams{ChannelName: "one-too-many"})
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != 3*time.Second {
		t.Fatalf("4th create: %v, want RateLimitedError after 3s (20/min)", err)
	}
	if diff := cmp.Diff(map[string]int{"conversations.create": 1}, s.RateLimited()); diff != "" {
		t.Errorf("RateLimited (-want +got):\n%s", diff)
	}
	clock.Advance(3 * time.Second)
	slackMustCreate(t, api, "after-wait")
}

func TestSlack_RateLimitPostPerChannel(t *testing.T) {
	clock := NewClock(time.Unix(1700000000, 0))
	_, api := slackMustStart(t, SlackOptions{RateLimits: true, RateScale: 60, Now: clock.Now, Channels: []string{"a", "b"}})
	post := func(ch string) error {
		_, _, err := api.PostMessage(ch, slack.MsgOptionText("x", false))
		return err
	}
	for range 3 {
		if err := post("a"); err != nil {
			t.Fatalf("post within burst: %v", err)
		}
	}
	var rl *slack.RateLimitedError
	if err := post("a"); !errors.As(err, &rl) || rl.RetryAfter != time.Second {
		t.Errorf("4th post to a: %v, want RateLimitedError (Retry-After rounds up to 1s)", err)
	}
	if err := post("b"); err != nil {
		t.Errorf("other channel is limited separately: %v", err)
	}
	clock.Advance(20 * time.Millisecond) // 60/s with RateScale 60
	if err := post("a"); err != nil {
		t.Errorf("post after refill: %v", err)
	}
}

func TestSlack_SlackTier(t *testing.T) {
	tests := map[string]int{
		"conversations.create": 2, "pins.add": 2, "bookmarks.add": 2,
		"conversations.invite": 3, "chat.update": 3, "files.completeUploadExternal": 4, "files.getUploadURLExternal": 4,
		"conversations.rename": 2,
		"chat.postEphemeral":   4, "views.open": 4,
		"chat.postMessage": SlackTierSpecial, "auth.test": SlackTierSpecial,
	}
	for method, want := range tests {
		if got := SlackTier(method); got != want {
			t.Errorf("SlackTier(%q) = %d, want %d", method, got, want)
		}
	}
}

func TestSlack_FailNext(t *testing.T) {
	tests := []struct {
		name  string
		fault SlackFault
		check func(error) bool
	}{
		{"Status500", SlackFault{Status: 500}, func(err error) bool {
			var sc slack.StatusCodeError
			return errors.As(err, &sc) && sc.Code == 500
		}},
		{"Status429", SlackFault{Status: 429, RetryAfter: 2 * time.Second}, func(err error) bool {
			var rl *slack.RateLimitedError
			return errors.As(err, &rl) && rl.RetryAfter == 2*time.Second
		}},
		{"Error", SlackFault{Error: "channel_not_found"}, func(err error) bool { return slackErrCode(err) == "channel_not_found" }},
		{"Reset", SlackFault{Reset: true}, func(err error) bool {
			return err != nil && slackErrCode(err) == "" && !errors.As(err, new(slack.StatusCodeError))
		}},
		{"DelayOnly", SlackFault{Delay: time.Millisecond}, func(err error) bool { return err == nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, api := slackMustStart(t, SlackOptions{Channels: []string{"ops"}})
			s.FailNext("chat.postMessage", 1, tt.fault)
			_, _, err := api.PostMessage("ops", slack.MsgOptionText("x", false))
			if !tt.check(err) {
				t.Errorf("faulted post: %v (%T)", err, err)
			}
			if _, _, err := api.PostMessage("ops", slack.MsgOptionText("y", false)); err != nil {
				t.Errorf("post after the fault: %v", err)
			}
			if n := s.CallCount("chat.postMessage"); n != 2 {
				t.Errorf("CallCount = %d, want 2", n)
			}
		})
	}
}

func TestSlack_RecordedCalls(t *testing.T) {
	s, api := slackMustStart(t, SlackOptions{})
	s.FailNext("auth.test", 1, SlackFault{Reset: true})
	_, _ = api.AuthTest()
	ch := slackMustCreate(t, api, "inc-rec")
	calls := s.Calls()
	if len(calls) != 2 {
		t.Fatalf("calls = %+v", calls)
	}
	if calls[0].Method != "auth.test" || calls[0].Status != 0 || calls[0].Error != "connection_reset" {
		t.Errorf("reset call = %+v", calls[0])
	}
	want := map[string]string{"name": "inc-rec", "is_private": "false"}
	if diff := cmp.Diff(want, calls[1].Params); diff != "" || calls[1].Status != http.StatusOK || ch.ID == "" {
		t.Errorf("create call = %+v, params (-want +got):\n%s", calls[1], diff)
	}
	for _, c := range calls {
		for k, v := range c.Params {
			if strings.Contains(v, "simsecret") {
				t.Errorf("token recorded in %s param %s", c.Method, k)
			}
		}
	}
}

func TestSlack_Auth(t *testing.T) {
	s, api := slackMustStart(t, SlackOptions{})
	resp, err := api.AuthTest()
	if err != nil || resp.UserID != SlackBotUserID || resp.TeamID != SlackTeamID {
		t.Fatalf("auth.test = %+v, %v", resp, err)
	}
	tests := []struct{ token, want string }{
		{"xoxb-wrong", "invalid_auth"},
		{"", "not_authed"},
	}
	for _, tt := range tests {
		bad := slack.New(tt.token, slack.OptionAPIURL(s.URL()))
		_, err := bad.CreateConversation(slack.CreateConversationParams{ChannelName: "nope"})
		if code := slackErrCode(err); code != tt.want {
			t.Errorf("token %q: %v, want %s", tt.token, err, tt.want)
		}
	}
	if len(s.Channels()) != 0 {
		t.Errorf("unauthenticated create changed the workspace")
	}
}

func TestSlack_Latency(t *testing.T) {
	const latency = 30 * time.Millisecond
	_, api := slackMustStart(t, SlackOptions{Latency: latency})
	start := time.Now()
	if _, err := api.AuthTest(); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < latency {
		t.Errorf("call took %v, want at least %v", took, latency)
	}
}

func TestSlack_UnknownMethod(t *testing.T) {
	s, api := slackMustStart(t, SlackOptions{})
	_, err := api.GetBotInfo(slack.GetBotInfoParameters{Bot: "B0NOBODY"})
	if code := slackErrCode(err); code != "unknown_method" {
		t.Errorf("bots.info: %v, want unknown_method", err)
	}
	if n := s.CallCount("bots.info"); n != 1 {
		t.Errorf("CallCount = %d", n)
	}
}
