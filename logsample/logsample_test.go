package logsample

import (
	"testing"
	"time"
)

// TestSampler_Allow: one line a second per key, the held-back count on the
// next, and other keys unaffected.
func TestSampler_Allow(t *testing.T) {
	now := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	s := &Sampler{Now: func() time.Time { return now }}
	steps := []struct {
		after time.Duration
		key   string
		ok    bool
		held  int
	}{
		{0, "10.0.0.1", true, 0},
		{100 * time.Millisecond, "10.0.0.1", false, 0},
		{100 * time.Millisecond, "10.0.0.1", false, 0},
		{0, "10.0.0.2", true, 0},
		{900 * time.Millisecond, "10.0.0.1", true, 2},
		{10 * time.Millisecond, "10.0.0.2", false, 0},
	}
	for i, st := range steps {
		now = now.Add(st.after)
		if ok, held := s.Allow(st.key); ok != st.ok || held != st.held {
			t.Errorf("step %d (%s): Allow = %v, %d; want %v, %d", i, st.key, ok, held, st.ok, st.held)
		}
	}
	if got := Client("192.0.2.7:51234"); got != "192.0.2.7" {
		t.Errorf("Client = %q", got)
	}
}
