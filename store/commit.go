package store

import (
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/tocsin-dev/tocsin/incident"
)

// ErrClosed is returned by writes after Close.
var ErrClosed = errors.New("store is closed")

// maxGroup bounds how many writers one commit serves.
const maxGroup = 2000

// write is one caller's transaction function waiting for a group commit.
type write struct {
	fn    func(incident.Tx) error
	done  chan error
	alone bool // commit this write by itself (UpdateOne)
}

// committer is the store's one writer: it takes every write queued, runs
// them in one transaction, commits once (one fsync pair for all of them),
// then answers each. Nothing waits for more writers to arrive, so a lone
// write commits at once; under load the queue fills while a commit runs and
// the next commit takes it all. A function that fails rolls the group back;
// the others are run again in a new transaction (so functions may run more
// than once and must not have effects outside it).
func (db *DB) committer() {
	defer close(db.stopped)
	var next *write // taken from the queue but wanting a commit of its own
	for {
		w := next
		if w == nil {
			var ok bool
			if w, ok = <-db.queue; !ok {
				return
			}
		}
		group := []*write{w}
		next = nil
	fill:
		for len(group) < maxGroup && !w.alone {
			select {
			case w, ok := <-db.queue:
				if !ok {
					break fill
				}
				if w.alone {
					next = w
					break fill
				}
				group = append(group, w)
			default:
				break fill
			}
		}
		db.commitGroup(group)
	}
}

// errMember marks the rollback of a group caused by one member's function.
var errMember = errors.New("a member of the group failed")

func (db *DB) commitGroup(group []*write) {
	for len(group) > 0 {
		failed, ferr := -1, error(nil)
		incs := &txIncidents{committed: &db.committed}
		err := db.bolt.Update(func(btx *bolt.Tx) error {
			t := &Tx{tx: btx, now: db.now, incs: incs}
			for i, w := range group {
				if err := w.fn(t); err != nil {
					failed, ferr = i, err
					return errMember
				}
			}
			return t.flush()
		})
		switch {
		case err == nil:
			db.committed.learn(incs)
			for _, w := range group {
				w.done <- nil
			}
			return
		case errors.Is(err, errMember) && failed >= 0:
			group[failed].done <- ferr
			group = append(group[:failed], group[failed+1:]...)
		default: // the commit itself failed (disk full): nobody's write happened
			for _, w := range group {
				w.done <- err
			}
			return
		}
	}
}

// flush encodes the incidents the transaction changed, once each.
func (t *Tx) flush() error {
	if t.incs == nil {
		return nil
	}
	for id := range t.incs.dirty {
		if err := writeIncident(t.tx, t.incs.incs[id], t.incs.base[id]); err != nil {
			return err
		}
	}
	return nil
}

// enqueue hands fn to the committer and waits for its commit.
func (db *DB) enqueue(fn func(incident.Tx) error, alone bool) (err error) {
	w := &write{fn: fn, done: make(chan error, 1), alone: alone}
	defer func() {
		if recover() != nil { // the queue was closed by Close
			err = fmt.Errorf("write: %w", ErrClosed)
		}
	}()
	db.queue <- w
	return <-w.done
}
