package report

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tocsin-dev/tocsin/incident"
)

func mustSchedule(t *testing.T) Schedule {
	t.Helper()
	s, err := NewSchedule("0 9 * * MON", "America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Mondays at 09:00 in New York around the end of daylight saving (7 Nov 2021).
var (
	nov1  = time.Date(2021, 11, 1, 13, 0, 0, 0, time.UTC) // 09:00 EDT
	nov8  = time.Date(2021, 11, 8, 14, 0, 0, 0, time.UTC) // 09:00 EST
	nov15 = time.Date(2021, 11, 15, 14, 0, 0, 0, time.UTC)
	nov22 = time.Date(2021, 11, 22, 14, 0, 0, 0, time.UTC)
	nov29 = time.Date(2021, 11, 29, 14, 0, 0, 0, time.UTC)
)

func TestNewSchedule(t *testing.T) {
	tests := []struct {
		spec, tz string
		ok       bool
	}{
		{"0 9 * * MON", "America/New_York", true},
		{"@weekly", "", true},
		{"30 8 * * 1-5", "Europe/Paris", true},
		{"0 9 * * MON", "Mars/Olympus", false},
		{"0 0 9 * * MON", "UTC", false},
		{"CRON_TZ=Asia/Tokyo 0 9 * * MON", "UTC", false},
		{"", "UTC", false},
		{"every monday", "UTC", false},
	}
	for _, tt := range tests {
		_, err := NewSchedule(tt.spec, tt.tz)
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, incident.ErrInvalid)) {
			t.Errorf("NewSchedule(%q, %q) error %v, want ok %v", tt.spec, tt.tz, err, tt.ok)
		}
	}
}

func TestSchedule_Due(t *testing.T) {
	s := mustSchedule(t)
	tests := []struct {
		name      string
		last, now time.Time
		want      time.Time // zero: not due
	}{
		{"NeverRan", time.Time{}, nov22, time.Time{}},
		{"JustSent", nov1, nov1, time.Time{}},
		{"NotYet", nov1, nov8.Add(-time.Minute), time.Time{}},
		{"OnTheDotAcrossDST", nov1, nov8, nov8},
		{"ThreeMissedSendsOnlyTheLatest", nov1, nov22.Add(26 * time.Hour), nov22},
		{"ClockWentBack", nov15, nov8, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := s.Due(tt.last, tt.now)
			if ok != !tt.want.IsZero() || !got.Equal(tt.want) {
				t.Errorf("Due(%v, %v) = %v, %v; want %v", tt.last, tt.now, got, ok, tt.want)
			}
		})
	}
	if next := s.Next(nov1); !next.Equal(nov8) || next.Location().String() != "America/New_York" {
		t.Errorf("Next(nov1) = %v, want %v in New York", next, nov8)
	}
}

// memStore is a LastRunStore in memory that can fail its next calls.
type memStore struct {
	mu      sync.Mutex
	last    time.Time
	sets    []time.Time
	failGet int
}

func (m *memStore) LastRun(context.Context) (time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failGet > 0 {
		m.failGet--
		return time.Time{}, errors.New("store unavailable")
	}
	return m.last, nil
}

func (m *memStore) SetLastRun(_ context.Context, t time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.last = t
	m.sets = append(m.sets, t)
	return nil
}

// harness runs Schedulers inside a synctest bubble whose clock reads as
// wall time from start onwards.
type harness struct {
	t     *testing.T
	store *memStore
	clock func() time.Time

	mu     sync.Mutex
	sent   []time.Time // due times passed to Send
	sentAt []time.Time // when Send was called
	fails  int         // Send fails this many more times
}

func newHarness(t *testing.T, start time.Time, store *memStore) *harness {
	origin := time.Now() // the bubble's fake clock
	return &harness{t: t, store: store, clock: func() time.Time { return start.Add(time.Since(origin)) }}
}

func (h *harness) send(_ context.Context, due time.Time) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if now := h.clock(); now.Before(due) {
		h.t.Errorf("digest for %v sent early, at %v", due, now)
	}
	h.sent = append(h.sent, due)
	h.sentAt = append(h.sentAt, h.clock())
	if h.fails > 0 {
		h.fails--
		return errors.New("slack is down")
	}
	return nil
}

// run starts a Scheduler, lets virtual time pass for d, and stops it.
func (h *harness) run(d time.Duration) {
	h.t.Helper()
	s := &Scheduler{Schedule: mustSchedule(h.t), Last: h.store, Send: h.send, Now: h.clock}
	ctx, cancel := context.WithCancel(h.t.Context())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	time.Sleep(d)
	synctest.Wait()
	cancel()
	if err := <-done; err != nil {
		h.t.Errorf("Run: %v", err)
	}
}

func (h *harness) check(wantSent, wantSets []time.Time) {
	h.t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	if diff := cmp.Diff(wantSent, h.sent); diff != "" {
		h.t.Errorf("digests sent (-want +got):\n%s", diff)
	}
	h.store.mu.Lock()
	defer h.store.mu.Unlock()
	if diff := cmp.Diff(wantSets, h.store.sets); diff != "" {
		h.t.Errorf("last runs recorded (-want +got):\n%s", diff)
	}
}

func TestScheduler(t *testing.T) {
	const day = 24 * time.Hour
	t.Run("FiresInTheZoneAcrossDST", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			// First ever start on Friday 29 Oct: nothing is owed until Monday.
			h := newHarness(t, time.Date(2021, 10, 29, 16, 0, 0, 0, time.UTC), &memStore{})
			h.run(18 * day)
			h.check([]time.Time{nov1, nov8, nov15}, []time.Time{nov1, nov8, nov15})
		})
	})
	t.Run("NotTwiceAfterRestart", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			store := &memStore{}
			h := newHarness(t, time.Date(2021, 10, 31, 12, 0, 0, 0, time.UTC), store)
			h.run(day + 2*time.Hour) // sends nov1, stops an hour later
			h.run(6 * day)           // a new Scheduler, same store, until just before nov8
			h.check([]time.Time{nov1}, []time.Time{nov1})
		})
	})
	t.Run("CatchesUpOnceAfterDowntime", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			// Down from just after nov1 until Tuesday 23 Nov: nov8, nov15 and nov22 were missed.
			h := newHarness(t, time.Date(2021, 11, 23, 15, 0, 0, 0, time.UTC), &memStore{last: nov1})
			h.run(6*day + 23*time.Hour + 30*time.Minute)
			h.check([]time.Time{nov22, nov29}, []time.Time{nov22, nov29})
		})
	})
	t.Run("RetriesWithBackoffAndRecordsOnlySuccess", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			store := &memStore{last: nov1, failGet: 1}
			h := newHarness(t, nov8.Add(-time.Hour), store)
			h.fails = 2
			h.run(2 * time.Hour)
			h.check([]time.Time{nov8, nov8, nov8}, []time.Time{nov8})
			want := []time.Time{nov8, nov8.Add(30 * time.Second), nov8.Add(90 * time.Second)}
			if diff := cmp.Diff(want, h.sentAt); diff != "" {
				t.Errorf("send attempts (-want +got):\n%s", diff)
			}
		})
	})
}
