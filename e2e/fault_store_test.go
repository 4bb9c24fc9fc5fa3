package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/cli"
	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/store"
)

// TestFault_DiskFull: no file can grow (RLIMIT_FSIZE 0 in the child, so
// every bbolt commit fails). SNS gets 503 — never a 4xx, which SNS would
// not retry — and /readyz says the store is not writable. When the disk has
// room again tocsin recovers in place; after a restart the redeliveries are
// stored exactly once.
func TestFault_DiskFull(t *testing.T) {
	t.Parallel()
	s := Start(t, faultOptions(faultOpts{}))
	s.MustAlarm("fdisk-1", "api")
	s.WaitHeader(1)

	s.Signal(syscall.SIGUSR1) // disk full
	s.WaitFor("/readyz to report the store", func() bool {
		code, body := s.Readyz()
		return code == http.StatusServiceUnavailable && strings.Contains(body, "not writable")
	})
	for _, m := range []struct{ id, service string }{{"fdisk-2", "web"}, {"fdisk-3", "db"}, {"fdisk-1", "api"}} {
		code := s.Alarm(m.id, m.service)
		if code < 500 {
			t.Errorf("SNS message %s with the disk full: status %d, want 5xx", m.id, code)
		}
	}
	if n := len(s.Incidents()); n != 1 {
		t.Errorf("incidents = %d with the disk full, want the 1 from before", n)
	}
	ch, _ := s.ChannelOf(1)
	// The command cannot even be recorded in the inbox: it is refused at
	// once, saying nothing was done (not "Working on it…").
	if _, answer := s.SlashAnswer(faultOnCall, ch.ID, "ack", s.NewReply("slash")); !strings.Contains(answer, "nothing was done") {
		t.Errorf("/incident ack with the disk full was answered %q; want a refusal saying nothing was done", answer)
	}
	if inc := s.Incidents()[0]; !inc.AcknowledgedAt.IsZero() {
		t.Errorf("acknowledged although nothing could be written: %+v", inc)
	}

	s.Signal(syscall.SIGUSR2) // room again
	s.WaitFor("/readyz to recover", func() bool { code, _ := s.Readyz(); return code == 200 })
	s.MustAlarm("fdisk-2", "web")
	s.WaitHeader(2)

	s.Restart()
	for _, id := range []struct{ id, service string }{{"fdisk-1", "api"}, {"fdisk-2", "web"}, {"fdisk-3", "db"}} {
		s.MustAlarm(id.id, id.service)
	}
	s.WaitHeader(3)
	if n := len(s.Incidents()); n != 3 {
		t.Errorf("incidents = %d, want 3", n)
	}
	checkNoDuplicates(t, s, "fdisk-1", "fdisk-2", "fdisk-3")
}

// TestFault_NoSyncNeverSet: bbolt's guarantee that a committed write
// survives a power cut holds only with fsync; no production source may turn
// it off (NoSync, NoGrowSync) or skip the freelist's consistency (the
// store's doc says so; this keeps it true).
func TestFault_NoSyncNeverSet(t *testing.T) {
	t.Parallel()
	set := regexp.MustCompile(`\b(NoSync|NoGrowSync)\s*(:|=)`)
	const root = ".." // the module: this test runs in e2e/
	scanned := map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		scanned[filepath.Base(filepath.Dir(path))] = true
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(src), "\n") {
			if set.MatchString(line) && !strings.HasPrefix(strings.TrimSpace(line), "//") {
				t.Errorf("%s:%d sets bbolt's %s: %s", path, i+1, set.FindStringSubmatch(line)[1], strings.TrimSpace(line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !scanned["store"] || !scanned["app"] {
		t.Errorf("the production sources were not all read (packages seen: %v)", scanned)
	}
}

// TestFault_BackupDuringWrites: `tocsin backup` taken while alarms pour in
// gives files that open, hold whole transactions and whose every timeline
// verifies; restoring one (stop, copy it over TOCSIN_DB, start) serves it,
// and SNS's redeliveries are taken once on top of it.
func TestFault_BackupDuringWrites(t *testing.T) {
	t.Parallel()
	s := Start(t, faultOptions(faultOpts{}))
	getenv := func(k string) string {
		return map[string]string{"TOCSIN_ADDR": s.Getenv("TOCSIN_ADDR"), "TOCSIN_API_TOKEN": APIToken, "TOCSIN_DB": s.Getenv("TOCSIN_DB")}[k]
	}
	var ids []string
	for i := range 40 {
		ids = append(ids, fmt.Sprintf("fbackup-%d", i))
	}
	service := func(i int) string { return fmt.Sprintf("svc%d", i%7) }
	storm := make(chan error, 1)
	go func() {
		for i, id := range ids {
			for range 2 { // with redeliveries
				if code := s.Alarm(id, service(i)); code != 200 {
					storm <- fmt.Errorf("%s: status %d", id, code)
					return
				}
			}
		}
		storm <- nil
	}()
	dir := t.TempDir()
	var backups []string
	for i := range 3 {
		file := filepath.Join(dir, fmt.Sprintf("backup-%d.db", i))
		var out, errOut bytes.Buffer
		if err := cli.Run(context.Background(), []string{"tocsin", "backup", file}, getenv, &out, &errOut); err != nil {
			t.Fatalf("tocsin backup: %v\n%s", err, errOut.String())
		}
		if !strings.Contains(out.String(), "from the running server") {
			t.Errorf("backup did not come from the running server: %q %q", out.String(), errOut.String())
		}
		backups = append(backups, file)
		time.Sleep(100 * time.Millisecond)
	}
	if err := <-storm; err != nil {
		t.Fatal(err)
	}
	for _, file := range backups {
		n := verifyBackup(t, file)
		t.Logf("%s: %d alarm events", filepath.Base(file), n)
	}

	// Restore the last backup, as RELIABILITY.md says: stop, copy, start.
	s.Stop()
	if !strings.Contains(s.Logs.String(), "shutting down") {
		t.Errorf("tocsin did not shut down cleanly")
	}
	last, err := os.ReadFile(backups[len(backups)-1])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.Getenv("TOCSIN_DB"), last, 0o600); err != nil {
		t.Fatal(err)
	}
	s.Start()
	for i, id := range ids { // SNS redelivers what it has not had a 200 for; here, everything
		s.MustAlarm(id, service(i))
	}
	checkNoDuplicates(t, s, ids...)
}

// verifyBackup opens a backup read-only, checks every timeline, and returns
// how many alarm events it holds.
func verifyBackup(t *testing.T, file string) int {
	t.Helper()
	db, err := store.Open(file, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("open backup %s: %v", file, err)
	}
	defer db.Close()
	incs, err := db.Incidents(context.Background(), false)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	n := 0
	for _, inc := range incs {
		_, evs, err := db.Timeline(context.Background(), inc.ID)
		if err != nil {
			t.Fatalf("%s: %s: %v", file, inc.ID, err)
		}
		if err := incident.Verify(evs); err != nil {
			t.Errorf("%s: %s's timeline does not verify: %v", file, inc.ID, err)
		}
		if len(evs) != inc.Events {
			t.Errorf("%s: %s has %d events, its record says %d", file, inc.ID, len(evs), inc.Events)
		}
		for _, e := range evs {
			if e.Datum("message_id") != "" {
				n++
			}
		}
	}
	return n
}
