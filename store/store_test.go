package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	bolt "go.etcd.io/bbolt"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/store"
	"github.com/tocsin-dev/tocsin/store/storetest"
)

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// MustOpenDB opens a store in a temp dir and checks the file's consistency
// when the test ends.
// mustOpenIncident opens an incident with the given group key and alarm.
func mustOpenIncident(tb testing.TB, db *store.DB, key, arn string) incident.ID {
	tb.Helper()
	return storetest.OpenIncident(tb, db, key, arn).ID
}

func MustOpenDB(tb testing.TB) (*store.DB, string) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "tocsin.db")
	db, err := store.Open(path, store.Options{Now: func() time.Time { return t0 }})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		db.Close()
		checkFile(tb, path)
	})
	return db, path
}

func checkFile(tb testing.TB, path string) {
	tb.Helper()
	b, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		tb.Fatalf("reopen for check: %v", err)
	}
	defer b.Close()
	b.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			tb.Errorf("consistency: %v", err)
		}
		return nil
	})
}

// opened is the first event of an incident opened by an alarm at t0.
var opened = storetest.Opened

func TestDB_OpenAppendReopen(t *testing.T) {
	db, path := MustOpenDB(t)
	ctx := context.Background()
	var id incident.ID
	err := db.Update(ctx, func(tx incident.Tx) error {
		inc, err := tx.Open(opened("g1", "arn:a"))
		id = inc.ID
		if err != nil {
			return err
		}
		_, err = tx.Append(id,
			incident.Event{Type: incident.EventAcknowledged, At: t0.Add(time.Minute), Actor: "U1"},
			incident.Event{Type: incident.EventNote, At: t0.Add(2 * time.Minute), Actor: "U1", Text: "looking"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	inc1, evs1, err := db.Timeline(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	db2, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	inc2, evs2, err := db2.Timeline(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(inc1, inc2); diff != "" {
		t.Errorf("incident after reopen (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(evs1, evs2); diff != "" {
		t.Errorf("timeline after reopen (-before +after):\n%s", diff)
	}
	replayed, err := incident.Replay(evs2)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(inc2, replayed); diff != "" {
		t.Errorf("stored state differs from its replayed timeline (-stored +replayed):\n%s", diff)
	}
	if len(evs2) != 3 || evs2[2].Text != "looking" || inc2.Status != incident.StatusAcknowledged {
		t.Errorf("got %d events, status %s", len(evs2), inc2.Status)
	}
}

func TestDB_Indexes(t *testing.T) {
	db, _ := MustOpenDB(t)
	ctx := context.Background()
	id := mustOpenIncident(t, db, "g1", "arn:a")
	find := func() (byKey, byAlarm bool) {
		db.View(func(tx incident.Tx) error {
			_, byKey, _ = tx.OpenByKey("g1")
			_, byAlarm, _ = tx.OpenByAlarm("arn:a")
			return nil
		})
		return
	}
	if k, a := find(); !k || !a {
		t.Fatalf("open incident not indexed: key %v alarm %v", k, a)
	}
	err := db.Update(ctx, func(tx incident.Tx) error {
		_, err := tx.Append(id, incident.Event{Type: incident.EventResolved, Actor: "U1"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if k, a := find(); k || a {
		t.Errorf("resolved incident still indexed: key %v alarm %v", k, a)
	}
	if _, err := db.Incident(ctx, 99); !errors.Is(err, incident.ErrNotFound) {
		t.Errorf("Incident(99) err = %v, want ErrNotFound", err)
	}
}

func TestDB_ConcurrentWriters(t *testing.T) {
	db, _ := MustOpenDB(t)
	ctx := context.Background()
	id := mustOpenIncident(t, db, "g", "arn:a")
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				key := fmt.Sprintf("msg-%d-%d", w, i)
				err := db.Update(ctx, func(tx incident.Tx) error {
					if seen, _ := tx.Seen(key); seen {
						return nil
					}
					if err := tx.Remember(key, t0); err != nil {
						return err
					}
					_, err := tx.Append(id, incident.Event{Type: incident.EventNote, Actor: "w", Text: key})
					return err
				})
				if err != nil {
					t.Error(err)
				}
			}
		}(w)
	}
	wg.Wait()
	_, evs, _ := db.Timeline(ctx, id)
	if len(evs) != 1+16*25 {
		t.Errorf("events = %d, want %d", len(evs), 1+16*25)
	}
	if err := incident.Verify(evs); err != nil {
		t.Error(err)
	}
}

func TestOpen_Locked(t *testing.T) {
	_, path := MustOpenDB(t)
	_, err := store.Open(path, store.Options{Timeout: 50 * time.Millisecond})
	if !errors.Is(err, store.ErrLocked) {
		t.Errorf("second open err = %v, want ErrLocked", err)
	}
}

func TestOpen_Migrate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v1.db")
	b, _ := bolt.Open(path, 0o600, nil)
	err := b.Update(func(tx *bolt.Tx) error { // a file as version 1 wrote it
		if err := store.CreateV1Buckets(tx); err != nil {
			return err
		}
		inc := `{"id":3,"title":"old","status":"acknowledged","channel":{"id":"C0OLD"}}`
		tx.Bucket([]byte("incidents")).Put([]byte{0, 0, 0, 0, 0, 0, 0, 3}, []byte(inc))
		eff := `{"id":1,"kind":"slack.update","incident":3,"key":"update:3"}`
		return tx.Bucket([]byte("outbox")).Put([]byte{0, 0, 0, 0, 0, 0, 0, 1}, []byte(eff))
	})
	b.Close()
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if id, ok, _ := db.ByChannel(context.Background(), "C0OLD"); !ok || id != 3 {
		t.Errorf("channel index after migration: %v %v", id, ok)
	}
	db.Update(context.Background(), func(tx incident.Tx) error {
		return tx.Enqueue(incident.Effect{Kind: "slack.update", Incident: 3, Key: "update:3"})
	})
	if db.Pending() != 1 {
		t.Errorf("pending = %d: the migrated key index did not coalesce", db.Pending())
	}
}

// TestDB_SIGKILL re-executes the test binary as a child that writes and
// reports each committed write, kills it with SIGKILL mid-stream, and checks
// that every write it reported survived.
func TestDB_SIGKILL(t *testing.T) {
	if path := os.Getenv("TOCSIN_STORE_CHILD"); path != "" {
		childWriter(path)
		return
	}
	path := filepath.Join(t.TempDir(), "kill.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestDB_SIGKILL$")
	cmd.Env = append(os.Environ(), "TOCSIN_STORE_CHILD="+path)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := readAcks(t, out, 200)
	cmd.Process.Kill() // SIGKILL: no deferred close, no flush
	cmd.Wait()
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range acked {
		var seen bool
		db.View(func(tx incident.Tx) error { seen, _ = tx.Seen(k); return nil })
		if !seen {
			t.Fatalf("write %s was acknowledged before the kill but is gone", k)
		}
	}
	db.Close()
	checkFile(t, path)
}

func childWriter(path string) {
	db, err := store.Open(path, store.Options{})
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	for i := 0; ; i++ {
		k := "k" + strconv.Itoa(i)
		if err := db.Update(context.Background(), func(tx incident.Tx) error { return tx.Remember(k, t0) }); err != nil {
			os.Exit(1)
		}
		fmt.Println(k) // acknowledged only after the commit returned
	}
}

func TestDB_KVScanDelete(t *testing.T) {
	db, _ := MustOpenDB(t)
	ctx := context.Background()
	for _, k := range []string{"inbox/a", "inbox/b", "inboy/c", "certs/x"} {
		if err := db.Put(ctx, k, []byte(k)); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Delete(ctx, "inbox/a"); err != nil {
		t.Fatal(err)
	}
	if err := db.Delete(ctx, "inbox/absent"); err != nil {
		t.Errorf("deleting an absent key: %v", err)
	}
	got, err := db.Scan("inbox/")
	if err != nil || len(got) != 1 || string(got["inbox/b"]) != "inbox/b" {
		t.Errorf("Scan(inbox/) = %v, %v; want only inbox/b", got, err)
	}
}
