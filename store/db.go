package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/tocsin-dev/tocsin/incident"
)

// ErrLocked means another process holds the database file.
var ErrLocked = errors.New("database file is in use by another process")

// Options configure Open.
type Options struct {
	// Timeout bounds the wait for the file lock (default 1 s).
	Timeout time.Duration
	// Now is the clock for timestamps the store writes (default time.Now).
	Now func() time.Time
	// ReadOnly opens the file for reading only (the CLI's offline commands).
	ReadOnly bool
}

// DB is an open tocsin store.
type DB struct {
	bolt      *boltFile // bbolt, guarded (damage.go)
	now       func() time.Time
	path      string
	queue     chan *write        // writes waiting for the committer
	stopped   chan struct{}      // closed when the committer has finished
	committed committedIncidents // the committer's cache of open incidents
	memo      listMemo           // the incidents the last list decoded (listmemo.go)
	closing   sync.Once
}

// Open opens (creating if needed) the store at path and migrates it to
// SchemaVersion. It fails with ErrLocked if another process holds the file,
// and with a *DamageError (errors.Is ErrDamaged) if the file is damaged.
func Open(path string, opts Options) (*DB, error) {
	if opts.Timeout == 0 {
		opts.Timeout = time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if err := checkOnOpen(path, opts.Timeout); err != nil {
		return nil, err
	}
	return open(path, opts)
}

// open is Open without the check of the file's structure.
func open(path string, opts Options) (*DB, error) {
	var b *bolt.DB
	// The check leaves little for bbolt to panic on here; if it still does,
	// the handle it had not returned stays open until the process ends.
	err := guard(path, func() (err error) {
		b, err = bolt.Open(path, 0o600, &bolt.Options{
			Timeout:         opts.Timeout,
			ReadOnly:        opts.ReadOnly,
			PreLoadFreelist: true, // read it here, on a guarded goroutine
			InitialMmapSize: 64 << 20,
			FreelistType:    bolt.FreelistMapType,
		})
		return err
	})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("open store %s: %w", path, ErrLocked)
	}
	if errors.Is(err, ErrDamaged) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	db := &DB{bolt: &boltFile{db: b, path: path}, now: opts.Now, path: path, queue: make(chan *write, maxGroup), stopped: make(chan struct{})}
	check := db.migrate
	if opts.ReadOnly {
		check = db.checkSchema
	}
	if err := check(); err != nil {
		db.bolt.Close()
		if errors.Is(err, ErrDamaged) {
			return nil, err
		}
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	go db.committer()
	return db, nil
}

// Close lets queued writes commit, then closes the file. Writes after Close
// fail with ErrClosed.
func (db *DB) Close() error {
	db.closing.Do(func() { close(db.queue) })
	<-db.stopped
	return db.bolt.Close()
}

// Path is the file's path.
func (db *DB) Path() string { return db.path }

// Update runs fn in a write transaction that is group-committed with the
// other writes queued at the same moment, and is on disk when Update returns
// nil. fn may run more than once (a group is rerun without a member whose
// function failed), so it must not have effects outside the transaction.
func (db *DB) Update(ctx context.Context, fn func(incident.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return db.enqueue(fn, false)
}

// UpdateOne is Update without group commit: one writer, one commit (still
// made by the committer, whose caches must see every write). The benchmark
// compares the two.
func (db *DB) UpdateOne(ctx context.Context, fn func(incident.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return db.enqueue(fn, true)
}

// View runs fn in a read-only transaction. Values it reads are copies.
func (db *DB) View(fn func(incident.Tx) error) error {
	return db.bolt.View(func(btx *bolt.Tx) error {
		return fn(&Tx{tx: btx, now: db.now})
	})
}

// Writable reports whether a write transaction can be committed now (for
// /readyz): it writes and commits a heartbeat key.
func (db *DB) Writable(ctx context.Context) error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put([]byte("heartbeat"), itob(uint64(db.now().UnixNano())))
	})
}

// Backup writes a consistent copy of the whole store to w while writers go
// on (bbolt's hot backup), and returns its size.
func (db *DB) Backup(w io.Writer) (int64, error) {
	var n int64
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("back up store: %w", err)
	}
	return n, nil
}

// BackupFile writes a hot copy to path (written beside it, then renamed, so
// a failed backup never leaves a half file under the name).
func (db *DB) BackupFile(path string) (int64, error) {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, fmt.Errorf("back up store: %w", err)
	}
	n, err := db.Backup(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return 0, fmt.Errorf("back up store to %s: %w", path, err)
	}
	return n, nil
}

// Size returns the file's size in bytes.
func (db *DB) Size() int64 {
	var n int64
	db.bolt.View(func(tx *bolt.Tx) error { n = tx.Size(); return nil })
	return n
}
