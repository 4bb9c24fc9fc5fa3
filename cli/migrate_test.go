package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/pgstore"
	"github.com/tocsin-dev/tocsin/pgstore/pgtest"
	"github.com/tocsin-dev/tocsin/store"
)

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// migrateEvent is an event of the store the migration tests copy.
func migrateEvent(typ incident.EventType, min int, data ...string) incident.Event {
	e := incident.Event{Type: typ, At: t0.Add(time.Duration(min) * time.Minute), Actor: "U1", Data: map[string]string{}}
	for i := 0; i+1 < len(data); i += 2 {
		e.Data[data[i]] = data[i+1]
	}
	return e
}

// alarmOpened is the first event of an incident opened by an alarm.
func alarmOpened(key, arn string) incident.Event {
	return migrateEvent(incident.EventOpened, 0, "title", "api 5xx", "severity", "SEV2", "service", "api",
		"group_key", key, "source", "alarm", "alarm_arn", arn, "alarm_name", arn, "state", "ALARM",
		"changed_at", incident.FormatTime(t0))
}

// buildStore writes a bbolt store through store's own API: INC-1 open and
// acknowledged with two alarms and a channel, INC-2 resolved, INC-3 open
// with the group key and alarm INC-2 let go; effects pending (one
// deferred, one retried, one in flight, one blocked behind an ordered
// one), idempotency keys and the key-value area. It returns the file's
// path, closed.
func buildStore(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tocsin.db")
	db, err := store.Open(path, store.Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(db.Update(ctx, func(tx incident.Tx) error {
		api, err := tx.Open(alarmOpened("svc:api", "arn:a"))
		if err != nil {
			return err
		}
		_, err = tx.Append(api.ID, migrateEvent(incident.EventAlarm, 1, "alarm_arn", "arn:b", "alarm_name", "b", "state", "ALARM", "changed_at", incident.FormatTime(t0)),
			migrateEvent(incident.EventChannel, 2, "channel_id", "C1", "channel_name", "inc-1-api-5xx"),
			migrateEvent(incident.EventAcknowledged, 3),
			incident.Event{Type: incident.EventNote, At: t0.Add(4 * time.Minute), Actor: "U1", Text: "rolling back"})
		return err
	}))
	must(db.Update(ctx, func(tx incident.Tx) error {
		dbi, err := tx.Open(alarmOpened("svc:db", "arn:d"))
		if err == nil {
			_, err = tx.Append(dbi.ID, migrateEvent(incident.EventAcknowledged, 5), migrateEvent(incident.EventResolved, 60))
		}
		if err == nil {
			_, err = tx.Open(alarmOpened("svc:db", "arn:d"))
		}
		return err
	}))
	must(db.Update(ctx, func(tx incident.Tx) error {
		return errors.Join(
			tx.Enqueue(incident.Effect{Kind: "slack.header", Incident: 1, Key: "header:1", Ordered: true, NotBefore: t0.Add(time.Hour)}),
			tx.Enqueue(incident.Effect{Kind: "slack.post", Incident: 1, Ordered: true, Data: map[string]string{"text": "hello"}}),
			tx.Enqueue(incident.Effect{Kind: "escalate", Incident: 3, Key: "esc:3", NotBefore: t0.Add(10 * time.Minute), Data: map[string]string{"step": "1"}}),
			tx.Enqueue(incident.Effect{Kind: "slack.rename", Incident: 3, Key: "rename:3"}),
			tx.Remember("msg:1", t0), tx.Remember("cmd:T1", t0.Add(time.Second)), tx.Remember("digest/2026-11-02", t0))
	}))
	must(db.Retry(ctx, 3, t0.Add(20*time.Minute), "rate limited"))
	must(db.Unkey(ctx, 4)) // in flight
	must(db.PutCert("https://sns.example/cert.pem", []byte("PEM")))
	must(db.SaveReview(ctx, 1, "# INC-1 review"))
	must(db.Put(ctx, "digest/last_run", []byte("2026-11-02T09:00:00Z")))
	must(db.Put(ctx, "inbox/slack/T7", []byte(`{"text":"ack"}`)))
	return path
}

// contents is what a store holds, read through its API.
type contents struct {
	Incidents []incident.Incident
	Timelines map[incident.ID][]incident.Event
	Due       [][]incident.Effect // at t0, t0+15m, t0+2h
	Indexes   map[string]incident.ID
	Seen      map[string]bool
	KV        map[string][]byte
}

// reader is what contents needs of either store.
type reader interface {
	Incidents(ctx context.Context, openOnly bool) ([]incident.Incident, error)
	Timeline(ctx context.Context, id incident.ID) (incident.Incident, []incident.Event, error)
	Due(now time.Time, limit int) ([]incident.Effect, error)
	View(fn func(incident.Tx) error) error
	Scan(prefix string) (map[string][]byte, error)
}

func read(t *testing.T, db reader) contents {
	t.Helper()
	ctx := context.Background()
	c := contents{Timelines: map[incident.ID][]incident.Event{}, Indexes: map[string]incident.ID{}, Seen: map[string]bool{}}
	var err error
	if c.Incidents, err = db.Incidents(ctx, false); err != nil {
		t.Fatal(err)
	}
	for _, inc := range c.Incidents {
		if _, c.Timelines[inc.ID], err = db.Timeline(ctx, inc.ID); err != nil {
			t.Fatal(err)
		}
	}
	for _, at := range []time.Time{t0, t0.Add(15 * time.Minute), t0.Add(2 * time.Hour)} {
		due, err := db.Due(at, 100)
		if err != nil {
			t.Fatal(err)
		}
		c.Due = append(c.Due, due)
	}
	err = db.View(func(tx incident.Tx) error {
		for _, k := range []string{"svc:api", "svc:db", "arn:a", "arn:b", "arn:d", "C1"} {
			for kind, lookup := range map[string]func(string) (incident.ID, bool, error){"key": tx.OpenByKey, "alarm": tx.OpenByAlarm, "channel": tx.ByChannel} {
				if id, ok, err := lookup(k); err != nil {
					return err
				} else if ok {
					c.Indexes[kind+" "+k] = id
				}
			}
		}
		for _, k := range []string{"msg:1", "cmd:T1", "digest/2026-11-02", "msg:2"} {
			if c.Seen[k], err = tx.Seen(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.KV, err = db.Scan(""); err != nil {
		t.Fatal(err)
	}
	return c
}

func readFile(t *testing.T, path string) contents {
	t.Helper()
	db, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return read(t, db)
}

// pgURL is a fresh schema of the test server, its URL with a password
// (the server trusts local connections, so any will do) that the command
// must never show.
func pgURL(t *testing.T) string {
	t.Helper()
	u := pgtest.FreshSchema(t)
	withPassword := strings.Replace(u, "postgres://postgres@", "postgres://postgres:"+migratePassword+"@", 1)
	if withPassword == u {
		t.Fatalf("TOCSIN_TEST_POSTGRES does not have the form postgres://postgres@…: %s", u)
	}
	return withPassword
}

const migratePassword = "pg-secret-9c41d2"

func migrate(getenv map[string]string, args ...string) (string, error) {
	var out bytes.Buffer
	err := Run(context.Background(), append([]string{"tocsin", "migrate-store"}, args...),
		func(k string) string { return getenv[k] }, &out, &out)
	return out.String(), err
}

// TestMigrateStore copies a bbolt store into an empty database: pgstore
// then reads the same incidents under the same numbers, the same
// timelines (whose chains verify), the same effects due at the same
// times, the same indexes, idempotency keys and key-value entries. A
// second copy into the now non-empty database is refused and changes
// nothing, as is a copy of a file tocsin serve holds; the file is never
// changed.
func TestMigrateStore(t *testing.T) {
	t.Parallel()
	dbURL := pgURL(t) // skips first without a server
	path := buildStore(t)
	want := readFile(t, path)
	serving, err := store.Open(path, store.Options{}) // as tocsin serve holds it
	if err != nil {
		t.Fatal(err)
	}
	out, err := migrate(nil, "--from", path, "--to", dbURL)
	if err == nil || !strings.Contains(err.Error(), "in use by a running tocsin") {
		t.Errorf("migrate-store of a store in use: %v\n%s", err, out)
	}
	serving.Close()
	file, _ := os.ReadFile(path)
	out, err = migrate(nil, "--from", path, "--to", dbURL)
	if err != nil {
		t.Fatalf("migrate-store: %v\n%s", err, out)
	}
	for _, line := range []string{"3 incidents (9 events, 4 linked alarms, 1 channels), 4 outbox effects, 3 idempotency keys, 4 key-value entries",
		"verified: 3 timelines' hash chains"} {
		if !strings.Contains(out, line) {
			t.Errorf("the output does not say %q:\n%s", line, out)
		}
	}
	db, err := pgstore.Open(context.Background(), dbURL, pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got := read(t, db)
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("PostgreSQL after the migration (-bbolt +postgres):\n%s", diff)
	}
	for id, evs := range got.Timelines {
		if err := incident.Verify(evs); err != nil {
			t.Errorf("timeline of %s: %v", id, err)
		}
	}

	out, err = migrate(map[string]string{"TOCSIN_DB": path}, "--to", dbURL) // --from from TOCSIN_DB
	if err == nil || !strings.Contains(err.Error(), "not empty") || !strings.Contains(err.Error(), "incidents (3)") {
		t.Errorf("a second migrate-store into the same database: %v\n%s", err, out)
	}
	if diff := cmp.Diff(want, read(t, db), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("the refused migration changed the database (-before +after):\n%s", diff)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(file, after) {
		t.Error("migrate-store changed the bbolt file")
	}
	if strings.Contains(out+errText(err), migratePassword) {
		t.Error("migrate-store showed the database's password")
	}
}

// TestMigrateStore_Tampered: a bbolt timeline with an event whose hash
// was changed in the file is not copied: the command fails naming the
// incident, and the database stays empty.
func TestMigrateStore_Tampered(t *testing.T) {
	t.Parallel()
	dbURL := pgURL(t) // skips first without a server
	path := buildStore(t)
	evs := readFile(t, path).Timelines[2]
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	field := []byte(`"hash":"` + evs[1].Hash + `"`) // event 2 of INC-2, wherever bbolt wrote it
	flipped := []byte(`"hash":"` + strings.Repeat("0", len(evs[1].Hash)) + `"`)
	if !bytes.Contains(b, field) {
		t.Fatal("the event's hash is not in the file as JSON")
	}
	if err := os.WriteFile(path, bytes.ReplaceAll(b, field, flipped), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := migrate(nil, "--from", path, "--to", dbURL)
	if err == nil || !strings.Contains(err.Error(), "INC-2") || !strings.Contains(err.Error(), "nothing was copied") {
		t.Errorf("migrate-store of a tampered timeline: %v\n%s", err, out)
	}
	if strings.Contains(errText(err), "\n") {
		t.Errorf("the error is more than one line: %q", err)
	}
	db, err := pgstore.Open(context.Background(), dbURL, pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if incs, err := db.Incidents(context.Background(), false); err != nil || len(incs) != 0 || db.Pending() != 0 {
		t.Errorf("after the refused migration: %d incidents, %d effects (%v); want none", len(incs), db.Pending(), err)
	}
}

// TestMigrateStore_Args: each wrong invocation is one line that says what
// to give, and never repeats a password, even when --to is not a URL
// tocsin takes or its server cannot be reached.
func TestMigrateStore_Args(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "tocsin.db")
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	const secret = "hunter2-5b7e"
	unreachable := "postgres://tocsin:" + secret + "@127.0.0.1:1/tocsin?connect_timeout=2"
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"NoTo", nil, []string{"--from", path}, "--to URL is required"},
		{"ToNotPostgres", nil, []string{"--from", path, "--to", "mysql://tocsin:" + secret + "@db/tocsin"}, "--to must be a postgres:// or postgresql:// URL"},
		{"NoFrom", nil, []string{"--to", unreachable}, "--from FILE is required"},
		{"TOCSIN_DBIsAURL", map[string]string{"TOCSIN_DB": unreachable}, []string{"--to", unreachable}, "--from FILE is required"},
		{"FromAURL", nil, []string{"--from", unreachable, "--to", unreachable}, "--from must be a bbolt store file"},
		{"FromMissing", nil, []string{"--from", path + ".absent", "--to", unreachable}, "no such file or directory"},
		{"Positional", nil, []string{"--to", unreachable, path}, "unexpected argument"},
		{"Unreachable", nil, []string{"--from", path, "--to", unreachable}, "migrate-store: --to: open store"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := migrate(tc.env, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("migrate-store %s: %v, want %q\n%s", strings.Join(tc.args, " "), err, tc.want, out)
			}
			if strings.Contains(out+errText(err), secret) || strings.Contains(errText(err), "\n") {
				t.Errorf("the password shows, or the error is not one line: %q\n%s", err, out)
			}
		})
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
