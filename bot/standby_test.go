package bot

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/sim"
)

// owners is a fake ownership index: channel id -> owned.
type owners map[string]bool

func (o owners) owned(_ context.Context, id string) (bool, error) { return o[id], nil }

func countCalls(s *sim.Slack, method string) int {
	n := 0
	for _, c := range s.Calls() {
		if c.Method == method {
			n++
		}
	}
	return n
}

// newPacedStandby is an executor that keeps n standby channels, paced by
// Slack's real rates (conversations.create is Tier 2: a burst of 3) on the
// clock *now, which the test moves.
func newPacedStandby(t *testing.T, s *sim.Slack, n int, now *time.Time) *Executor {
	t.Helper()
	return newTestExecutor(t, s, func(c *ExecutorConfig) {
		c.Standby, c.Owned = n, owners{}.owned
		c.Rates = defaultRates()
		c.Now = func() time.Time { return *now }
	})
}

// A new incident takes a standby channel with no Slack call, is invited to
// and gets its header at once, and the channel is renamed after it.
func TestStandby_TakeAndRename(t *testing.T) {
	s := MustSlack(t)
	own := owners{}
	clock := time.Now()
	cfg := func(c *ExecutorConfig) {
		c.Standby, c.Owned, c.Now = 2, own.owned, func() time.Time { return clock }
	}
	ex := newTestExecutor(t, s, cfg)
	fill := func(ex *Executor) (int, error) { // a minute apart, so the pace is idle again
		clock = clock.Add(time.Minute)
		ex.FillStandby(context.Background())
		clock = clock.Add(time.Minute)
		return ex.FillStandby(context.Background())
	}
	if n, err := fill(ex); err != nil || n != 2 {
		t.Fatalf("FillStandby = %d, %v; want 2 ready", n, err)
	}
	ready := incidentChannels(s, standbyPrefix)
	if len(ready) != 2 || ready[0].Purpose != standbyPurpose {
		t.Fatalf("standby channels = %+v", ready)
	}
	creates := countCalls(s, "conversations.create")

	inc := testIncident()
	out := mustExecute(t, ex, incident.Effect{Kind: dispatch.EffSlackChannel, Incident: 42, Data: map[string]string{"invite": "U0ALICE"}}, &inc)
	if inc.Channel.ID != ready[0].ID || countCalls(s, "conversations.create") != creates {
		t.Fatalf("incident channel %+v; want the oldest standby %s taken without conversations.create", inc.Channel, ready[0].ID)
	}
	if out.Events[0].Data["standby"] != "yes" {
		t.Errorf("channel event %v does not say standby", out.Events[0].Data)
	}
	own[inc.Channel.ID] = true
	var kinds []incident.EffectKind
	for _, eff := range out.Then {
		kinds = append(kinds, eff.Kind)
		clock = clock.Add(time.Minute) // renaming waits for idle buckets
		mustExecute(t, ex, eff, &inc)
	}
	want := []incident.EffectKind{dispatch.EffSlackTopic, dispatch.EffSlackInvite, dispatch.EffSlackHeader, dispatch.EffSlackAnnounce, dispatch.EffSlackRename}
	if diff := cmp.Diff(want, kinds); diff != "" {
		t.Errorf("follow-ups (-want +got):\n%s", diff)
	}
	ch, ok := s.ChannelByName("inc-42-api-5xx")
	if !ok || ch.ID != ready[0].ID || inc.Channel.Name != "inc-42-api-5xx" || !hasMarker(ch.Purpose, 42) {
		t.Errorf("after rename: channel %+v, incident channel %+v", ch, inc.Channel)
	}
	if !slices.Contains(ch.Members, "U0ALICE") || len(s.Messages(ch.ID)) != 1 {
		t.Errorf("members %v, messages %d: want alice invited and the header posted", ch.Members, len(s.Messages(ch.ID)))
	}
	// Renaming again is a no-op once the name is the incident's.
	calls := len(s.Calls())
	mustExecute(t, ex, incident.Effect{Kind: dispatch.EffSlackRename, Incident: 42}, &inc)
	if len(s.Calls()) != calls {
		t.Errorf("a second rename made %d calls", len(s.Calls())-calls)
	}

	// The pool refills; a restarted executor adopts the standby channels
	// that no incident owns, and not the one incident 42 owns.
	if n, _ := fill(ex); n != 2 {
		t.Errorf("refill: %d ready, want 2", n)
	}
	again := newTestExecutor(t, s, cfg)
	creates = countCalls(s, "conversations.create")
	if n, err := fill(again); err != nil || n != 2 || countCalls(s, "conversations.create") != creates {
		t.Errorf("after restart: %d ready, %v, %d creates; want the 2 left adopted", n, err, countCalls(s, "conversations.create")-creates)
	}
	for _, ch := range again.standby {
		if ch.ID == inc.Channel.ID || !strings.HasPrefix(ch.Name, standbyPrefix) {
			t.Errorf("adopted %+v", ch)
		}
	}
}

