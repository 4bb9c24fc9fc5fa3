package dispatch_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/oncall"
	"github.com/tocsin-dev/tocsin/store"
)

// notices records the slack.notice effects performed, with when.
type notices struct {
	mu   sync.Mutex
	sent []notice
}

type notice struct {
	at            time.Time
	channel, text string
}

func (n *notices) Execute(_ context.Context, eff incident.Effect, _ incident.Incident) (dispatch.Outcome, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if eff.Kind == dispatch.EffSlackNotice {
		n.sent = append(n.sent, notice{at: time.Now(), channel: eff.Data["channel"], text: eff.Data["text"]})
	}
	return dispatch.Outcome{}, nil
}

func (n *notices) all() []notice {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]notice(nil), n.sent...)
}

// onCallRun is tocsin's hand-off machinery in a synctest bubble: a store,
// the engine, its outbox worker and RunHandoffs, until stop.
type onCallRun struct {
	db     *store.DB
	engine *dispatch.Engine
	cancel context.CancelFunc
	done   sync.WaitGroup
}

func startOnCall(t *testing.T, path string, set *oncall.Set, overrides dispatch.OverrideStore, slack *notices) *onCallRun {
	t.Helper()
	db, err := store.Open(path, store.Options{Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	r := &onCallRun{db: db}
	r.engine = dispatch.New(dispatch.Config{Store: db, Lister: db, Now: time.Now,
		Rotations: func() *oncall.Set { return set }, Overrides: overrides})
	executors := map[incident.EffectKind]dispatch.Executor{dispatch.EffHandoff: &dispatch.Handoffs{Engine: r.engine}}
	for _, k := range dispatch.SlackKinds() {
		executors[k] = slack
	}
	w := &dispatch.Worker{Engine: r.engine, Outbox: db, Executors: executors, Poll: 10 * time.Second}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	r.done.Add(2)
	go func() { defer r.done.Done(); w.Run(ctx) }()
	go func() { defer r.done.Done(); r.engine.RunHandoffs(ctx) }()
	return r
}

// stop ends the run as a crash would leave the store: whatever was
// committed stays, nothing else happens.
func (r *onCallRun) stop() {
	r.cancel()
	r.done.Wait()
	r.db.Close()
}

// sleepUntil moves the bubble's clock to at.
func sleepUntil(at time.Time) {
	time.Sleep(time.Until(at))
	synctest.Wait()
}

// TestHandoffs_AcrossDST: a daily 09:00 New York rotation announces each
// hand-off once, at 09:00 local on both sides of the spring change, and a
// hand-off that falls while tocsin is stopped is announced once, late, on
// start.
func TestHandoffs_AcrossDST(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ny, _ := time.LoadLocation("America/New_York")
		set := oncall.NewSet(&oncall.Rotation{Name: "platform", Length: oncall.Length{Days: 1}, Hour: 9, Location: ny,
			Start: time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC), HandoffChannel: "C0ONCALL",
			Members: []oncall.Member{{Slack: "U0ALICE"}, {Slack: "U0BOB"}}})
		path := filepath.Join(t.TempDir(), "tocsin.db")
		slack := &notices{}
		sleepUntil(time.Date(2026, 3, 6, 12, 0, 0, 0, time.UTC))
		run := startOnCall(t, path, set, &memOverrides{}, slack)
		sleepUntil(time.Date(2026, 3, 8, 12, 0, 0, 0, time.UTC)) // 08:00 EDT, an hour before the hand-off
		run.stop()
		sleepUntil(time.Date(2026, 3, 8, 15, 0, 0, 0, time.UTC)) // down across it
		run = startOnCall(t, path, set, &memOverrides{}, slack)
		sleepUntil(time.Date(2026, 3, 9, 14, 0, 0, 0, time.UTC))
		run.stop()

		want := []struct {
			at             time.Time // the hand-off, in UTC
			from, to, wall string
		}{
			{time.Date(2026, 3, 6, 14, 0, 0, 0, time.UTC), "U0ALICE", "U0BOB", "09:00 EST"},
			{time.Date(2026, 3, 7, 14, 0, 0, 0, time.UTC), "U0BOB", "U0ALICE", "09:00 EST"},
			{time.Date(2026, 3, 8, 13, 0, 0, 0, time.UTC), "U0ALICE", "U0BOB", "09:00 EDT"}, // announced at the restart
			{time.Date(2026, 3, 9, 13, 0, 0, 0, time.UTC), "U0BOB", "U0ALICE", "09:00 EDT"},
		}
		got := slack.all()
		if len(got) != len(want) {
			t.Fatalf("%d hand-offs announced, want %d: %+v", len(got), len(want), got)
		}
		restart := time.Date(2026, 3, 8, 15, 0, 0, 0, time.UTC)
		for i, w := range want {
			g := got[i]
			if wall := w.at.In(ny).Format("15:04 MST"); wall != w.wall {
				t.Fatalf("test table: %s is %s in New York, not %s", w.at, wall, w.wall)
			}
			due := w.at
			if due.Before(restart) && !due.Before(time.Date(2026, 3, 8, 12, 0, 0, 0, time.UTC)) {
				due = restart
			}
			if g.at.Before(due) || g.at.After(due.Add(15*time.Second)) {
				t.Errorf("hand-off %d announced at %s, want within the worker's poll of %s", i, g.at, due)
			}
			prefix := ":arrows_counterclockwise: <person:" + w.from + "> hands off *platform* on call to <person:" + w.to + ">"
			if g.channel != "C0ONCALL" || !strings.HasPrefix(g.text, prefix) {
				t.Errorf("hand-off %d: %q in %s, want %q… in C0ONCALL", i, g.text, g.channel, prefix)
			}
		}
		if late := got[2].text; !strings.Contains(late, "tocsin was not running then") {
			t.Errorf("the late hand-off does not say it is late: %q", late)
		}
	})
}

