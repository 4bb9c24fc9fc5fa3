package store

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tocsin-dev/tocsin/incident"
)

// An idempotency key matters only while its sender may deliver again: SNS
// retries a message for about an hour, Slack a request for seconds. Kept
// for ever, the keys grow the file with every alarm, so a Sweeper forgets
// them once they are older than a retention well past any redelivery.
//
// A sweep must never stall intake, which shares the store's one writer:
//   - Expired keys are found by reading, in read transactions of at most
//     forgetScan keys that resume from a cursor. bbolt's readers never
//     block its writer, and short ones delay only briefly the remap it
//     needs when the file grows.
//   - They are deleted in write transactions of at most max keys, each
//     committed on its own (UpdateOne): no alarm's group commit carries
//     them, and each is a few milliseconds (forget_bench_test.go).
//   - The next batch is queued only after the last one committed and the
//     next scan ran, so writes that queued meanwhile commit first: intake
//     waits for at most one batch at a time.
//
// The remembered time is only in the value, so every sweep reads every
// forgettable key. A time-ordered index would make a sweep read only what
// it deletes, but would cost intake a second write per key, for ever, to
// save a background read of a few milliseconds an hour (the benchmark
// reports it as scan-ns/key): not worth it.

// forgettable are the prefixes of the keys a sweep forgets, in key order:
// SNS MessageIds (msg:) and Slack request keys (cmd:), which the dispatch
// engine remembers. Anything else in seen (digest/<due>, one a week) is
// kept.
var forgettable = [][]byte{[]byte("cmd:"), []byte("msg:")}

// slackInbox is where the app keeps a Slack command acknowledged but not yet
// run (kv inbox/slack/<key>). While it is there the command's key
// (cmd:<key>) is kept whatever its age: replaying the inbox after a long
// outage must still find the commands that had already run.
var slackInbox = []byte("inbox/slack/")

const (
	// MinRetention is the shortest retention a Sweeper accepts: SNS
	// redelivers for about an hour.
	MinRetention = 2 * time.Hour
	// DefaultForgetBatch is how many keys a Sweeper deletes per write
	// transaction unless told otherwise.
	DefaultForgetBatch = 256
	// forgetScan bounds the keys one read transaction of a sweep reads.
	forgetScan = 4096
)

// ForgetBefore forgets the SNS and Slack idempotency keys remembered before
// cutoff and returns how many it forgot. It deletes at most max keys per
// write transaction, each committed before the next is built, so other
// writes go between them. If ctx ends it stops between two transactions:
// what they deleted stays deleted. A Slack command still in the inbox keeps
// its key.
func (db *DB) ForgetBefore(ctx context.Context, cutoff time.Time, max int) (int, error) {
	if max <= 0 {
		return 0, fmt.Errorf("%w: forget at most %d keys per transaction", incident.ErrInvalid, max)
	}
	total := 0
	for _, prefix := range forgettable {
		for from := prefix; from != nil; {
			if err := ctx.Err(); err != nil {
				return total, err
			}
			doomed, next, err := db.expired(prefix, from, cutoff.UnixNano(), max)
			if err != nil {
				return total, fmt.Errorf("find idempotency keys to forget: %w", err)
			}
			if len(doomed) > 0 {
				n, err := db.forget(ctx, doomed, cutoff.UnixNano())
				total += n
				if err != nil {
					return total, fmt.Errorf("forget idempotency keys: %w", err)
				}
			}
			from = next
		}
	}
	return total, nil
}

// expired reads the keys under prefix from from on and returns those
// remembered before cutoff (at most max), and where to resume: nil once the
// prefix is done.
func (db *DB) expired(prefix, from []byte, cutoff int64, max int) (doomed [][]byte, next []byte, err error) {
	err = db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketSeen).Cursor()
		read := 0
		for k, v := c.Seek(from); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if read == forgetScan || len(doomed) == max {
				next = bytes.Clone(k)
				return nil
			}
			read++
			if rememberedBefore(v, cutoff) {
				doomed = append(doomed, bytes.Clone(k))
			}
		}
		return nil
	})
	return doomed, next, err
}

