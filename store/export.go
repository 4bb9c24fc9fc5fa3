package store

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tocsin-dev/tocsin/incident"
)

// Visitor receives what Export reads from a store, one func per kind of
// record. A nil func skips its kind. An error a func returns stops Export,
// which returns it as it is. Values are the visitor's to keep.
//
// Export calls them in this order, each kind in key order: Incident for
// every incident, then the indexes (OpenKey, OpenAlarm, Channel), Seen,
// Effect, EffectKey, KV. So an index entry comes after what it points at.
type Visitor = incident.Visitor

// Export reads everything the store at path holds, and hands it to visit:
// the way to copy a store into another backend (`tocsin migrate-store`).
// It opens the file read-only, so it fails with ErrLocked while tocsin
// serve holds it (stop the server, or export a backup), and refuses a
// damaged file as Open does (ErrDamaged), or one whose schema is older
// than this code's (start tocsin serve on it once).
//
// Everything is read in one read transaction, so what visit sees is one
// consistent moment of the store, even though its funcs may do I/O (an
// importer's network writes): the file is open read-only, so no writer of
// this process waits on the transaction, and bbolt's shared lock keeps
// other processes from writing meanwhile. Export does not verify hash
// chains (Check does): whoever copies the timelines verifies the copy.
func Export(path string, visit Visitor) error {
	switch fi, err := os.Stat(path); {
	case err != nil:
		return fmt.Errorf("export store: %w", err)
	case !fi.Mode().IsRegular():
		return fmt.Errorf("export store: %s is not a file", path)
	}
	db, err := Open(path, Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return err
	}
	defer db.Close()
	return db.bolt.View(func(tx *bolt.Tx) error {
		for _, export := range []func(*bolt.Tx, Visitor) error{
			exportIncidents, exportIndexes, exportSeen, exportOutbox, exportKV,
		} {
			if err := export(tx, visit); err != nil {
				return err
			}
		}
		return nil
	})
}

// exportIncidents visits every incident, by number, with its alarms and
// its timeline.
func exportIncidents(tx *bolt.Tx, visit Visitor) error {
	if visit.Incident == nil {
		return nil
	}
	return tx.Bucket(bucketIncidents).ForEach(func(k, _ []byte) error {
		id := incident.ID(btoi(k))
		inc, err := readIncident(tx, id)
		if err != nil {
			return fmt.Errorf("export %s: %w", id, err)
		}
		evs, err := readNested[incident.Event](tx, bucketEvents, id, "event")
		if err != nil {
			return fmt.Errorf("export %s: %w", id, err)
		}
		return visit.Incident(inc, evs)
	})
}

// exportIndexes visits the indexes that point at incidents.
func exportIndexes(tx *bolt.Tx, visit Visitor) error {
	for _, ix := range []struct {
		bucket []byte
		visit  func(string, incident.ID) error
	}{
		{bucketOpenKeys, visit.OpenKey},
		{bucketOpenAlarms, visit.OpenAlarm},
		{bucketChannels, visit.Channel},
	} {
		if ix.visit == nil {
			continue
		}
		err := tx.Bucket(ix.bucket).ForEach(func(k, v []byte) error {
			return ix.visit(string(k), incident.ID(btoi(v)))
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// exportSeen visits the idempotency keys.
func exportSeen(tx *bolt.Tx, visit Visitor) error {
	if visit.Seen == nil {
		return nil
	}
	return tx.Bucket(bucketSeen).ForEach(func(k, v []byte) error {
		return visit.Seen(string(k), time.Unix(0, int64(btoi(v))).UTC())
	})
}

// exportOutbox visits the outbox's effects, by id, then its coalescing
// keys.
func exportOutbox(tx *bolt.Tx, visit Visitor) error {
	if visit.Effect != nil {
		err := tx.Bucket(bucketOutbox).ForEach(func(k, v []byte) error {
			var e incident.Effect
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("export: decode outbox entry %d: %w", btoi(k), err)
			}
			e.ID = btoi(k) // the key is the id, as Enqueue assigned it
			return visit.Effect(e)
		})
		if err != nil {
			return err
		}
	}
	if visit.EffectKey == nil {
		return nil
	}
	return tx.Bucket(bucketOutboxKeys).ForEach(func(k, v []byte) error {
		return visit.EffectKey(string(k), btoi(v))
	})
}

// exportKV visits the key-value area, each value a copy.
func exportKV(tx *bolt.Tx, visit Visitor) error {
	if visit.KV == nil {
		return nil
	}
	return tx.Bucket(bucketKV).ForEach(func(k, v []byte) error {
		return visit.KV(string(k), append([]byte{}, v...))
	})
}
