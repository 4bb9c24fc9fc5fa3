package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/store"
)

// damagedCopyEnv names, in a child run of the test binary, the damaged copy
// it exercises.
const damagedCopyEnv = "TOCSIN_DAMAGED_COPY"

// buildStore writes a store of n incidents, each with events more notes,
// an idempotency key, an outbox entry and an alarm that changed, plus a
// value large enough to need overflow pages, and returns its path.
func buildStore(tb testing.TB, dir string, n, events int) string {
	tb.Helper()
	path := filepath.Join(dir, "tocsin.db")
	db, err := store.Open(path, store.Options{Now: func() time.Time { return t0 }})
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	for i := 0; i < n; i += 100 {
		err := db.Update(ctx, func(tx incident.Tx) error {
			for j := i; j < min(i+100, n); j++ {
				inc, err := tx.Open(opened(fmt.Sprintf("pb:svc%d", j), fmt.Sprintf("arn:aws:cloudwatch:us-east-1:123456789012:alarm:a%d", j)))
				if err != nil {
					return err
				}
				for range events {
					if _, err := tx.Append(inc.ID, note); err != nil {
						return err
					}
				}
				if err := tx.Remember(fmt.Sprintf("msg:%d", j), t0); err != nil {
					return err
				}
				if err := tx.Enqueue(incident.Effect{Kind: "slack.post", Incident: inc.ID, Key: fmt.Sprintf("post:%d", j)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	if err := db.Put(ctx, "certs/big", bytes.Repeat([]byte("certificate "), 2000)); err != nil {
		tb.Fatal(err)
	}
	return path
}

// damage is one way to damage a copy of a store.
type damage struct {
	kind string // flip, header or truncate
	how  string // what was done, for messages
	data []byte
}

// damageCopies makes n damaged copies of the file data, whose first used
// bytes are bbolt's pages in use, in turn: random bytes changed anywhere in
// use, bytes of page headers changed, the file cut short.
func damageCopies(r *rand.Rand, data []byte, used, pageSize, n int) []damage {
	var out []damage
	for i := range n {
		d := damage{data: bytes.Clone(data)}
		var did []string
		switch i % 3 {
		case 0:
			d.kind = "flip"
			for range 1 + r.IntN(8) {
				at := r.IntN(used)
				d.data[at] = byte(r.IntN(256))
				did = append(did, fmt.Sprint(at))
			}
		case 1:
			d.kind = "header"
			for range 1 + r.IntN(3) {
				at := r.IntN(used/pageSize)*pageSize + r.IntN(16)
				d.data[at] = byte(r.IntN(256))
				did = append(did, fmt.Sprint(at))
			}
		case 2:
			d.kind = "truncate"
			at := r.IntN(used)
			d.data = d.data[:at]
			did = append(did, fmt.Sprint(at))
		}
		d.how = fmt.Sprintf("%s at %s", d.kind, strings.Join(did, ","))
		out = append(out, d)
	}
	return out
}

// exercise opens the store at path and reads and writes what requests do.
// It returns every error, in order; Open's alone if it fails.
func exercise(path string) []error {
	db, err := store.Open(path, store.Options{Now: func() time.Time { return t0 }})
	if err != nil {
		return []error{err}
	}
	var errs []error
	keep := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	ctx := context.Background()
	incs, err := db.Incidents(ctx, false)
	keep(err)
	for _, inc := range incs {
		_, _, err := db.Timeline(ctx, inc.ID)
		keep(err)
	}
	_, err = db.Summaries(ctx)
	keep(err)
	_, err = db.OpenAlarmARNs(ctx)
	keep(err)
	_, err = db.Due(t0.Add(time.Hour), 100)
	keep(err)
	_, _, err = db.Get("certs/big")
	keep(err)
	_, err = db.Scan("certs/")
	keep(err)
	_ = db.Pending() + db.CountSeen()
	keep(db.Update(ctx, func(tx incident.Tx) error {
		inc, err := tx.Open(opened("pb:new", "arn:aws:cloudwatch:us-east-1:123456789012:alarm:new"))
		if err != nil {
			return err
		}
		_, err = tx.Append(inc.ID, note)
		return err
	}))
	keep(db.Update(ctx, func(tx incident.Tx) error {
		_, err := tx.Append(1, incident.Event{Type: incident.EventAcknowledged, Actor: "U1"})
		return err
	}))
	keep(db.Update(ctx, func(tx incident.Tx) error { return tx.Remember("msg:new", t0) }))
	keep(db.Put(ctx, "digest/last_run", []byte("now")))
	keep(db.Writable(ctx))
	keep(db.Close())
	return errs
}

// exerciseInProcess is exercise with a panic caught, faults on this
// goroutine included: any panic fails the test.
func exerciseInProcess(path string) (errs []error, panicked any) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() { panicked = recover() }()
	return exercise(path), nil
}

// TestOpen_Damaged damages copies of a real store in ~50 ways (random
// bytes, page headers, truncation) and exercises each as tocsin's requests
// would: each must work or fail with an error, never panic or crash. A
// fault on the memory map is fatal unless recovered on the goroutine that
// faulted, so a subset also runs in a child process, whose crash fails the
// test. Damage that bbolt would trip on must be refused as ErrDamaged by
// name, with the way out.
func TestOpen_Damaged(t *testing.T) {
	if path := os.Getenv(damagedCopyEnv); path != "" {
		errs := exercise(path)
		fmt.Printf("exercised: %d errors %v\n", len(errs), errs)
		return
	}
	dir := t.TempDir()
	src := buildStore(t, dir, 60, 8)
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	used, pageSize := usedSize(t, src)
	data = data[:used] // the rest is room bbolt made to grow into
	copies := damageCopies(rand.New(rand.NewPCG(4, 2026)), data, used, pageSize, 51)
	paths := make([]string, len(copies))
	for i, c := range copies {
		paths[i] = filepath.Join(dir, fmt.Sprintf("copy-%02d.db", i))
		if err := os.WriteFile(paths[i], c.data, 0o600); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("child", func(t *testing.T) {
		for i, c := range copies {
			if c.kind != "truncate" && i%4 != 1 {
				continue
			}
			path := paths[i] + ".child"
			if err := os.WriteFile(path, c.data, 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestOpen_Damaged$")
			cmd.Env = append(os.Environ(), damagedCopyEnv+"="+path)
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "exercised:") {
				t.Errorf("copy %d (%s): the child crashed (%v):\n%s", i, c.how, err, firstLines(string(out), 12))
			}
		}
	})

	t.Run("in-process", func(t *testing.T) {
		outcomes := map[string]int{}
		for i, c := range copies {
			errs, panicked := exerciseInProcess(paths[i])
			switch {
			case panicked != nil:
				outcomes["panic"]++
				t.Errorf("copy %d (%s): panic: %v", i, c.how, panicked)
			case len(errs) == 0:
				outcomes["works"]++
			case errors.Is(errs[0], store.ErrDamaged):
				outcomes["ErrDamaged"]++
				checkDamageError(t, errs[0], paths[i])
			default:
				outcomes["other error"]++
				t.Logf("copy %d (%s): %v", i, c.how, errs[0])
			}
		}
		t.Logf("outcomes of %d damaged copies: %v", len(copies), outcomes)
		if outcomes["ErrDamaged"] < len(copies)/4 {
			t.Errorf("only %d of %d damaged copies were found damaged", outcomes["ErrDamaged"], len(copies))
		}
	})
}

// checkDamageError checks that err says which file is damaged and what to
// do, in one sentence with no stack trace.
func checkDamageError(t *testing.T, err error, path string) {
	t.Helper()
	msg := err.Error()
	for _, want := range []string{path + " is damaged: ", "restore it from a backup", "tocsin check --store"} {
		if !strings.Contains(msg, want) {
			t.Errorf("damage error %q does not say %q", msg, want)
		}
	}
	if strings.Contains(msg, "goroutine") || strings.Contains(msg, "\n") {
		t.Errorf("damage error is not one line: %q", msg)
	}
}

// TestDB_DamagedWhileOpen damages the file under an open store, so that
// bbolt meets the damage in requests, not at Open: a write (the committer)
// and then reads fail with ErrDamaged (the caller answers 503), the process
// goes on, the store refuses writes from then on (so /readyz is not ready),
// and Close still returns.
func TestDB_DamagedWhileOpen(t *testing.T) {
	for _, c := range []struct {
		name   string
		damage func(f *os.File, used, pageSize int) error
	}{
		{"PageHeaders", func(f *os.File, used, pageSize int) error {
			for p := 2; p < used/pageSize; p++ { // every page but the meta pages says it is another
				if _, err := f.WriteAt([]byte{0xFF, 0xFF, 0xFF, 0xFF}, int64(p*pageSize+4)); err != nil {
					return err
				}
			}
			return nil
		}},
		{"Truncated", func(f *os.File, used, pageSize int) error { return f.Truncate(int64(2 * pageSize)) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := buildStore(t, t.TempDir(), 20, 4)
			used, pageSize := usedSize(t, path)
			db, err := store.Open(path, store.Options{Now: func() time.Time { return t0 }})
			if err != nil {
				t.Fatal(err)
			}
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.damage(f, used, pageSize); err != nil {
				t.Fatal(err)
			}
			f.Close()
			ctx := context.Background()
			err = db.Update(ctx, func(tx incident.Tx) error {
				_, err := tx.Append(2, incident.Event{Type: incident.EventAcknowledged, Actor: "U1"})
				return err
			})
			if !errors.Is(err, store.ErrDamaged) {
				t.Errorf("Update: err = %v, want ErrDamaged", err)
			} else {
				checkDamageError(t, err, path)
			}
			if _, err := db.Incidents(ctx, false); !errors.Is(err, store.ErrDamaged) {
				t.Errorf("Incidents: err = %v, want ErrDamaged", err)
			}
			if _, _, err := db.Timeline(ctx, 3); !errors.Is(err, store.ErrDamaged) {
				t.Errorf("Timeline: err = %v, want ErrDamaged", err)
			}
			if err := db.Put(ctx, "digest/last_run", []byte("now")); !errors.Is(err, store.ErrDamaged) {
				t.Errorf("a second write: err = %v, want ErrDamaged", err)
			}
			if err := db.Writable(ctx); !errors.Is(err, store.ErrDamaged) {
				t.Errorf("Writable (readyz): err = %v, want ErrDamaged: a damaged store must not be ready", err)
			}
			closed := make(chan error, 1)
			go func() { closed <- db.Close() }()
			select {
			case err := <-closed:
				t.Logf("Close: %v", err)
			case <-time.After(10 * time.Second):
				t.Fatal("Close did not return")
			}
		})
	}
}

// usedSize returns the bytes of the pages in use in a store file (bbolt's
// high-water mark) and its page size.
func usedSize(tb testing.TB, path string) (used, pageSize int) {
	tb.Helper()
	b, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		tb.Fatal(err)
	}
	defer b.Close()
	b.View(func(tx *bolt.Tx) error { used = int(tx.Size()); return nil })
	return used, b.Info().PageSize
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "\n")
}
