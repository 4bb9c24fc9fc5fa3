package store

import (
	"encoding/json"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/tocsin-dev/tocsin/incident"
)

// migrations[v] upgrades a file from version v to v+1.
var migrations = map[uint64]func(*bolt.Tx) error{
	1: migrateV1toV2,
	2: migrateV2toV3,
}

// migrate creates a new file's buckets or upgrades an older file, one
// version at a time, in one transaction: a failed migration changes nothing.
func (db *DB) migrate() error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			return createV1(tx)
		}
		v := btoi(meta.Get(keySchema))
		if v > SchemaVersion {
			return fmt.Errorf("store schema version %d is newer than this tocsin understands (%d): upgrade tocsin", v, SchemaVersion)
		}
		for ; v < SchemaVersion; v++ {
			if err := migrations[v](tx); err != nil {
				return fmt.Errorf("migrate store from version %d: %w", v, err)
			}
			if err := tx.Bucket(bucketMeta).Put(keySchema, itob(v+1)); err != nil {
				return err
			}
		}
		return nil
	})
}

// checkSchema refuses, for a read-only open, a file this code cannot read
// as it is: read-only opens cannot migrate.
func (db *DB) checkSchema() error {
	return db.bolt.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			return errors.New("not a tocsin store (no meta bucket)")
		}
		switch v := btoi(meta.Get(keySchema)); {
		case v > SchemaVersion:
			return fmt.Errorf("store schema version %d is newer than this tocsin understands (%d): upgrade tocsin", v, SchemaVersion)
		case v < SchemaVersion:
			return fmt.Errorf("store schema version %d is older than this tocsin's (%d) and a read-only open cannot migrate it: start tocsin serve on it once", v, SchemaVersion)
		}
		return nil
	})
}

// createV1 lays out a new file at version 1 and migrates it forward, so a
// new file and an upgraded one always go through the same code.
func createV1(tx *bolt.Tx) error {
	if err := CreateV1Buckets(tx); err != nil {
		return err
	}
	for v := uint64(1); v < SchemaVersion; v++ {
		if err := migrations[v](tx); err != nil {
			return err
		}
	}
	return tx.Bucket(bucketMeta).Put(keySchema, itob(SchemaVersion))
}

// CreateV1Buckets writes the version-1 layout. Exported for the migration
// test, which builds a file as the first release wrote it.
func CreateV1Buckets(tx *bolt.Tx) error {
	for _, name := range bucketsV1 {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	return tx.Bucket(bucketMeta).Put(keySchema, itob(1))
}

// migrateV1toV2 adds the channel index and the outbox coalescing index and
// fills both from the existing records.
func migrateV1toV2(tx *bolt.Tx) error {
	chans, err := tx.CreateBucketIfNotExists(bucketChannels)
	if err != nil {
		return err
	}
	keys, err := tx.CreateBucketIfNotExists(bucketOutboxKeys)
	if err != nil {
		return err
	}
	err = tx.Bucket(bucketIncidents).ForEach(func(k, v []byte) error {
		var inc incident.Incident
		if err := json.Unmarshal(v, &inc); err != nil {
			return fmt.Errorf("decode incident %d: %w", btoi(k), err)
		}
		if inc.Channel.ID == "" {
			return nil
		}
		return chans.Put([]byte(inc.Channel.ID), k)
	})
	if err != nil {
		return err
	}
	return tx.Bucket(bucketOutbox).ForEach(func(k, v []byte) error {
		var e incident.Effect
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("decode outbox entry %d: %w", btoi(k), err)
		}
		if e.Key == "" {
			return nil
		}
		return keys.Put([]byte(e.Key), k)
	})
}

// migrateV2toV3 moves each incident's events and linked alarms into nested
// buckets of their own (see layout.go).
func migrateV2toV3(tx *bolt.Tx) error {
	if _, err := tx.CreateBucketIfNotExists(bucketAlarms); err != nil {
		return err
	}
	if err := nestEvents(tx); err != nil {
		return err
	}
	type record struct {
		k, v []byte
	}
	var recs []record
	err := tx.Bucket(bucketIncidents).ForEach(func(k, v []byte) error {
		recs = append(recs, record{append([]byte(nil), k...), append([]byte(nil), v...)})
		return nil
	})
	if err != nil {
		return err
	}
	for _, r := range recs {
		var inc incident.Incident
		if err := json.Unmarshal(r.v, &inc); err != nil {
			return fmt.Errorf("decode incident %d: %w", btoi(r.k), err)
		}
		if err := writeIncident(tx, inc, nil); err != nil {
			return err
		}
	}
	return nil
}

// nestEvents moves the flat events (id ‖ seq keys) into one nested bucket
// per incident under the same parent (the nested buckets' 8-byte names
// cannot collide with the 16-byte keys), one incident at a time so memory
// stays bounded by the longest timeline.
func nestEvents(tx *bolt.Tx) error {
	events := tx.Bucket(bucketEvents)
	from := []byte{}
	for {
		c := events.Cursor()
		k, v := c.Seek(from)
		for k != nil && len(k) != 16 { // a nested bucket already made
			k, v = c.Next()
		}
		if k == nil {
			return nil
		}
		id := btoi(k[:8])
		var seqs, vals [][]byte
		for ; k != nil && len(k) == 16 && btoi(k[:8]) == id; k, v = c.Next() {
			seqs = append(seqs, append([]byte(nil), k[8:]...))
			vals = append(vals, append([]byte(nil), v...))
		}
		for _, seq := range seqs {
			if err := events.Delete(eventKey(id, btoi(seq))); err != nil {
				return err
			}
		}
		b, err := subBucket(tx, bucketEvents, incident.ID(id), true)
		if err != nil {
			return err
		}
		for i, seq := range seqs {
			if err := b.Put(seq, vals[i]); err != nil {
				return err
			}
		}
		from = itob(id + 1)
	}
}
