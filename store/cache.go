package store

import (
	"maps"
	"slices"
	"sync"

	bolt "go.etcd.io/bbolt"

	"github.com/tocsin-dev/tocsin/incident"
)

// txCache holds the incidents decoded during the current write transaction.
// DB.Batch runs many callers' functions in one transaction, one after the
// other; during an alarm storm they mostly touch the same few incidents, and
// decoding an incident with many linked alarms is the most expensive step of
// intake. The cache lives exactly as long as its bbolt transaction: a new
// transaction (after a commit or a rollback) starts empty, so nothing cached
// ever outlives the data it was read from. (Holding the *bolt.Tx keeps its
// address from being reused by a later transaction, so comparing pointers
// is safe; a rolled-back batch is rerun in a new transaction.)
type txCache struct {
	mu   sync.Mutex
	tx   *bolt.Tx
	incs map[incident.ID]incident.Incident
}

// get returns a copy of the cached incident, if btx is the cached transaction.
func (c *txCache) get(btx *bolt.Tx, id incident.ID) (incident.Incident, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tx != btx {
		return incident.Incident{}, false
	}
	inc, ok := c.incs[id]
	if !ok {
		return inc, false
	}
	return clone(inc), true
}

func (c *txCache) put(btx *bolt.Tx, inc incident.Incident) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tx != btx {
		c.tx, c.incs = btx, map[incident.ID]incident.Incident{}
	}
	c.incs[inc.ID] = clone(inc)
}

// clone copies an incident deeply enough that changing the copy (folding
// events into it) never changes the original.
func clone(inc incident.Incident) incident.Incident {
	inc.Roles = maps.Clone(inc.Roles)
	inc.Extra = maps.Clone(inc.Extra)
	inc.Alarms = slices.Clone(inc.Alarms)
	inc.Followups = slices.Clone(inc.Followups)
	return inc
}
