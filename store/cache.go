package store

import (
	"github.com/tocsin-dev/tocsin/incident"
)

// Two caches keep intake from decoding the same incidents again and again
// during an alarm storm, when thousands of writes a second touch the same
// few incidents.
//
// txIncidents holds the incidents read or changed in one write transaction.
// A group commit runs many writers' functions in one transaction, so each
// incident is read at most once and written once, when the transaction is
// about to commit (Tx.flush). It lives and dies with its transaction: a
// rolled-back group is rerun with a new one.
//
// committedIncidents holds the open incidents as the last commit left them.
// Only the committer goroutine uses it (every write transaction runs
// there), and only after a successful commit does it learn the new
// versions, so it never holds anything the file does not.
type txIncidents struct {
	committed *committedIncidents // nil outside the committer
	incs      map[incident.ID]incident.Incident
	base      map[incident.ID][]incident.LinkedAlarm // alarms as in the file
	dirty     map[incident.ID]bool
}

// Incidents in both caches are shared with callers and never changed in
// place: Tx.apply folds events into a copy (copy-on-write), which put then
// records. So reading an incident costs no copy, and appending one event to
// an incident with a thousand alarms copies them once.

func (c *txIncidents) get(id incident.ID) (incident.Incident, bool) {
	inc, ok := c.incs[id]
	if !ok && c.committed != nil {
		if inc, ok = c.committed.incs[id]; ok {
			c.put(inc, inc.Alarms, false)
		}
	}
	return inc, ok
}

// put records inc as the transaction's version; inc must not be changed
// afterwards. base is the incident's alarms as they are in the file; it is
// kept from the first put only.
func (c *txIncidents) put(inc incident.Incident, base []incident.LinkedAlarm, dirty bool) {
	if c.incs == nil {
		c.incs, c.dirty = map[incident.ID]incident.Incident{}, map[incident.ID]bool{}
		c.base = map[incident.ID][]incident.LinkedAlarm{}
	}
	if _, ok := c.incs[inc.ID]; !ok {
		c.base[inc.ID] = base
	}
	c.incs[inc.ID] = inc
	if dirty {
		c.dirty[inc.ID] = true
	}
}

// committedIncidents is the committer's cache of open incidents.
type committedIncidents struct {
	incs map[incident.ID]incident.Incident
}

// maxCommitted bounds the cache; past it, arbitrary entries make room.
const maxCommitted = 512

// learn takes the versions a committed transaction left.
func (c *committedIncidents) learn(t *txIncidents) {
	if c.incs == nil {
		c.incs = map[incident.ID]incident.Incident{}
	}
	for id, inc := range t.incs {
		if !inc.Open() {
			delete(c.incs, id)
			continue
		}
		if _, known := c.incs[id]; !known && len(c.incs) >= maxCommitted {
			for victim := range c.incs { // any one
				delete(c.incs, victim)
				break
			}
		}
		c.incs[id] = inc
	}
}
