package bot

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/sim"
)

const testToken = "xoxb-test-token-1234567890"

// MustSlack starts a Slack stand-in with two users, a group and an
// #incidents channel, and stops it when the test ends.
func MustSlack(tb testing.TB) *sim.Slack {
	tb.Helper()
	s := sim.NewSlack(sim.SlackOptions{
		BotToken:   testToken,
		Users:      []sim.SlackUser{{ID: "U0ALICE", Name: "alice"}, {ID: "U0BOB", Name: "bob"}, {ID: "U0CAROL", Name: "carol"}},
		UserGroups: map[string][]string{"S0SRE": {"U0BOB", "U0CAROL"}},
		Channels:   []string{"incidents"},
	})
	s.Start()
	tb.Cleanup(s.Close)
	return s
}

// fastRates lifts every bucket far above what a test uses.
func fastRates() map[string]Rate {
	out := defaultRates()
	for k := range out {
		out[k] = Rate{PerMinute: 60000, Burst: 1000}
	}
	return out
}

func newTestExecutor(tb testing.TB, s *sim.Slack, mod func(*ExecutorConfig)) *Executor {
	tb.Helper()
	cfg := ExecutorConfig{Token: testToken, APIURL: s.URL(), Rates: fastRates()}
	if ch, ok := s.ChannelByName("incidents"); ok {
		cfg.AnnounceChannel = ch.ID
	}
	if mod != nil {
		mod(&cfg)
	}
	return NewExecutor(cfg)
}

func testIncident() incident.Incident {
	now := time.Now().UTC().Add(-time.Minute)
	return incident.Incident{
		ID: 42, Title: "API 5xx", Severity: incident.SEV2, Status: incident.StatusDetected, Service: "api",
		Source: "alarm", Timestamps: incident.Timestamps{StartedAt: now.Add(-time.Minute), DetectedAt: now},
	}
}

// apply records an outcome's events on the incident, as the outbox would.
func apply(inc *incident.Incident, out dispatch.Outcome) {
	for _, ev := range out.Events {
		switch ev.Type {
		case incident.EventChannel:
			inc.Channel.ID, inc.Channel.Name = ev.Data["channel_id"], ev.Data["channel_name"]
		case incident.EventHeader:
			inc.Channel.HeaderTS = ev.Data["ts"]
		}
	}
}

func mustExecute(tb testing.TB, ex *Executor, eff incident.Effect, inc *incident.Incident) dispatch.Outcome {
	tb.Helper()
	out, err := ex.Execute(context.Background(), eff, *inc)
	if err != nil {
		tb.Fatalf("Execute(%s): %v", eff.Kind, err)
	}
	apply(inc, out)
	return out
}

// performAll performs effects and then their follow-ups, breadth first, as
// the outbox would.
func performAll(tb testing.TB, ex *Executor, effs []incident.Effect, inc *incident.Incident) {
	tb.Helper()
	for len(effs) > 0 {
		var next []incident.Effect
		for _, eff := range effs {
			next = append(next, mustExecute(tb, ex, eff, inc).Then...)
		}
		effs = next
	}
}

func methods(s *sim.Slack) []string {
	var out []string
	for _, c := range s.Calls() {
		out = append(out, c.Method)
	}
	return out
}

func incidentChannels(s *sim.Slack, prefix string) []sim.SlackChannel {
	var out []sim.SlackChannel
	for _, c := range s.Channels() {
		if strings.HasPrefix(c.Name, prefix) {
			out = append(out, c)
		}
	}
	return out
}