// Standby channels are only made while conversations.create is idle: an
// incident's channel never waits for one.
func TestStandby_OnlyWhenIdle(t *testing.T) {
	s := MustSlack(t)
	clock := time.Now()
	ex := newPacedStandby(t, s, 5, &clock)
	if n, _ := ex.FillStandby(context.Background()); n != 1 {
		t.Fatalf("ready = %d; want 1: after one, the bucket is no longer full", n)
	}
	inc := testIncident()
	mustExecute(t, ex, incident.Effect{Kind: dispatch.EffSlackChannel, Incident: 42}, &inc) // takes it
	if n, _ := ex.FillStandby(context.Background()); n != 0 {
		t.Errorf("ready = %d right after; want 0 (the create bucket is not full)", n)
	}
	inc2 := testIncident()
	inc2.ID = 43
	mustExecute(t, ex, incident.Effect{Kind: dispatch.EffSlackChannel, Incident: 43}, &inc2)
	if _, ok := s.ChannelByName("inc-43-api-5xx"); !ok {
		t.Errorf("incident 43's channel was not created at once")
	}
	clock = clock.Add(10 * time.Second) // the bucket refills (18/min)
	if n, _ := ex.FillStandby(context.Background()); n != 1 {
		t.Errorf("ready = %d after 10 s; want 1", n)
	}
}

// Renaming a standby channel waits while a new incident's channel needs the
// conversations.setPurpose bucket.
func TestStandby_RenameYieldsToNewChannels(t *testing.T) {
	s := MustSlack(t)
	clock := time.Now()
	ex := newPacedStandby(t, s, 1, &clock)
	ex.FillStandby(context.Background())
	clock = clock.Add(time.Minute)
	inc := testIncident()
	mustExecute(t, ex, incident.Effect{Kind: dispatch.EffSlackChannel, Incident: 42}, &inc) // the standby one
	inc2 := testIncident()
	inc2.ID = 43
	mustExecute(t, ex, incident.Effect{Kind: dispatch.EffSlackChannel, Incident: 43}, &inc2) // created: uses setPurpose
	_, err := ex.Execute(context.Background(), incident.Effect{Kind: dispatch.EffSlackRename, Incident: 42}, inc)
	if !errors.Is(err, errPaced) {
		t.Fatalf("rename while setPurpose was just used: %v; want it held back", err)
	}
	clock = clock.Add(20 * time.Second)
	mustExecute(t, ex, incident.Effect{Kind: dispatch.EffSlackRename, Incident: 42}, &inc)
	if !strings.HasPrefix(inc.Channel.Name, "inc-42-") {
		t.Errorf("after the wait: %q", inc.Channel.Name)
	}
}

// With replicas, RunStandby runs once per term of leadership. A replica
// that leads again must not hand out a standby channel that another leader
// took for an incident meanwhile: each term finds the pool again in Slack.
func TestStandby_NewTermFindsThePoolAgain(t *testing.T) {
	s := MustSlack(t)
	own := owners{}
	clock := sim.NewClock(time.Now())
	cfg := func(c *ExecutorConfig) {
		c.Standby, c.Owned, c.Now = 2, own.owned, clock.Now
	}
	term := func(ex *Executor) { // one term of leadership: until the pool is found and filled
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- ex.RunStandby(ctx) }()
		for ex.StandbyReady() < 2 {
			clock.Advance(time.Minute) // the pace is idle again
			time.Sleep(time.Millisecond)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	a, b := newTestExecutor(t, s, cfg), newTestExecutor(t, s, cfg)
	term(a)
	term(b) // a lost its lease; b leads and adopts a's two channels
	inc := testIncident()
	mustExecute(t, b, incident.Effect{Kind: dispatch.EffSlackChannel, Incident: 42}, &inc)
	own[inc.Channel.ID] = true // b's channel event committed
	term(a)                    // a leads again
	for _, ch := range a.standby {
		if ch.ID == inc.Channel.ID {
			t.Errorf("the replica leading again holds %s, which incident 42 took while it did not lead", ch.ID)
		}
	}
}
