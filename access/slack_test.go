package access_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/access"
	"github.com/tocsin-dev/tocsin/bot"
	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/sim"
)

// These tests read group membership as the app wires it: through bot's
// Executor (its cache) from the Slack stand-in, with bot's Events handler
// forgetting a group when Slack says its members changed.

const (
	slackToken  = "xoxb-access-test-token"
	slackSecret = "access-test-signing-secret"
)

type slackWorld struct {
	slack  *sim.Slack
	clock  *sim.Clock
	exec   *bot.Executor
	events http.Handler
	auth   *access.Authorizer
}

// MustSlackWorld starts the stand-in with S0COMMANDERS = {U0CMD} and an
// Authorizer for `resolve: [S0COMMANDERS]` that reads it through bot.
func MustSlackWorld(tb testing.TB) *slackWorld {
	tb.Helper()
	s := sim.NewSlack(sim.SlackOptions{BotToken: slackToken,
		Users:      []sim.SlackUser{{ID: "U0CMD", Name: "cmd"}, {ID: "U0NEW", Name: "new"}},
		UserGroups: map[string][]string{"S0COMMANDERS": {"U0CMD"}}})
	s.Start()
	tb.Cleanup(s.Close)
	w := &slackWorld{slack: s, clock: sim.NewClock(time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC))}
	w.exec = bot.NewExecutor(bot.ExecutorConfig{Token: slackToken, APIURL: s.URL(), Now: w.clock.Now})
	w.events = bot.NewHandlers(bot.HandlerConfig{SigningSecret: slackSecret, Groups: w.exec}).Events()
	w.auth = access.New(mustLoad(tb, "resolve: [S0COMMANDERS]\n"), w.exec.UserGroups)
	return w
}

// deliver posts an Events API callback to bot's handler, signed now.
func (w *slackWorld) deliver(tb testing.TB, body string) {
	tb.Helper()
	r := httptest.NewRequest(http.MethodPost, "/slack/events", strings.NewReader(body))
	r.Header = sim.SlackRequestHeader(slackSecret, time.Now(), body)
	r.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	w.events.ServeHTTP(rec, r)
	if rec.Code != http.StatusOK {
		tb.Fatalf("event delivery: %d %s", rec.Code, rec.Body)
	}
}

func (w *slackWorld) mayResolve(tb testing.TB, user string) bool {
	tb.Helper()
	ok, _, err := w.auth.Allow(tb.Context(), user, dispatch.Action{Name: dispatch.ActionResolve})
	if err != nil {
		tb.Fatalf("Allow(%s): %v", user, err)
	}
	return ok
}

// A person added to or removed from a group gains or loses the right as
// soon as Slack's subteam_members_changed event arrives, well within the
// membership cache's lifetime.
func TestAuthorizer_MembershipChangeAfterEvent(t *testing.T) {
	w := MustSlackWorld(t)
	if !w.mayResolve(t, "U0CMD") || w.mayResolve(t, "U0NEW") {
		t.Fatal("before the change: want U0CMD allowed and U0NEW refused")
	}
	event := w.slack.SetUserGroup("EvAccess1", "S0COMMANDERS", []string{"U0NEW"})
	w.clock.Advance(5 * time.Second)
	if !w.mayResolve(t, "U0CMD") {
		t.Fatal("before the event the cached membership should still answer (the test would prove nothing)")
	}
	w.deliver(t, event)
	if w.mayResolve(t, "U0CMD") {
		t.Error("U0CMD, removed from S0COMMANDERS, may still resolve after the event")
	}
	if !w.mayResolve(t, "U0NEW") {
		t.Error("U0NEW, added to S0COMMANDERS, may not resolve after the event")
	}
}

// Without the event, the change takes effect once the cache expires.
func TestAuthorizer_MembershipChangeAfterTTL(t *testing.T) {
	w := MustSlackWorld(t)
	w.mayResolve(t, "U0CMD")
	w.slack.SetUserGroup("EvLost", "S0COMMANDERS", nil) // the event never arrives
	w.clock.Advance(time.Minute)
	if w.mayResolve(t, "U0CMD") {
		t.Error("U0CMD may still resolve a minute after leaving the group")
	}
}

// When Slack fails to list the group's members, the decision fails closed.
func TestAuthorizer_SlackFailureFailsClosed(t *testing.T) {
	w := MustSlackWorld(t)
	w.slack.FailNext("usergroups.users.list", 1, sim.SlackFault{Status: http.StatusInternalServerError})
	ok, rule, err := w.auth.Allow(t.Context(), "U0CMD", dispatch.Action{Name: dispatch.ActionResolve})
	if ok || err == nil || rule.Name != "resolve" {
		t.Fatalf("Allow while Slack fails: ok=%v rule %q err=%v; want refused with an error", ok, rule.Name, err)
	}
	if strings.Contains(err.Error(), slackToken) {
		t.Errorf("error %q carries the bot token", err)
	}
	if !w.mayResolve(t, "U0CMD") {
		t.Error("U0CMD refused once Slack answers again")
	}
}