func TestExecutor_ChannelFlow(t *testing.T) {
	s := MustSlack(t)
	ex := newTestExecutor(t, s, nil)
	inc := testIncident()
	out := mustExecute(t, ex, incident.Effect{Kind: dispatch.EffSlackChannel, Incident: 42, Data: map[string]string{"invite": "U0ALICE,S0SRE"}}, &inc)

	ch, ok := s.ChannelByName("inc-42-api-5xx")
	if !ok || inc.Channel.ID != ch.ID || inc.Channel.Name != ch.Name {
		t.Fatalf("channel event %+v does not match the channel created (%+v)", inc.Channel, ch)
	}
	var kinds []incident.EffectKind
	for _, eff := range out.Then {
		kinds = append(kinds, eff.Kind)
	}
	want := []incident.EffectKind{dispatch.EffSlackTopic, dispatch.EffSlackInvite, dispatch.EffSlackHeader, dispatch.EffSlackAnnounce}
	if diff := cmp.Diff(want, kinds); diff != "" {
		t.Fatalf("follow-ups (-want +got):\n%s", diff)
	}
	performAll(t, ex, out.Then, &inc)

	wantCalls := []string{
		"conversations.create", "conversations.setPurpose", "conversations.setTopic",
		"usergroups.users.list", "conversations.invite", "chat.postMessage", "chat.postMessage", "pins.add",
	}
	if diff := cmp.Diff(wantCalls, methods(s)); diff != "" {
		t.Errorf("Slack calls (-want +got):\n%s", diff)
	}
	ch, _ = s.ChannelByName("inc-42-api-5xx")
	if ch.Topic != Topic(inc) || !hasMarker(ch.Purpose, 42) {
		t.Errorf("topic %q, purpose %q", ch.Topic, ch.Purpose)
	}
	for _, u := range []string{"U0ALICE", "U0BOB", "U0CAROL"} {
		if !slices.Contains(ch.Members, u) {
			t.Errorf("%s was not invited (members %v)", u, ch.Members)
		}
	}
	msgs := s.Messages(ch.ID)
	if len(msgs) != 1 || msgs[0].TS != inc.Channel.HeaderTS || !msgs[0].Pinned || !strings.Contains(string(msgs[0].Blocks), "inc:42:header") {
		t.Errorf("header messages = %+v (header ts %q)", msgs, inc.Channel.HeaderTS)
	}
	if ann, _ := s.ChannelByName("incidents"); len(s.Messages(ann.ID)) != 1 {
		t.Errorf("announcements: %+v", s.Messages(ann.ID))
	}
}

func TestExecutor_HeaderIdempotent(t *testing.T) {
	s := MustSlack(t)
	ex := newTestExecutor(t, s, nil)
	inc := testIncident()
	mustExecute(t, ex, incident.Effect{Kind: dispatch.EffSlackChannel, Incident: 42}, &inc)
	mustExecute(t, ex, incident.Effect{Kind: dispatch.EffSlackHeader, Incident: 42}, &inc)
	before := len(s.Calls())
	out := mustExecute(t, ex, incident.Effect{Kind: dispatch.EffSlackHeader, Incident: 42}, &inc)
	if len(out.Events) != 0 || len(s.Calls()) != before {
		t.Errorf("header with HeaderTS set: events %v, calls %v", out.Events, methods(s)[before:])
	}

	t.Run("RecoversUnrecordedHeader", func(t *testing.T) {
		// A previous attempt posted and pinned the header but its result was
		// never recorded; a new process finds it among the pins.
		lost := inc
		lost.Channel.HeaderTS = ""
		ex2 := newTestExecutor(t, s, nil)
		out := mustExecute(t, ex2, incident.Effect{Kind: dispatch.EffSlackHeader, Incident: 42, Attempts: 1}, &lost)
		if len(out.Events) != 1 || lost.Channel.HeaderTS != inc.Channel.HeaderTS {
			t.Errorf("recovered header ts %q, want %q", lost.Channel.HeaderTS, inc.Channel.HeaderTS)
		}
		if n := len(s.Messages(inc.Channel.ID)); n != 1 {
			t.Errorf("%d header messages, want 1", n)
		}
	})
}

