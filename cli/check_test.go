package cli

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/app"
)

// TestCheck_ReadsConfigFile: `tocsin check` reads TOCSIN_RUNBOOKS from the
// TOCSIN_CONFIG file as serve does, so a bad runbook named only there is
// reported instead of "ok".
func TestCheck_ReadsConfigFile(t *testing.T) {
	dir := t.TempDir()
	rb := filepath.Join(dir, "runbooks")
	os.Mkdir(rb, 0o700)
	bad, err := os.ReadFile("../runbooks/testdata/check/bad-references.yaml")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(rb, "bad.yaml"), bad, 0o600)
	conf := filepath.Join(dir, "tocsin.yaml")
	os.WriteFile(conf, []byte("TOCSIN_RUNBOOKS: "+rb+"\n"), 0o600)
	getenv := func(k string) string {
		return map[string]string{"TOCSIN_CONFIG": conf, "TOCSIN_DB": filepath.Join(dir, "tocsin.db")}[k]
	}
	var out bytes.Buffer
	err = Run(context.Background(), []string{"tocsin", "check"}, getenv, &out, &out)
	if err == nil || strings.Contains(out.String(), "ok:") || !strings.Contains(out.String(), "bad.yaml") {
		t.Errorf("check with TOCSIN_RUNBOOKS in the config file: %v\n%s", err, out.String())
	}
	os.WriteFile(conf, []byte("TOCSIN_API_TOKEN:\n"), 0o600)
	out.Reset()
	err = Run(context.Background(), []string{"tocsin", "check"}, getenv, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "TOCSIN_API_TOKEN has no value") {
		t.Errorf("check with a blank secret in the config file: %v", err)
	}
}

// TestCheck_Store: check --store says a sound store is sound and names a
// damaged one, without changing either.
func TestCheck_Store(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "tocsin.db")
	s, err := app.OpenStore(context.Background(), db, time.Now, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	getenv := func(k string) string { return map[string]string{"TOCSIN_DB": db}[k] }
	var out bytes.Buffer
	if err := Run(context.Background(), []string{"tocsin", "check", "--store"}, getenv, &out, &out); err != nil || !strings.Contains(out.String(), "is sound") {
		t.Fatalf("check --store of a new store: %v\n%s", err, out.String())
	}
	b, _ := os.ReadFile(db)
	pageSize := int(binary.LittleEndian.Uint32(b[24:])) // in bbolt's first meta page
	for i := 2 * pageSize; i < len(b); i++ {            // garble every page after the two meta pages
		b[i] ^= 0x5a
	}
	os.WriteFile(db, b, 0o600)
	before, _ := os.ReadFile(db)
	out.Reset()
	err = Run(context.Background(), []string{"tocsin", "check", "--store"}, getenv, &out, &out)
	if err == nil || !strings.Contains(err.Error()+out.String(), db) {
		t.Errorf("check --store of a garbled store: %v\n%s", err, out.String())
	}
	if after, _ := os.ReadFile(db); !bytes.Equal(before, after) {
		t.Error("check --store changed the file")
	}
}

// TestCheck_Rotations: `tocsin check` reports a bad rotation naming its
// file, line, rotation and field, and fails.
func TestCheck_Rotations(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "rotations"), 0o700)
	file := filepath.Join(dir, "rotations", "web.yaml")
	os.WriteFile(file, []byte("name: web\nmembers: [alice]\nlength: daily\nhandoff: \"09:00\"\ntimezone: UTC\nstart: 2026-01-01\n"), 0o600)
	getenv := func(k string) string {
		return map[string]string{"TOCSIN_PLAYBOOKS": dir, "TOCSIN_DB": filepath.Join(dir, "tocsin.db")}[k]
	}
	var out bytes.Buffer
	err := Run(context.Background(), []string{"tocsin", "check"}, getenv, &out, &out)
	want := file + `:2: rotation "web": members[0].slack: unknown member "alice"`
	if err == nil || !strings.Contains(out.String(), want) {
		t.Errorf("check with a bad rotation: %v\n%s\nwant a line starting %s", err, out.String(), want)
	}
	os.WriteFile(file, []byte("name: web\nmembers: [U0ALICE]\nlength: daily\nhandoff: \"09:00\"\ntimezone: UTC\nstart: 2026-01-01\n"), 0o600)
	out.Reset()
	if err := Run(context.Background(), []string{"tocsin", "check"}, getenv, &out, &out); err != nil || !strings.Contains(out.String(), "ok: runbooks, playbooks, rotations") {
		t.Errorf("check with a good rotation: %v\n%s", err, out.String())
	}
}

// TestCheck_Placeholders: with Slack configured, `tocsin check` warns that
// the built-in playbooks still name placeholder ids such as S00ONCALL (it
// still passes: they are warnings); without Slack it does not mention them.
func TestCheck_Placeholders(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"TOCSIN_DB": filepath.Join(dir, "tocsin.db")}
	getenv := func(k string) string { return env[k] }
	var out bytes.Buffer
	if err := Run(context.Background(), []string{"tocsin", "check"}, getenv, &out, &out); err != nil || strings.Contains(out.String(), "placeholder") {
		t.Fatalf("check without Slack: %v\n%s", err, out.String())
	}
	env["SLACK_BOT_TOKEN"], env["SLACK_SIGNING_SECRET"] = "xoxb-check-test", "check-test-secret"
	out.Reset()
	err := Run(context.Background(), []string{"tocsin", "check"}, getenv, &out, &out)
	want := "built-in/default.yaml: warning: playbook default names placeholder Slack ids S00ONCALL"
	if err != nil || !strings.Contains(out.String(), want) {
		t.Errorf("check with Slack: %v\n%s\nwant a line with %q", err, out.String(), want)
	}
	if strings.Contains(out.String(), "xoxb-check-test") {
		t.Error("check printed the bot token")
	}
}
