package dispatch_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/oncall"
)

// memOverrides is an in-memory dispatch.OverrideStore.
type memOverrides struct {
	mu   sync.Mutex
	byKy map[string]oncall.Override
	adds int
}

func (m *memOverrides) Overrides(context.Context) ([]oncall.Override, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []oncall.Override
	for _, o := range m.byKy {
		out = append(out, o)
	}
	return out, nil
}

func (m *memOverrides) AddOverride(_ context.Context, key string, o oncall.Override) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.byKy == nil {
		m.byKy = map[string]oncall.Override{}
	}
	m.byKy[key] = o
	m.adds++
	return nil
}

// rotationsAt builds rotations that start at the harness clock's day:
// "platform" (daily 09:00 UTC: U0ALICE, U0BOB; hand-offs in C0ONCALL) and
// "db" (weekly, U0DAN).
func rotationsAt(start time.Time) *oncall.Set {
	day := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, time.UTC)
	return oncall.NewSet(
		&oncall.Rotation{Name: "platform", Length: oncall.Length{Days: 1}, Hour: 9, Location: time.UTC, Start: day,
			HandoffChannel: "C0ONCALL", Members: []oncall.Member{{Slack: "U0ALICE"}, {Slack: "U0BOB"}}},
		&oncall.Rotation{Name: "db", Length: oncall.Length{Days: 7}, Hour: 9, Location: time.UTC, Start: day,
			Members: []oncall.Member{{Slack: "U0DAN"}}},
	)
}

func TestEngine_TakeShift(t *testing.T) {
	overrides := &memOverrides{}
	var set *oncall.Set
	h := newHarness(t, func(c *dispatch.Config) {
		set = rotationsAt(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)) // the harness's day
		c.Rotations = func() *oncall.Set { return set }
		c.Overrides = overrides
	})
	h.clock.Advance(7 * time.Hour) // 10:00: U0ALICE's first shift began at 09:00
	cmd := dispatch.Command{Kind: dispatch.OnCallOverride, User: "U0CAROL", Window: 4 * time.Hour, Text: "platform",
		Actor: "U0ALICE", Channel: "C0OPS", Key: "slack:trigger:1"}
	res := h.do(cmd)
	want := ":arrows_counterclockwise: <person:U0CAROL> takes the *platform* on-call shift from <person:U0ALICE> for 4h, until <time:" +
		unix(h.clock.Now().Add(4*time.Hour)) + "> (asked by <person:U0ALICE>)."
	if res.Message != want || !res.Public {
		t.Errorf("result = %q (public %v), want %q in the channel", res.Message, res.Public, want)
	}
	h.drain()
	if got := h.slack.count(dispatch.EffSlackNotice); got != 1 {
		t.Errorf("%d notices in the hand-off channel, want 1", got)
	}
	if !contains(h.slack.texts, want) {
		t.Errorf("the notice does not say %q: %q", want, h.slack.texts)
	}

	t.Run("replay", func(t *testing.T) {
		if res := h.do(cmd); res.Message != "Already done." {
			t.Errorf("replayed command = %q, want Already done.", res.Message)
		}
		h.drain()
		if got := h.slack.count(dispatch.EffSlackNotice); got != 1 || overrides.adds != 1 {
			t.Errorf("after a replay: %d notices, %d overrides recorded; want 1 and 1", got, overrides.adds)
		}
	})

	t.Run("shown", func(t *testing.T) {
		res := h.do(dispatch.Command{Kind: dispatch.OnCall, Text: "platform", Actor: "U0BOB"})
		if !strings.Contains(res.Message, "On call now: <person:U0CAROL> (override) until <time:"+unix(h.clock.Now().Add(4*time.Hour))+">") {
			t.Errorf("oncall = %q, want U0CAROL by override", res.Message)
		}
	})

	t.Run("refused", func(t *testing.T) {
		for _, c := range []dispatch.Command{
			{Kind: dispatch.OnCallOverride, User: "U0CAROL", Window: time.Hour, Actor: "U0ALICE"},
			{Kind: dispatch.OnCallOverride, User: "U0CAROL", Window: time.Hour, Text: "web", Actor: "U0ALICE"},
			{Kind: dispatch.OnCallOverride, User: "U0CAROL", Window: 15 * 24 * time.Hour, Text: "db", Actor: "U0ALICE"},
		} {
			if _, err := h.engine.Do(context.Background(), c); !errors.Is(err, incident.ErrInvalid) {
				t.Errorf("%+v: %v, want ErrInvalid", c, err)
			}
		}
		if overrides.adds != 1 {
			t.Errorf("refused commands recorded overrides: %d", overrides.adds)
		}
	})
}

func unix(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

// count is how many effects of a kind the fake performed.
func (f *fakeSlack) count(kind incident.EffectKind) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, k := range f.kinds {
		if k == kind {
			n++
		}
	}
	return n
}

func TestCurrentAndNext(t *testing.T) {
	t0 := time.Date(2026, 3, 7, 0, 0, 0, 0, time.UTC)
	h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	shifts := []dispatch.ScheduleShift{
		{Slack: "UA", From: h(0), Until: h(2)}, {Slack: "UA", From: h(2), Until: h(4)},
		{Name: "Bea", From: h(4), Until: h(6)}, {Name: "Bea", From: h(6), Until: h(8)},
		{Slack: "UC", From: h(8), Until: h(10)},
	}
	tests := []struct {
		at        int
		cur, next dispatch.ScheduleShift
		ok        bool
	}{
		{1, dispatch.ScheduleShift{Slack: "UA", From: h(0), Until: h(4)}, dispatch.ScheduleShift{Name: "Bea", From: h(4), Until: h(8)}, true},
		{5, dispatch.ScheduleShift{Name: "Bea", From: h(4), Until: h(8)}, dispatch.ScheduleShift{Slack: "UC", From: h(8), Until: h(10)}, true},
		{9, dispatch.ScheduleShift{Slack: "UC", From: h(8), Until: h(10)}, dispatch.ScheduleShift{}, true},
		{10, dispatch.ScheduleShift{}, dispatch.ScheduleShift{}, false},
	}
	for _, tt := range tests {
		cur, next, ok := dispatch.CurrentAndNext(shifts, h(tt.at))
		if cur != tt.cur || next != tt.next || ok != tt.ok {
			t.Errorf("at %dh: %+v, %+v, %v; want %+v, %+v, %v", tt.at, cur, next, ok, tt.cur, tt.next, tt.ok)
		}
	}
}

func TestShiftLength(t *testing.T) {
	for d, want := range map[time.Duration]string{4 * time.Hour: "4h", 90 * time.Minute: "1h30m", 30 * time.Minute: "30m",
		15 * time.Second: "15s", 90 * time.Second: "1m30s", 48 * time.Hour: "2d", time.Hour + 30*time.Second: "1h0m30s"} {
		if got := dispatch.ShiftLength(d); got != want {
			t.Errorf("shiftLength(%s) = %q, want %q", d, got, want)
		}
	}
}
