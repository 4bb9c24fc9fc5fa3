package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/cli"
)

// storeDamages are ways a store file gets damaged, each applied to a copy
// of a real store's bytes (bbolt's pages are the OS page size).
var storeDamages = []struct {
	name   string
	damage func(data []byte, pageSize int) []byte
}{
	{"Truncated", func(data []byte, pageSize int) []byte { return data[:3*pageSize] }},
	{"PageHeaders", func(data []byte, pageSize int) []byte {
		for p := 2; p < len(data)/pageSize; p++ { // every page's id but the meta pages'
			data[p*pageSize+3] ^= 0x5A
		}
		return data
	}},
	{"MetaPages", func(data []byte, pageSize int) []byte {
		data[16+8] ^= 0x5A // the page size each meta page records, under its checksum
		data[pageSize+16+8] ^= 0x5A
		return data
	}},
}

// TestSecurity_DamagedStoreAtStart: tocsin serve on a damaged store file
// (cut short, page headers changed, meta pages broken) does not start and
// says, in one sentence and without a stack trace, that the file is
// damaged, which file, and to restore a backup and run tocsin check
// --store.
func TestSecurity_DamagedStoreAtStart(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{})
	for i := range 5 {
		s.MustAlarm(fmt.Sprintf("damage-%d", i), fmt.Sprintf("svc%d", i))
	}
	s.WaitFor("the incidents", func() bool { return len(s.Incidents()) == 5 })
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(s.Getenv("TOCSIN_DB"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range storeDamages {
		t.Run(d.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "tocsin.db")
			if err := os.WriteFile(path, d.damage(bytes.Clone(data), os.Getpagesize()), 0o600); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			var stderr bytes.Buffer
			err := cli.Run(ctx, []string{"tocsin", "serve"}, cliEnv(t, "TOCSIN_DB", path), &stderr, &stderr)
			if err == nil {
				t.Fatalf("tocsin served a damaged store")
			}
			for _, want := range []string{path + " is damaged", "restore it from a backup", "tocsin check --store"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("err = %q; want it to say %q", err, want)
				}
			}
			if out := err.Error() + stderr.String(); strings.Contains(out, "goroutine ") || strings.Contains(out, "panic") {
				t.Errorf("a stack trace or panic instead of a clear error:\n%s", out)
			}
		})
	}
}

// TestSecurity_StoreDamagedWhileServing: the store file is cut short under
// a running tocsin (a child process, so that a fatal memory fault would
// show as its exit). SNS deliveries get 503 (SNS retries), /readyz says
// not ready, the log says the file is damaged and what to do, and tocsin
// keeps running: no panic, no fault.
func TestSecurity_StoreDamagedWhileServing(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{Child: true})
	s.MustAlarm("damage-live-1", "api")
	s.WaitFor("the incident", func() bool { return len(s.Incidents()) == 1 })
	if err := os.Truncate(s.Getenv("TOCSIN_DB"), int64(3*os.Getpagesize())); err != nil {
		t.Fatal(err)
	}
	for i, svc := range []string{"api", "web", "db"} {
		if code := s.Alarm(fmt.Sprintf("damage-live-%d", i+2), svc); code != http.StatusServiceUnavailable {
			t.Errorf("SNS delivery to a damaged store: status %d, want 503", code)
		}
	}
	if code, body := s.Readyz(); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz on a damaged store: %d %q, want 503", code, body)
	}
	if code, _ := s.Get("/healthz", ""); code != http.StatusOK {
		t.Errorf("/healthz: %d; tocsin should still be running", code)
	}
	logs := s.Logs.String()
	if !strings.Contains(logs, "is damaged") || !strings.Contains(logs, "tocsin check --store") {
		t.Errorf("the log does not say the store is damaged and what to do:\n%s", tail(logs, 30))
	}
	for _, crash := range []string{"panic:", "fatal error", "goroutine "} {
		if strings.Contains(logs, crash) {
			t.Errorf("tocsin's output has %q:\n%s", crash, tail(logs, 60))
		}
	}
}
