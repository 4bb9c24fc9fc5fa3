package sim

import (
	"sync"
	"time"
)

// Clock is a clock that moves only when told. Tests hand its Now to the
// stand-ins (SSMOptions.Now, SlackOptions.Now…) and to tocsin's parts, so
// that rate limits, command progress and timers follow the test, not the
// wall clock.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a Clock reading t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
