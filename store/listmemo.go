package store

import (
	"hash/maphash"
	"sync"

	"github.com/tocsin-dev/tocsin/incident"
)

// listMemo keeps every incident the last list decoded, with a hash of the
// bytes it was decoded from, so that the next list decodes only records
// (and their alarms) that changed: reading 100,000 incidents is then hashing them, not
// decoding them (BenchmarkDB_Incidents100k). The incidents it holds are
// shared with callers, who must not change them (the incident.Tx rule).
// It costs the memory of the decoded incidents.
type listMemo struct {
	mu   sync.Mutex
	seed maphash.Seed
	incs map[incident.ID]*memoIncident
}

// memoIncident is one decoded incident, with its alarms once a list read
// them, and the hash of its record. The alarms need no hash of their own:
// they change only when events are applied, and that rewrites the record
// (its event count and last hash), so a changed alarm is a changed record.
// A memoIncident is never changed once a memo holds it.
type memoIncident struct {
	sum       uint64
	hasAlarms bool
	inc       incident.Incident
}

// snapshot returns the memo to read (never written afterwards) and its seed.
func (m *listMemo) snapshot() (map[incident.ID]*memoIncident, maphash.Seed) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.incs == nil {
		m.seed, m.incs = maphash.MakeSeed(), map[incident.ID]*memoIncident{}
	}
	return m.incs, m.seed
}

// keep makes next the memo; incidents no longer listed are forgotten.
func (m *listMemo) keep(next map[incident.ID]*memoIncident) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.incs = next
}
