package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/tocsin-dev/tocsin/incident"
)

// Open checks the whole page structure of a file before bbolt maps it for
// writing (checkOnOpen): the store's own walk (pages.go), then bbolt's
// Tx.Check. On a store of 10,000 incidents of 21 events (190 MB, in the
// page cache) the two take about 0.2 s (0.1 s the walk, 0.07 s bbolt's
// check; BenchmarkOpen_Check), which every start can afford, and damage
// anywhere in the tree is found before a request can meet it. Verifying
// every timeline's hash chain takes about 2 s at that size, so only Check
// does it.

// maxCheckProblems bounds the problems Check lists.
const maxCheckProblems = 100

// Check reads the store at path without changing it (bbolt opens it
// read-only) and returns every problem it finds, none for a sound store:
// the page structure, bbolt's consistency check, then each incident's
// record, linked alarms and timeline, whose hash chain must verify and end
// where the record says. err is for a store it could not check at all: no
// such file, ErrLocked while tocsin serve holds it (check a backup, or stop
// the server), or a schema this tocsin does not read.
func Check(path string) (problems []string, err error) {
	switch fi, err := os.Stat(path); {
	case err != nil:
		return nil, fmt.Errorf("check store: %w", err)
	case !fi.Mode().IsRegular():
		return nil, fmt.Errorf("check store: %s is not a file", path)
	}
	problems, err = inspect(path, time.Second)
	if err != nil || len(problems) > 0 {
		return problems, err
	}
	db, err := open(path, Options{ReadOnly: true, Timeout: time.Second, Now: time.Now})
	if err != nil {
		var d *DamageError
		if errors.As(err, &d) {
			return []string{d.What}, nil
		}
		return nil, err
	}
	defer db.Close()
	err = db.bolt.View(func(tx *bolt.Tx) error {
		problems = checkRecords(tx)
		return nil
	})
	var d *DamageError
	if errors.As(err, &d) {
		return append(problems, d.What), nil
	}
	return problems, err
}

// checkOnOpen refuses a damaged file with a *DamageError. A new (absent or
// empty) file has nothing to check.
func checkOnOpen(path string, timeout time.Duration) error {
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 || !fi.Mode().IsRegular() {
		return nil // Open creates it, or reports why it cannot
	}
	problems, err := inspect(path, timeout)
	if err != nil || len(problems) == 0 {
		return err
	}
	return &DamageError{Path: path, What: problems[0], More: len(problems) - 1}
}

// inspect finds what is wrong with the structure of the bbolt file at path,
// holding bbolt's shared lock so that no writer changes it meanwhile. It
// walks the pages itself first and runs bbolt's Tx.Check only on a file
// that walk found sound (see pages.go for why).
func inspect(path string, timeout time.Duration) ([]string, error) {
	b, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: timeout})
	switch {
	case errors.Is(err, bolterrors.ErrTimeout):
		return nil, fmt.Errorf("open store %s: %w", path, ErrLocked)
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, fs.ErrPermission):
		return nil, fmt.Errorf("open store %s: %w", path, err)
	case err != nil: // bbolt refused the file itself: find out why
		problems, werr := walkPages(path)
		if werr != nil || len(problems) == 0 {
			return []string{err.Error()}, nil
		}
		return problems, nil
	}
	defer b.Close()
	problems, err := walkPages(path)
	if err != nil || len(problems) > 0 {
		return problems, err
	}
	err = guard(path, func() error {
		return b.View(func(tx *bolt.Tx) error {
			for err := range tx.Check() {
				if len(problems) < maxCheckProblems {
					problems = append(problems, err.Error())
				}
			}
			return nil
		})
	})
	var d *DamageError
	if errors.As(err, &d) {
		return append(problems, d.What), nil
	}
	return problems, err
}

// checkRecords decodes every incident, its linked alarms and its timeline,
// verifies the timeline's hash chain and that it ends where the record
// says, and decodes every outbox entry.
func checkRecords(tx *bolt.Tx) []string {
	var problems []string
	add := func(format string, args ...any) {
		if len(problems) < maxCheckProblems {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}
	for _, name := range [][]byte{bucketMeta, bucketIncidents, bucketEvents, bucketAlarms, bucketOpenKeys,
		bucketOpenAlarms, bucketChannels, bucketSeen, bucketOutbox, bucketOutboxKeys, bucketKV} {
		if tx.Bucket(name) == nil {
			add("bucket %s is missing", name)
		}
	}
	if len(problems) > 0 {
		return problems
	}
	tx.Bucket(bucketIncidents).ForEach(func(k, v []byte) error {
		id := incident.ID(btoi(k))
		var inc incident.Incident
		if err := json.Unmarshal(v, &inc); err != nil {
			add("decode incident %s: %v", id, err)
			return nil
		}
		if _, err := readAlarms(tx, id); err != nil {
			add("%v", err)
		}
		evs, err := readNested[incident.Event](tx, bucketEvents, id, "event")
		if err == nil {
			err = incident.Verify(evs)
		}
		switch {
		case err != nil:
			add("timeline of %s: %v", id, err)
		case len(evs) != inc.Events:
			add("timeline of %s: %d events, but the incident's record says %d", id, len(evs), inc.Events)
		case len(evs) > 0 && evs[len(evs)-1].Hash != inc.LastHash:
			add("timeline of %s: its last event is not the one the incident's record names", id)
		}
		return nil
	})
	tx.Bucket(bucketOutbox).ForEach(func(k, v []byte) error {
		var e incident.Effect
		if err := json.Unmarshal(v, &e); err != nil {
			add("decode outbox entry %d: %v", btoi(k), err)
		}
		return nil
	})
	return problems
}