func TestExecutor_CrashRecovery(t *testing.T) {
	t.Run("PurposeMarker", func(t *testing.T) {
		s := MustSlack(t)
		inc := testIncident()
		// The first process created the channel and crashed before recording it.
		if _, err := newTestExecutor(t, s, nil).Execute(context.Background(), incident.Effect{Kind: dispatch.EffSlackChannel, Incident: 42}, inc); err != nil {
			t.Fatal(err)
		}
		out := mustExecute(t, newTestExecutor(t, s, nil), incident.Effect{Kind: dispatch.EffSlackChannel, Incident: 42, Attempts: 1}, &inc)
		chans := incidentChannels(s, "inc-42")
		if len(chans) != 1 || inc.Channel.ID != chans[0].ID || len(out.Then) == 0 {
			t.Errorf("channels %+v, adopted %+v", chans, inc.Channel)
		}
	})
	t.Run("BeforePurpose", func(t *testing.T) {
		s := MustSlack(t)
		inc := testIncident()
		s.FailNext("conversations.setPurpose", 1, sim.SlackFault{Reset: true})
		_, err := newTestExecutor(t, s, nil).Execute(context.Background(), incident.Effect{Kind: dispatch.EffSlackChannel, Incident: 42}, inc)
		var retry *dispatch.RetryError
		if !errors.As(err, &retry) {
			t.Fatalf("reset during setPurpose: %v, want a RetryError", err)
		}
		mustExecute(t, newTestExecutor(t, s, nil), incident.Effect{Kind: dispatch.EffSlackChannel, Incident: 42, Attempts: 1}, &inc)
		chans := incidentChannels(s, "inc-42")
		if len(chans) != 1 || inc.Channel.ID != chans[0].ID || !hasMarker(chans[0].Purpose, 42) {
			t.Errorf("channels %+v, adopted %+v", chans, inc.Channel)
		}
	})
}

