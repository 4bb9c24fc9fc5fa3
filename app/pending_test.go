package app

import (
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/sim"
)

// The count is read once per pendingEvery, and again as soon as it is stale.
func TestPendingCache(t *testing.T) {
	clock := sim.NewClock(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	reads, count := 0, 7
	c := &pendingCache{read: func() int { reads++; return count }, now: clock.Now}
	if n := c.Pending(); n != 7 || reads != 1 {
		t.Fatalf("first Pending = %d after %d reads, want 7 after 1", n, reads)
	}
	count = 9
	clock.Advance(pendingEvery - time.Millisecond)
	if n := c.Pending(); n != 7 || reads != 1 {
		t.Errorf("Pending within %s = %d after %d reads, want the cached 7 after 1", pendingEvery, n, reads)
	}
	clock.Advance(time.Millisecond)
	if n := c.Pending(); n != 9 || reads != 2 {
		t.Errorf("Pending after %s = %d after %d reads, want 9 after 2", pendingEvery, n, reads)
	}
}
