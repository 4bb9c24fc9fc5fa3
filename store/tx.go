package store

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/tocsin-dev/tocsin/incident"
)

// Tx is a store transaction; it implements incident.Tx.
type Tx struct {
	tx   *bolt.Tx
	now  func() time.Time
	incs *txIncidents // write transactions: incidents read and changed
}

// Now is the store's clock, for callers that stamp records in a transaction.
func (t *Tx) Now() time.Time { return t.now() }

// Incident returns an incident's current state.
func (t *Tx) Incident(id incident.ID) (incident.Incident, error) {
	if t.incs != nil {
		if inc, ok := t.incs.get(id); ok {
			return inc, nil
		}
	}
	inc, err := readIncident(t.tx, id)
	if err != nil {
		return inc, err
	}
	if t.incs != nil {
		t.incs.put(inc, inc.Alarms, false)
	}
	return inc, nil
}

// Events returns an incident's timeline in order.
func (t *Tx) Events(id incident.ID) ([]incident.Event, error) {
	return readNested[incident.Event](t.tx, bucketEvents, id, "event")
}

// Open creates an incident from its first event and assigns its id.
func (t *Tx) Open(first incident.Event) (incident.Incident, error) {
	if first.Type != incident.EventOpened {
		return incident.Incident{}, fmt.Errorf("%w: an incident must start with an %q event, not %q", incident.ErrInvalid, incident.EventOpened, first.Type)
	}
	seq, err := t.tx.Bucket(bucketIncidents).NextSequence()
	if err != nil {
		return incident.Incident{}, fmt.Errorf("allocate incident id: %w", err)
	}
	var inc incident.Incident
	return t.apply(&inc, incident.ID(seq), []incident.Event{first})
}

// Append chains and applies events to an existing incident.
func (t *Tx) Append(id incident.ID, events ...incident.Event) (incident.Incident, error) {
	inc, err := t.Incident(id)
	if err != nil {
		return inc, err
	}
	if len(events) == 0 {
		return inc, nil
	}
	return t.apply(&inc, id, events)
}

func (t *Tx) apply(inc *incident.Incident, id incident.ID, events []incident.Event) (incident.Incident, error) {
	b, err := subBucket(t.tx, bucketEvents, id, true)
	if err != nil {
		return *inc, err
	}
	wasOpen, hadEvents, hadAlarms, hadChannel := inc.Open(), inc.Events > 0, len(inc.Alarms), inc.Channel.ID
	*inc = inc.Clone() // the original may be shared with the caches and callers
	for _, e := range events {
		if e.At.IsZero() {
			e.At = t.now()
		}
		e.Chain(id, inc.Events, inc.LastHash)
		if err := inc.Apply(e); err != nil {
			return *inc, fmt.Errorf("append event to %s: %w", id, err)
		}
		v, err := json.Marshal(e)
		if err != nil {
			return *inc, fmt.Errorf("encode event of %s: %w", id, err)
		}
		if err := b.Put(itob(uint64(e.Seq)), v); err != nil {
			return *inc, fmt.Errorf("append event to %s: %w", id, err)
		}
	}
	if err := t.putIncident(*inc); err != nil {
		return *inc, err
	}
	if hadEvents && wasOpen == inc.Open() {
		// Still open (or still closed): only what was added needs indexing,
		// so an incident with a thousand alarms does not re-check them all.
		return *inc, t.reindexAdded(*inc, hadAlarms, hadChannel)
	}
	return *inc, t.reindex(*inc)
}

// reindexAdded indexes a channel and alarms that an append added to an
// incident whose openness did not change.
func (t *Tx) reindexAdded(inc incident.Incident, hadAlarms int, hadChannel string) error {
	id := itob(uint64(inc.ID))
	if inc.Channel.ID != "" && inc.Channel.ID != hadChannel {
		if err := t.tx.Bucket(bucketChannels).Put([]byte(inc.Channel.ID), id); err != nil {
			return err
		}
	}
	if !inc.Open() {
		return nil
	}
	alarms := t.tx.Bucket(bucketOpenAlarms)
	for _, a := range inc.Alarms[hadAlarms:] {
		if a.ARN != "" && alarms.Get([]byte(a.ARN)) == nil {
			if err := alarms.Put([]byte(a.ARN), id); err != nil {
				return fmt.Errorf("index %s: %w", inc.ID, err)
			}
		}
	}
	return nil
}