func TestExecutor_NameTaken(t *testing.T) {
	s := MustSlack(t)
	ex := newTestExecutor(t, s, nil)
	api := slack.New(testToken, slack.OptionAPIURL(s.URL()))
	other, err := api.CreateConversation(slack.CreateConversationParams{ChannelName: "inc-42-api-5xx"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.SetPurposeOfConversation(other.ID, "war room for something else"); err != nil {
		t.Fatal(err)
	}
	// An empty-purpose channel made by the bot before this incident was
	// detected (an earlier installation) is not adopted either.
	if _, err := api.CreateConversation(slack.CreateConversationParams{ChannelName: "inc-42-api-5xx-2"}); err != nil {
		t.Fatal(err)
	}
	inc := testIncident()
	inc.DetectedAt = time.Now().Add(time.Hour)
	mustExecute(t, ex, incident.Effect{Kind: dispatch.EffSlackChannel, Incident: 42}, &inc)
	if inc.Channel.Name != "inc-42-api-5xx-3" || inc.Channel.ID == other.ID {
		t.Errorf("created %+v, want inc-42-api-5xx-3", inc.Channel)
	}
}

func TestExecutor_Errors(t *testing.T) {
	s := MustSlack(t)
	ex := newTestExecutor(t, s, nil)
	inc := testIncident()
	mustExecute(t, ex, incident.Effect{Kind: dispatch.EffSlackChannel, Incident: 42}, &inc)
	post := incident.Effect{Kind: dispatch.EffSlackPost, Incident: 42, Data: map[string]string{"text": "hello"}, Attempts: 2}

	t.Run("RateLimited", func(t *testing.T) {
		s.FailNext("chat.postMessage", 1, sim.SlackFault{Status: 429, RetryAfter: 3 * time.Second})
		_, err := ex.Execute(context.Background(), post, inc)
		var retry *dispatch.RetryError
		if !errors.As(err, &retry) || retry.After != 3*time.Second {
			t.Fatalf("429: %v, want RetryError after 3s", err)
		}
	})
	t.Run("ServerError", func(t *testing.T) {
		s.FailNext("chat.postMessage", 1, sim.SlackFault{Status: 500})
		_, err := ex.Execute(context.Background(), post, inc)
		var retry *dispatch.RetryError
		if !errors.As(err, &retry) || retry.After != backoff(2) {
			t.Fatalf("500: %v, want RetryError after %s", err, backoff(2))
		}
	})
	t.Run("ChannelNotFound", func(t *testing.T) {
		gone := inc
		gone.Channel.ID = "C9999999"
		_, err := ex.Execute(context.Background(), post, gone)
		if !errors.Is(err, dispatch.ErrPermanent) || !strings.Contains(err.Error(), "channel_not_found") {
			t.Fatalf("deleted channel: %v, want ErrPermanent", err)
		}
	})
	t.Run("NoChannelYet", func(t *testing.T) {
		_, err := ex.Execute(context.Background(), post, testIncident())
		var retry *dispatch.RetryError
		if !errors.As(err, &retry) || retry.After != 2*time.Second || !errors.Is(err, errNoChannel) {
			t.Fatalf("no channel: %v, want RetryError after 2s", err)
		}
	})
	t.Run("TokenNotInErrors", func(t *testing.T) {
		s.FailNext("chat.postMessage", 1, sim.SlackFault{Error: "invalid_auth"})
		_, err := ex.Execute(context.Background(), post, inc)
		if err == nil || strings.Contains(err.Error(), testToken) || !errors.Is(err, dispatch.ErrPermanent) {
			t.Fatalf("invalid_auth: %v", err)
		}
	})
	t.Run("Archived", func(t *testing.T) {
		mustExecute(t, ex, incident.Effect{Kind: dispatch.EffSlackArchive, Incident: 42}, &inc)
		mustExecute(t, ex, incident.Effect{Kind: dispatch.EffSlackArchive, Incident: 42}, &inc)
		_, err := ex.Execute(context.Background(), post, inc)
		if !errors.Is(err, dispatch.ErrPermanent) || !strings.Contains(err.Error(), "is_archived") {
			t.Fatalf("archived channel: %v, want ErrPermanent", err)
		}
		mustExecute(t, ex, incident.Effect{Kind: dispatch.EffSlackUnarchive, Incident: 42}, &inc)
	})
}

func TestExecutor_Pacing(t *testing.T) {
	s := MustSlack(t)
	clock := time.Date(2024, 5, 1, 14, 0, 0, 0, time.UTC)
	ex := newTestExecutor(t, s, func(c *ExecutorConfig) {
		c.Rates[postPerChannelKey] = Rate{PerMinute: 6, Burst: 1}
		c.Now = func() time.Time { return clock }
	})
	inc := testIncident()
	mustExecute(t, ex, incident.Effect{Kind: dispatch.EffSlackChannel, Incident: 42}, &inc)
	post := incident.Effect{Kind: dispatch.EffSlackPost, Incident: 42, Data: map[string]string{"text": "one"}}
	mustExecute(t, ex, post, &inc)
	_, err := ex.Execute(context.Background(), post, inc)
	var retry *dispatch.RetryError
	if !errors.As(err, &retry) || !errors.Is(err, errPaced) || retry.After != 10*time.Second {
		t.Fatalf("second post: %v, want a paced RetryError after 10s", err)
	}
	if n := s.CallCount("chat.postMessage"); n != 1 {
		t.Errorf("chat.postMessage called %d times, want 1", n)
	}
	// Another method is not held back by the empty bucket.
	mustExecute(t, ex, incident.Effect{Kind: dispatch.EffSlackTopic, Incident: 42}, &inc)
	clock = clock.Add(10 * time.Second)
	mustExecute(t, ex, post, &inc)
}

// TestExecutor_PerformsEverySlackKind: the Executor has a function for each
// kind the app's table gives it.
func TestExecutor_PerformsEverySlackKind(t *testing.T) {
	for _, k := range dispatch.SlackKinds() {
		if effectFuncs[k] == nil {
			t.Errorf("bot cannot perform %s", k)
		}
	}
	if len(effectFuncs) != len(dispatch.SlackKinds()) {
		t.Errorf("bot performs %d kinds, dispatch.SlackKinds lists %d", len(effectFuncs), len(dispatch.SlackKinds()))
	}
}
