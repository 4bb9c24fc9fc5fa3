package store

import (
	"maps"
	"slices"

	"github.com/tocsin-dev/tocsin/incident"
)

// txIncidents holds the incidents read or changed in one write transaction.
// A group commit runs many writers' functions in one transaction; during an
// alarm storm they mostly touch the same few incidents, whose records (with
// every linked alarm) are the most expensive thing intake decodes and
// encodes. So each incident is decoded at most once and encoded once, when
// the transaction is about to commit (Tx.flush). It lives and dies with its
// transaction: a rolled-back group is rerun with a new one.
type txIncidents struct {
	incs  map[incident.ID]incident.Incident
	dirty map[incident.ID]bool
}

func (c *txIncidents) get(id incident.ID) (incident.Incident, bool) {
	inc, ok := c.incs[id]
	if !ok {
		return inc, false
	}
	return clone(inc), true
}

func (c *txIncidents) put(inc incident.Incident, dirty bool) {
	if c.incs == nil {
		c.incs, c.dirty = map[incident.ID]incident.Incident{}, map[incident.ID]bool{}
	}
	c.incs[inc.ID] = clone(inc)
	if dirty {
		c.dirty[inc.ID] = true
	}
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