// forget deletes those of keys that are still expired and not held by the
// Slack inbox, in one write transaction of its own.
func (db *DB) forget(ctx context.Context, keys [][]byte, cutoff int64) (int, error) {
	n := 0
	err := db.UpdateOne(ctx, func(itx incident.Tx) error {
		tx := itx.(*Tx).tx
		seen, kv := tx.Bucket(bucketSeen), tx.Bucket(bucketKV)
		n = 0 // the function may run again
		for _, k := range keys {
			if !rememberedBefore(seen.Get(k), cutoff) || inInbox(kv, k) {
				continue
			}
			if err := seen.Delete(k); err != nil {
				return fmt.Errorf("delete %q: %w", k, err)
			}
			n++
		}
		return nil
	})
	return n, err
}

// rememberedBefore reports whether a seen value is a time before cutoff. A
// value that is not a time is kept: a sweep deletes only what it
// understands.
func rememberedBefore(v []byte, cutoff int64) bool {
	return len(v) == 8 && int64(btoi(v)) < cutoff
}

// inInbox reports whether a seen key is a Slack command's that the inbox
// still holds.
func inInbox(kv *bolt.Bucket, key []byte) bool {
	rest, ok := bytes.CutPrefix(key, forgettable[0])
	return ok && kv.Get(append(bytes.Clone(slackInbox), rest...)) != nil
}

// Forgetter is a store that forgets idempotency keys: *DB, and the
// PostgreSQL backend's.
type Forgetter interface {
	ForgetBefore(ctx context.Context, cutoff time.Time, max int) (int, error)
}

// Sweeper forgets expired idempotency keys in the background: at start and
// then every Every, it forgets those remembered more than Retention ago
// (DB.ForgetBefore, Batch keys per transaction).
type Sweeper struct {
	DB Forgetter
	// Retention is how long a key is remembered; at least MinRetention.
	Retention time.Duration
	// Every is the pause between two sweeps (default an hour).
	Every time.Duration
	// Batch is how many keys one write transaction deletes (default
	// DefaultForgetBatch).
	Batch int
	// Now is the clock (default time.Now): the same one that stamps the
	// keys remembered.
	Now func() time.Time
	// Logger receives a line per sweep that forgot keys or failed (nil
	// discards).
	Logger *slog.Logger
}

// Run sweeps until ctx ends, then returns nil. A sweep that fails is logged
// and tried again at the next; only a Sweeper set up wrong returns an error.
func (s *Sweeper) Run(ctx context.Context) error {
	if err := s.validate(); err != nil {
		return err
	}
	log := s.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	for {
		start := time.Now()
		n, err := s.Sweep(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			log.Warn("forget idempotency keys", "forgotten", n, "err", err)
		case n > 0:
			log.Info("forgot idempotency keys", "forgotten", n, "retention", s.Retention, "took", time.Since(start))
		}
		t := time.NewTimer(cmp.Or(s.Every, time.Hour))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// Sweep forgets, once, the keys remembered more than Retention ago and
// returns how many.
func (s *Sweeper) Sweep(ctx context.Context) (int, error) {
	if err := s.validate(); err != nil {
		return 0, err
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	return s.DB.ForgetBefore(ctx, now().Add(-s.Retention), cmp.Or(s.Batch, DefaultForgetBatch))
}

func (s *Sweeper) validate() error {
	var errs []error
	if s.DB == nil {
		errs = append(errs, errors.New("sweeper has no store"))
	}
	if s.Retention < MinRetention {
		errs = append(errs, fmt.Errorf("idempotency retention %s is shorter than %s: SNS redelivers for about an hour", s.Retention, MinRetention))
	}
	if s.Every < 0 || s.Batch < 0 {
		errs = append(errs, fmt.Errorf("sweeper every %s, batch %d: must not be negative", s.Every, s.Batch))
	}
	return errors.Join(errs...)
}
