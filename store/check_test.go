package store_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/store"
)

// TestCheck: Check finds nothing wrong with a sound store, and for a
// damaged or tampered one lists what is wrong, without changing the file.
func TestCheck(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(t *testing.T, path string)
		want   string // in one of the problems; "" for none
	}{
		{"Sound", func(*testing.T, string) {}, ""},
		{"EventChanged", func(t *testing.T, path string) {
			rewriteEvent(t, path, 3, 2, func(e *incident.Event) { e.Text = "nothing to see here" })
		}, "timeline of INC-3: " + incident.ErrTampered.Error() + ": event 2 was changed after it was written"},
		{"EventRemoved", func(t *testing.T, path string) {
			rawUpdate(t, path, func(tx *bolt.Tx) error {
				return tx.Bucket([]byte("events")).Bucket(key(4)).Delete(key(3))
			})
		}, "timeline of INC-4: " + incident.ErrTampered.Error()},
		{"LastEventsRemoved", func(t *testing.T, path string) {
			rawUpdate(t, path, func(tx *bolt.Tx) error {
				return tx.Bucket([]byte("events")).Bucket(key(5)).Delete(key(5))
			})
		}, "timeline of INC-5: 4 events, but the incident's record says 5"},
		{"RecordUndecodable", func(t *testing.T, path string) {
			rawUpdate(t, path, func(tx *bolt.Tx) error { return tx.Bucket([]byte("incidents")).Put(key(6), []byte("{")) })
		}, "decode incident INC-6"},
		{"PageHeaders", damageHeaders, "says it is page"},
		{"Truncated", func(t *testing.T, path string) {
			used, _ := usedSize(t, path)
			if err := os.Truncate(path, int64(used/2)); err != nil {
				t.Fatal(err)
			}
		}, "(truncated?)"},
		{"MetaPages", func(t *testing.T, path string) {
			_, pageSize := usedSize(t, path)
			writeAt(t, path, 20, []byte{0xEE})
			writeAt(t, path, int64(pageSize)+20, []byte{0xEE})
		}, "neither meta page is valid"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := buildStore(t, t.TempDir(), 8, 4)
			c.change(t, path)
			before, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			problems, err := store.Check(path)
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			switch {
			case c.want == "" && len(problems) > 0:
				t.Errorf("problems in a sound store: %q", problems)
			case c.want != "" && !containsProblem(problems, c.want):
				t.Errorf("problems = %q; want one saying %q", problems, c.want)
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
				t.Errorf("Check changed the file")
			}
		})
	}
	t.Run("ErrLocked", func(t *testing.T) {
		db, path := MustOpenDB(t)
		_ = db
		if _, err := store.Check(path); !errors.Is(err, store.ErrLocked) {
			t.Errorf("Check of a store tocsin serve holds: err = %v, want ErrLocked", err)
		}
	})
	t.Run("NoFile", func(t *testing.T) {
		if _, err := store.Check(filepath.Join(t.TempDir(), "absent.db")); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("err = %v, want fs.ErrNotExist", err)
		}
	})
}

// TestOpen_DamagedIsOneSentence: Open refuses a damaged file with
// ErrDamaged in a sentence naming it and the way out, and Check lists the
// same problem.
func TestOpen_DamagedIsOneSentence(t *testing.T) {
	path := buildStore(t, t.TempDir(), 8, 4)
	damageHeaders(t, path)
	_, err := store.Open(path, store.Options{})
	if !errors.Is(err, store.ErrDamaged) {
		t.Fatalf("Open: err = %v, want ErrDamaged", err)
	}
	checkDamageError(t, err, path)
	var d *store.DamageError
	if !errors.As(err, &d) || d.Path != path {
		t.Fatalf("Open: err = %#v, want a *DamageError for %s", err, path)
	}
	problems, err := store.Check(path)
	if err != nil || !containsProblem(problems, d.What) {
		t.Errorf("Check = %q, %v; want the problem Open found, %q", problems, err, d.What)
	}
}

func containsProblem(problems []string, want string) bool {
	for _, p := range problems {
		if strings.Contains(p, want) {
			return true
		}
	}
	return false
}

func key(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

// rawUpdate changes a store file through bbolt, past the store's rules.
func rawUpdate(t *testing.T, path string, fn func(*bolt.Tx) error) {
	t.Helper()
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Update(fn); err != nil {
		t.Fatal(err)
	}
}

// rewriteEvent changes event seq of incident id in place (layout.go:
// events/<id>/<seq>).
func rewriteEvent(t *testing.T, path string, id, seq uint64, change func(*incident.Event)) {
	t.Helper()
	rawUpdate(t, path, func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("events")).Bucket(key(id))
		var e incident.Event
		if err := json.Unmarshal(b.Get(key(seq)), &e); err != nil {
			return err
		}
		change(&e)
		v, err := json.Marshal(e)
		if err != nil {
			return err
		}
		return b.Put(key(seq), v)
	})
}

// damageHeaders changes the id in the header of every page in use but the
// meta pages.
func damageHeaders(t *testing.T, path string) {
	t.Helper()
	used, pageSize := usedSize(t, path)
	for p := 2; p < used/pageSize; p++ {
		writeAt(t, path, int64(p*pageSize+2), []byte{0xEE})
	}
}

func writeAt(t *testing.T, path string, off int64, p []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(p, off); err != nil {
		t.Fatal(err)
	}
}
