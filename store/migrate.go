package store

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/tocsin-dev/tocsin/incident"
)

// migrations[v] upgrades a file from version v to v+1.
var migrations = map[uint64]func(*bolt.Tx) error{
	1: migrateV1toV2,
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
