package pgstore

import (
	"sync"

	"github.com/tocsin-dev/tocsin/incident"
)

// committedIncidents holds open incidents as this process last committed
// or read them under lock, so that an alarm storm does not decode the same
// incident and its alarms on every write.
//
// The bbolt store's equivalent trusts itself because it is the file's only
// writer. Here other processes may write too, so an entry is only a
// candidate: every read asks the database for the incident's version (its
// number of events, which every change raises, and which no two commits
// can both raise to the same number, events being keyed by (incident_id,
// seq)) and uses the entry only if it is still current. Entries are
// learned only after a commit succeeded, and are never changed in place:
// apply folds events into a copy.
type committedIncidents struct {
	mu   sync.Mutex
	incs map[incident.ID]incident.Incident
}

// maxCommitted bounds the cache; past it, arbitrary entries make room.
const maxCommitted = 512

func (c *committedIncidents) get(id incident.ID) (incident.Incident, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	inc, ok := c.incs[id]
	return inc, ok
}

// learn takes the versions a committed transaction left: open incidents
// are kept, others dropped.
func (c *committedIncidents) learn(incs map[incident.ID]incident.Incident) {
	if len(incs) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.incs == nil {
		c.incs = map[incident.ID]incident.Incident{}
	}
	for id, inc := range incs {
		if !inc.Open() {
			delete(c.incs, id)
			continue
		}
		if old, known := c.incs[id]; known && old.Events > inc.Events {
			continue // a later commit of this process was learned first
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
