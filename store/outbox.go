package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tocsin-dev/tocsin/incident"
)

// Enqueue adds an effect to the outbox; a pending effect with the same Key
// makes it a no-op (coalescing).
func (t *Tx) Enqueue(e incident.Effect) error {
	keys := t.tx.Bucket(bucketOutboxKeys)
	if e.Key != "" && keys.Get([]byte(e.Key)) != nil {
		return nil
	}
	b := t.tx.Bucket(bucketOutbox)
	id, err := b.NextSequence()
	if err != nil {
		return fmt.Errorf("enqueue %s: %w", e.Kind, err)
	}
	e.ID = id
	if e.CreatedAt.IsZero() {
		e.CreatedAt = t.now()
	}
	if err := putEffect(b, e); err != nil {
		return err
	}
	if e.Key != "" {
		return keys.Put([]byte(e.Key), itob(id))
	}
	return nil
}

// Cancel deletes an incident's pending effects of one kind.
func (t *Tx) Cancel(id incident.ID, kind incident.EffectKind) (int, error) {
	var doomed []incident.Effect
	err := t.tx.Bucket(bucketOutbox).ForEach(func(k, v []byte) error {
		var e incident.Effect
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("decode outbox entry %d: %w", btoi(k), err)
		}
		if e.Incident == id && e.Kind == kind {
			doomed = append(doomed, e)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, e := range doomed {
		if err := t.Complete(e.ID); err != nil {
			return 0, err
		}
	}
	return len(doomed), nil
}

// Complete removes an effect (performed, cancelled or given up).
func (t *Tx) Complete(effectID uint64) error {
	b := t.tx.Bucket(bucketOutbox)
	v := b.Get(itob(effectID))
	if v == nil {
		return nil
	}
	var e incident.Effect
	if err := json.Unmarshal(v, &e); err != nil {
		return fmt.Errorf("decode outbox entry %d: %w", effectID, err)
	}
	if e.Key != "" {
		keys := t.tx.Bucket(bucketOutboxKeys)
		if btoi(keys.Get([]byte(e.Key))) == effectID {
			if err := keys.Delete([]byte(e.Key)); err != nil {
				return err
			}
		}
	}
	return b.Delete(itob(effectID))
}

func putEffect(b *bolt.Bucket, e incident.Effect) error {
	v, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode effect %s: %w", e.Kind, err)
	}
	return b.Put(itob(e.ID), v)
}

// Unkey frees an effect's coalescing key as the worker starts performing it:
// changes committed from then on must enqueue a new effect, because the one
// in flight may already have read the old state.
func (db *DB) Unkey(ctx context.Context, effectID uint64) error {
	return db.Update(ctx, func(itx incident.Tx) error {
		tx := itx.(*Tx).tx
		v := tx.Bucket(bucketOutbox).Get(itob(effectID))
		if v == nil {
			return nil
		}
		var e incident.Effect
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("decode outbox entry %d: %w", effectID, err)
		}
		keys := tx.Bucket(bucketOutboxKeys)
		if e.Key == "" || btoi(keys.Get([]byte(e.Key))) != effectID {
			return nil
		}
		return keys.Delete([]byte(e.Key))
	})
}

// Due returns up to limit effects whose time has come, oldest first. An
// ordered effect is due only when no earlier ordered effect of its incident
// is still in the outbox (deferred or in flight).
func (db *DB) Due(now time.Time, limit int) ([]incident.Effect, error) {
	var out []incident.Effect
	err := db.bolt.View(func(tx *bolt.Tx) error {
		blocked := map[incident.ID]bool{}
		c := tx.Bucket(bucketOutbox).Cursor()
		for k, v := c.First(); k != nil && len(out) < limit; k, v = c.Next() {
			var e incident.Effect
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("decode outbox entry %d: %w", btoi(k), err)
			}
			if e.Ordered {
				if blocked[e.Incident] {
					continue
				}
				blocked[e.Incident] = true
			}
			if !e.NotBefore.After(now) {
				out = append(out, e)
			}
		}
		return nil
	})
	return out, err
}

// Pending returns the number of effects in the outbox.
func (db *DB) Pending() int {
	n := 0
	db.bolt.View(func(tx *bolt.Tx) error { n = tx.Bucket(bucketOutbox).Stats().KeyN; return nil })
	return n
}

// Retry records a failed attempt and when to try again.
func (db *DB) Retry(ctx context.Context, effectID uint64, notBefore time.Time, errText string) error {
	return db.Update(ctx, func(itx incident.Tx) error {
		b := itx.(*Tx).tx.Bucket(bucketOutbox)
		v := b.Get(itob(effectID))
		if v == nil {
			return nil // completed or cancelled meanwhile
		}
		var e incident.Effect
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("decode outbox entry %d: %w", effectID, err)
		}
		if e.Key != "" {
			// The worker freed the key when it started (Unkey). A deferred
			// effect takes it back, so later changes coalesce into it again;
			// if a newer effect took the key meanwhile, that one renders the
			// newest state and this one is dropped.
			keys := itx.(*Tx).tx.Bucket(bucketOutboxKeys)
			switch holder := keys.Get([]byte(e.Key)); {
			case holder == nil:
				if err := keys.Put([]byte(e.Key), itob(effectID)); err != nil {
					return err
				}
			case btoi(holder) != effectID:
				return b.Delete(itob(effectID))
			}
		}
		e.Attempts++
		e.NotBefore, e.LastError = notBefore, errText
		return putEffect(b, e)
	})
}
