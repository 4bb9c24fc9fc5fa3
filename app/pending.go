package app

import (
	"sync"
	"time"
)

// pendingEvery is how stale the outbox count the engine's overload check
// reads may be.
const pendingEvery = 100 * time.Millisecond

// pendingCache answers the engine's overload check (TOCSIN_MAX_PENDING)
// from a count read at most every pendingEvery. The check is a soft bound
// on a queue that drains at Slack's pace, so a count a tenth of a second
// old serves as well as a fresh one; with PostgreSQL a fresh one is a
// query and a commit per alarm (a third of the statements an alarm costs
// under a storm: BENCHMARKS.md). Its clock is the real one, whatever
// clock tocsin runs on: staleness is a matter of real time.
type pendingCache struct {
	read func() int
	now  func() time.Time

	mu sync.Mutex
	at time.Time // when n was read; zero before the first read
	n  int
}

// Pending returns the outbox count, read again if the last is stale.
// Callers that come while it is read wait for that read.
func (c *pendingCache) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := c.now(); c.at.IsZero() || now.Sub(c.at) >= pendingEvery || now.Before(c.at) {
		c.n, c.at = c.read(), now
	}
	return c.n
}
