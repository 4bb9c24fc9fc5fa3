package store

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/maphash"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tocsin-dev/tocsin/incident"
)

// Incident returns one incident's current state.
func (db *DB) Incident(ctx context.Context, id incident.ID) (incident.Incident, error) {
	var inc incident.Incident
	err := db.View(func(tx incident.Tx) error {
		var err error
		inc, err = tx.Incident(id)
		return err
	})
	return inc, err
}

// Timeline returns one incident with its events.
func (db *DB) Timeline(ctx context.Context, id incident.ID) (incident.Incident, []incident.Event, error) {
	var inc incident.Incident
	var evs []incident.Event
	err := db.View(func(tx incident.Tx) error {
		var err error
		if inc, err = tx.Incident(id); err != nil {
			return err
		}
		evs, err = tx.Events(id)
		return err
	})
	return inc, evs, err
}

// Incidents returns every incident, newest first, optionally only the open
// ones. Decoding 100,000 incidents takes a few hundred milliseconds; the
// metrics benchmark measures it.
func (db *DB) Incidents(ctx context.Context, openOnly bool) ([]incident.Incident, error) {
	return db.list(openOnly, true)
}

// Summaries is Incidents without the linked alarms (Alarms is nil), for the
// metrics, which never look at them: a Prometheus scrape during an alarm
// storm then decodes one small record per incident, not every alarm.
func (db *DB) Summaries(ctx context.Context) ([]incident.Incident, error) {
	return db.list(false, false)
}

func (db *DB) list(openOnly, alarms bool) ([]incident.Incident, error) {
	memo, seed := db.memo.snapshot()
	out := make([]incident.Incident, 0, len(memo))
	next := make(map[incident.ID]*memoIncident, len(memo))
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketIncidents).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			id := incident.ID(btoi(k))
			m, err := memoized(memo[id], seed, id, v)
			if err != nil {
				return err
			}
			if !openOnly || m.inc.Open() {
				if alarms {
					if m, err = withAlarms(tx, m, id); err != nil {
						return err
					}
				}
				inc := m.inc
				if !alarms {
					inc.Alarms = nil
				}
				out = append(out, inc)
			}
			next[id] = m
		}
		return nil
	})
	if err == nil {
		db.memo.keep(next)
	}
	return out, err
}

// memoized returns m when it was decoded from the record v, else v decoded.
func memoized(m *memoIncident, seed maphash.Seed, id incident.ID, v []byte) (*memoIncident, error) {
	sum := maphash.Bytes(seed, v)
	if m != nil && m.sum == sum {
		return m, nil
	}
	m = &memoIncident{sum: sum}
	if err := json.Unmarshal(v, &m.inc); err != nil {
		return nil, fmt.Errorf("decode incident %d: %w", id, err)
	}
	m.inc.Alarms = nil
	return m, nil
}

// withAlarms returns m with the incident's alarms: m itself when they were
// read already (since the record was last decoded, see memoIncident).
func withAlarms(tx *bolt.Tx, m *memoIncident, id incident.ID) (*memoIncident, error) {
	if m.hasAlarms {
		return m, nil
	}
	alarms, err := readAlarms(tx, id)
	if err != nil {
		return nil, err
	}
	n := *m
	n.inc.Alarms, n.hasAlarms = alarms, true
	return &n, nil
}

// ByChannel finds the incident that owns a Slack channel.
func (db *DB) ByChannel(ctx context.Context, channelID string) (incident.ID, bool, error) {
	var id incident.ID
	var ok bool
	err := db.View(func(tx incident.Tx) error {
		var err error
		id, ok, err = tx.(*Tx).ByChannel(channelID)
		return err
	})
	return id, ok, err
}

// OpenAlarmARNs lists the alarms linked to open incidents (for the
// reconciler).
func (db *DB) OpenAlarmARNs(ctx context.Context) ([]string, error) {
	var out []string
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketOpenAlarms).ForEach(func(k, _ []byte) error {
			out = append(out, string(k))
			return nil
		})
	})
	return out, err
}

// Get reads a value from the key-value area; ok is false when absent.
func (db *DB) Get(key string) (value []byte, ok bool, err error) {
	err = db.bolt.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketKV).Get([]byte(key)); v != nil {
			value, ok = append([]byte(nil), v...), true
		}
		return nil
	})
	return value, ok, err
}

// Put writes a value to the key-value area, durably.
func (db *DB) Put(ctx context.Context, key string, value []byte) error {
	return db.Update(ctx, func(tx incident.Tx) error {
		return tx.(*Tx).tx.Bucket(bucketKV).Put([]byte(key), value)
	})
}

// Delete removes a key from the key-value area, durably; an absent key is
// not an error.
func (db *DB) Delete(ctx context.Context, key string) error {
	return db.Update(ctx, func(tx incident.Tx) error {
		return tx.(*Tx).tx.Bucket(bucketKV).Delete([]byte(key))
	})
}

// Scan returns the key-value entries whose keys start with prefix, by key.
func (db *DB) Scan(prefix string) (map[string][]byte, error) {
	out := map[string][]byte{}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketKV).Cursor()
		for k, v := c.Seek([]byte(prefix)); k != nil && strings.HasPrefix(string(k), prefix); k, v = c.Next() {
			out[string(k)] = append([]byte(nil), v...)
		}
		return nil
	})
	return out, err
}

// GetCert and PutCert cache SNS signing certificates by URL.
func (db *DB) GetCert(url string) ([]byte, bool, error) { return db.Get("certs/" + url) }

// PutCert stores a verified certificate under its URL.
func (db *DB) PutCert(url string, pem []byte) error {
	return db.Put(context.Background(), "certs/"+url, pem)
}

// Forget deletes idempotency keys recorded before cutoff and returns how
// many. SNS stops retrying after an hour, so keys older than a few days can
// go.
func (db *DB) Forget(ctx context.Context, cutoff time.Time) (int, error) {
	n := 0
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSeen)
		var doomed [][]byte
		b.ForEach(func(k, v []byte) error {
			if int64(btoi(v)) < cutoff.UnixNano() {
				doomed = append(doomed, append([]byte(nil), k...))
			}
			return nil
		})
		for _, k := range doomed {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		n = len(doomed)
		return nil
	})
	return n, err
}

// CountSeen returns the number of idempotency keys (for the benchmark's
// correctness check).
func (db *DB) CountSeen() int {
	n := 0
	db.bolt.View(func(tx *bolt.Tx) error { n = tx.Bucket(bucketSeen).Stats().KeyN; return nil })
	return n
}

// SavedReview returns the review people edited and saved for an incident.
func (db *DB) SavedReview(ctx context.Context, id incident.ID) (string, bool, error) {
	v, ok, err := db.Get(fmt.Sprintf("review/%d", id))
	return string(v), ok, err
}

// SaveReview keeps an edited review; regenerating the draft merges with it.
func (db *DB) SaveReview(ctx context.Context, id incident.ID, markdown string) error {
	return db.Put(ctx, fmt.Sprintf("review/%d", id), []byte(markdown))
}