// TestHandoffs_Override: a shift taken from chat is announced when taken,
// and its end is announced as a hand-off back, once.
func TestHandoffs_Override(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		set := oncall.NewSet(&oncall.Rotation{Name: "platform", Length: oncall.Length{Days: 7}, Hour: 9, Location: time.UTC,
			Start: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), HandoffChannel: "C0ONCALL",
			Members: []oncall.Member{{Slack: "U0ALICE"}, {Slack: "U0BOB"}}})
		sleepUntil(time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC))
		slack := &notices{}
		run := startOnCall(t, filepath.Join(t.TempDir(), "tocsin.db"), set, &memOverrides{}, slack)
		_, err := run.engine.Do(context.Background(), dispatch.Command{Kind: dispatch.OnCallOverride, User: "U0CAROL",
			Window: 4 * time.Hour, Actor: "U0ALICE", Channel: "C0OPS", Key: "slack:trigger:7"})
		if err != nil {
			t.Fatal(err)
		}
		sleepUntil(time.Date(2026, 3, 3, 16, 0, 0, 0, time.UTC))
		run.stop()
		got := slack.all()
		if len(got) != 2 {
			t.Fatalf("%d notices, want the override and its end: %+v", len(got), got)
		}
		if !strings.Contains(got[0].text, "<person:U0CAROL> takes the *platform* on-call shift from <person:U0ALICE>") {
			t.Errorf("first notice %q, want the override", got[0].text)
		}
		end := time.Date(2026, 3, 3, 14, 0, 0, 0, time.UTC)
		if !strings.HasPrefix(got[1].text, ":arrows_counterclockwise: <person:U0CAROL> hands off *platform* on call to <person:U0ALICE>") ||
			got[1].at.Before(end) || got[1].at.After(end.Add(15*time.Second)) {
			t.Errorf("second notice %q at %s, want U0CAROL handing back at %s", got[1].text, got[1].at, end)
		}
	})
}

// TestHandoffs_ExecuteTwice: a hand-off timer performed again (a crash
// after its announcement was enqueued and before the timer was removed, or
// a second timer for the same hand-off) enqueues no second announcement.
func TestHandoffs_ExecuteTwice(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	set := oncall.NewSet(&oncall.Rotation{Name: "platform", Length: oncall.Length{Days: 1}, Hour: 9, Location: ny,
		Start: time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC), HandoffChannel: "C0ONCALL",
		Members: []oncall.Member{{Slack: "U0ALICE"}, {Slack: "U0BOB"}}})
	h := newHarness(t, func(c *dispatch.Config) { c.Rotations = func() *oncall.Set { return set } })
	x := &dispatch.Handoffs{Engine: h.engine}
	eff := incident.Effect{Kind: dispatch.EffHandoff, Data: map[string]string{"rotation": "platform", "at": "2026-03-08T13:00:00Z"}}
	for range 2 {
		if _, err := x.Execute(context.Background(), eff, incident.Incident{}); err != nil {
			t.Fatal(err)
		}
	}
	if due, _ := h.db.Due(h.clock.Now(), 10); len(due) != 1 || due[0].Kind != dispatch.EffSlackNotice {
		t.Errorf("outbox after two runs of one hand-off: %+v, want one notice", due)
	}
	eff.Data["at"] = "2026-03-08T13:30:00Z" // not a hand-off
	if _, err := x.Execute(context.Background(), eff, incident.Incident{}); err != nil {
		t.Fatal(err)
	}
	if due, _ := h.db.Due(h.clock.Now(), 10); len(due) != 1 {
		t.Errorf("a timer at no change of who is on call announced something: %+v", due)
	}
}