// putIncident records an incident's new state: in a write transaction it is
// encoded once, at flush, however many events were appended to it.
func (t *Tx) putIncident(inc incident.Incident) error {
	if t.incs == nil {
		return fmt.Errorf("write %s: %w", inc.ID, bolterrors.ErrTxNotWritable)
	}
	t.incs.put(inc, nil, true)
	return nil
}

// reindex keeps open_keys, open_alarms and channels in step with the
// incident: an open incident claims its group key and alarms (unless another
// open incident already holds them); a resolved or closed one lets them go.
func (t *Tx) reindex(inc incident.Incident) error {
	id := itob(uint64(inc.ID))
	if inc.Channel.ID != "" {
		if err := t.tx.Bucket(bucketChannels).Put([]byte(inc.Channel.ID), id); err != nil {
			return err
		}
	}
	keys, alarms := t.tx.Bucket(bucketOpenKeys), t.tx.Bucket(bucketOpenAlarms)
	index := []struct {
		b *bolt.Bucket
		k string
	}{{keys, inc.GroupKey}}
	for _, a := range inc.Alarms {
		index = append(index, struct {
			b *bolt.Bucket
			k string
		}{alarms, a.ARN})
	}
	for _, ix := range index {
		if ix.k == "" {
			continue
		}
		cur := ix.b.Get([]byte(ix.k))
		var err error
		switch {
		case inc.Open() && cur == nil:
			err = ix.b.Put([]byte(ix.k), id)
		case !inc.Open() && btoi(cur) == uint64(inc.ID):
			err = ix.b.Delete([]byte(ix.k))
		}
		if err != nil {
			return fmt.Errorf("index %s: %w", inc.ID, err)
		}
	}
	return nil
}

// OpenByKey finds the open incident with a group key.
func (t *Tx) OpenByKey(groupKey string) (incident.ID, bool, error) {
	return t.lookup(bucketOpenKeys, groupKey)
}

// CountOpenKeys counts the open incidents whose group key starts with
// prefix, stopping at limit.
func (t *Tx) CountOpenKeys(prefix string, limit int) (int, error) {
	n := 0
	c := t.tx.Bucket(bucketOpenKeys).Cursor()
	for k, _ := c.Seek([]byte(prefix)); k != nil && n < limit && strings.HasPrefix(string(k), prefix); k, _ = c.Next() {
		n++
	}
	return n, nil
}

// OpenByAlarm finds the open incident an alarm is linked to.
func (t *Tx) OpenByAlarm(arn string) (incident.ID, bool, error) {
	return t.lookup(bucketOpenAlarms, arn)
}

// ByChannel finds the incident that owns a Slack channel.
func (t *Tx) ByChannel(channelID string) (incident.ID, bool, error) {
	return t.lookup(bucketChannels, channelID)
}

func (t *Tx) lookup(bucket []byte, key string) (incident.ID, bool, error) {
	if key == "" {
		return 0, false, nil
	}
	v := t.tx.Bucket(bucket).Get([]byte(key))
	if v == nil {
		return 0, false, nil
	}
	return incident.ID(btoi(v)), true, nil
}

// Seen reports whether an idempotency key was recorded.
func (t *Tx) Seen(key string) (bool, error) {
	return t.tx.Bucket(bucketSeen).Get([]byte(key)) != nil, nil
}

// Remember records an idempotency key.
func (t *Tx) Remember(key string, at time.Time) error {
	if key == "" {
		return fmt.Errorf("%w: empty idempotency key", incident.ErrInvalid)
	}
	return t.tx.Bucket(bucketSeen).Put([]byte(key), itob(uint64(at.UnixNano())))
}
