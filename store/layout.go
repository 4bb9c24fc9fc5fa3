package store

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/tocsin-dev/tocsin/incident"
)

// Since schema v3 an incident's timeline and its linked alarms live in
// nested buckets of their own (events/<id>, alarms/<id>), and the incident
// record holds neither. Two reasons, both measured by bench/storm:
//   - An alarm that changes rewrites its own ~200-byte entry, not a record
//     that grows with every alarm linked (25 KB at 100 alarms), so the work
//     per alarm no longer grows with the incident.
//   - Each incident appends to its own bucket in key order, so bbolt packs
//     the pages full. With one flat bucket keyed id ‖ seq, ten incidents
//     appending at once split pages in the middle and left them half empty.

// subBucket returns the nested bucket of an incident under parent, creating
// it when create is set (write transactions); nil if it does not exist.
func subBucket(tx *bolt.Tx, parent []byte, id incident.ID, create bool) (*bolt.Bucket, error) {
	p := tx.Bucket(parent)
	if !create {
		return p.Bucket(itob(uint64(id))), nil
	}
	b, err := p.CreateBucketIfNotExists(itob(uint64(id)))
	if err != nil {
		return nil, fmt.Errorf("%s bucket of %s: %w", parent, id, err)
	}
	b.FillPercent = 1.0 // appended in key order: pack pages full
	return b, nil
}

// readIncident decodes an incident record and the alarms linked to it.
func readIncident(tx *bolt.Tx, id incident.ID) (incident.Incident, error) {
	var inc incident.Incident
	v := tx.Bucket(bucketIncidents).Get(itob(uint64(id)))
	if v == nil {
		return inc, fmt.Errorf("incident %s: %w", id, incident.ErrNotFound)
	}
	if err := json.Unmarshal(v, &inc); err != nil {
		return inc, fmt.Errorf("decode incident %s: %w", id, err)
	}
	var err error
	inc.Alarms, err = readAlarms(tx, id)
	return inc, err
}

// readAlarms returns the alarms linked to an incident in the order they
// joined.
func readAlarms(tx *bolt.Tx, id incident.ID) ([]incident.LinkedAlarm, error) {
	return readNested[incident.LinkedAlarm](tx, bucketAlarms, id, "alarm")
}

// readNested decodes every entry of an incident's nested bucket under
// parent, in key order; what names an entry in errors.
func readNested[T any](tx *bolt.Tx, parent []byte, id incident.ID, what string) ([]T, error) {
	b, _ := subBucket(tx, parent, id, false)
	if b == nil {
		return nil, nil
	}
	var out []T
	err := b.ForEach(func(k, v []byte) error {
		var x T
		if err := json.Unmarshal(v, &x); err != nil {
			return fmt.Errorf("decode %s %d of %s: %w", what, btoi(k), id, err)
		}
		out = append(out, x)
		return nil
	})
	return out, err
}

// writeIncident writes an incident's record and those of its linked alarms
// that differ from base (the alarms as they are in the file).
func writeIncident(tx *bolt.Tx, inc incident.Incident, base []incident.LinkedAlarm) error {
	alarms := inc.Alarms
	inc.Alarms = nil
	v, err := json.Marshal(inc)
	if err != nil {
		return fmt.Errorf("encode incident %s: %w", inc.ID, err)
	}
	if err := tx.Bucket(bucketIncidents).Put(itob(uint64(inc.ID)), v); err != nil {
		return fmt.Errorf("write incident %s: %w", inc.ID, err)
	}
	var b *bolt.Bucket
	for i, a := range alarms {
		if i < len(base) && a == base[i] {
			continue
		}
		if b == nil {
			if b, err = subBucket(tx, bucketAlarms, inc.ID, true); err != nil {
				return err
			}
		}
		v, err := json.Marshal(a)
		if err != nil {
			return fmt.Errorf("encode alarm of %s: %w", inc.ID, err)
		}
		if err := b.Put(itob(uint64(i)), v); err != nil {
			return fmt.Errorf("write alarm of %s: %w", inc.ID, err)
		}
	}
	return nil
}
