package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tocsin-dev/tocsin/pgstore/pgtest"
)

// TestStorm_Small runs the whole benchmark on a small storm, so that CI
// keeps it working: build, sign, send, drain, check, report. It asserts
// what the benchmark itself checks and no timing (timings belong in
// BENCHMARKS.md, not in tests).
func TestStorm_Small(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs tocsin as a child")
	}
	r := runSmall(t)
	if r.Store.Backend != "bbolt" || r.Store.UsedBytes <= 0 {
		t.Errorf("store = %+v; want a bbolt file with used bytes", r.Store)
	}
}

// TestStorm_SmallPostgres is TestStorm_Small with -db: tocsin on
// PostgreSQL (TOCSIN_TEST_POSTGRES; skipped without it, failing under CI),
// in a schema of its own that storm drops at the end.
func TestStorm_SmallPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs tocsin as a child")
	}
	admin := pgtest.AdminURL(t)
	r := runSmall(t, "-db", admin)
	s := r.Store
	if s.Backend != "postgresql" || !strings.HasPrefix(s.Schema, "tocsin_storm_") || s.TableBytes["events"] <= 0 ||
		s.RelationBytes < s.TableBytes["events"] || s.PerEventRelations <= 0 {
		t.Errorf("store = %+v; want the schema's tables measured", s)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var left bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", s.Schema).Scan(&left); err != nil || left {
		t.Errorf("schema %s still exists after the run (%v)", s.Schema, err)
	}
}

// runSmall runs a storm of 400 notifications (with extra flags) and checks
// what every backend must give.
func runSmall(t *testing.T, extra ...string) Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var out, log bytes.Buffer
	args := append([]string{"-n", "400", "-alarms", "40", "-services", "2", "-duration", "1s",
		"-quiet", "1s", "-standby", "1", "-forged", "0.05", "-unowned", "4", "-storm-after", "2", "-json"}, extra...)
	if err := run(ctx, args, &out, &log); err != nil {
		t.Fatalf("storm: %v\n%s", err, log.String())
	}
	var r Report
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, out.String())
	}
	c := r.Check
	// 2 services, and 4 unowned alarms: 2 incidents of their own, then 1
	// storm incident.
	if !c.OK || c.Incidents != 5 || c.Acknowledged != r.Workload.Distinct || c.OnTimeline != c.Acknowledged {
		t.Errorf("check = %+v; want 5 incidents and every one of %d MessageIds on a timeline once", c, r.Workload.Distinct)
	}
	if r.Ack.Acknowledged != 400 || r.Slack.Limited429 != 0 || !r.Drain.Drained {
		t.Errorf("acknowledged %d of 400, %d 429s, drained %v", r.Ack.Acknowledged, r.Slack.Limited429, r.Drain.Drained)
	}
	if r.Workload.Forged != 20 || c.ForgedRefused != 20 || c.ForgedAccepted != 0 {
		t.Errorf("forged: %d sent, %d refused, %d not; want all 20 refused", r.Workload.Forged, c.ForgedRefused, c.ForgedAccepted)
	}
	if r.Slack.FromStandby < 1 || r.Slack.NoChannel != 0 {
		t.Errorf("%d incidents from standby (want at least 1), %d without a channel", r.Slack.FromStandby, r.Slack.NoChannel)
	}
	if r.PeakRSS <= 0 || r.Ack.CPUSeconds <= 0 || r.CPU.Machine <= 0 {
		t.Errorf("RSS %d, CPU %.2f s, machine %.2f cores: a measurement is missing", r.PeakRSS, r.Ack.CPUSeconds, r.CPU.Machine)
	}
	return r
}

func TestParseOptions_DB(t *testing.T) {
	for _, tc := range []struct {
		db string
		ok bool
	}{
		{"", true},
		{"postgres://u@/db?host=/tmp&port=5432", true},
		{"postgresql://u:secret@db.example:5432/tocsin", true},
		{"/tmp/storm.db", false},
		{"mysql://u@host/db", false},
		{"host=/tmp dbname=tocsin", false},
	} {
		o, err := parseOptions([]string{"-db", tc.db}, io.Discard)
		if (err == nil) != tc.ok {
			t.Errorf("-db %q: err = %v, want ok %v", tc.db, err, tc.ok)
		} else if tc.ok && o.db != tc.db {
			t.Errorf("-db %q: parsed %q", tc.db, o.db)
		}
	}
}

func TestPGSchema_URLs(t *testing.T) {
	const admin = "postgres://storm:s3cret@/tocsin?host=/tmp&port=54340&pool_max_conns=16&sslmode=disable"
	got, err := schemaURL(admin, "tocsin_storm_0a1b")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"search_path=tocsin_storm_0a1b", "pool_max_conns=16", "port=54340"} {
		if !strings.Contains(got, want) {
			t.Errorf("tocsin's URL %q lacks %q", got, want)
		}
	}
	cfg, err := adminConfig(admin)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cfg.RuntimeParams["pool_max_conns"]; ok || cfg.Database != "tocsin" || cfg.Port != 54340 {
		t.Errorf("storm's own connection: database %q, port %d, parameters %v; want pgxpool's settings left out", cfg.Database, cfg.Port, cfg.RuntimeParams)
	}
}

// TestPGSchema_ErrorsHideThePassword: the -db URL's password is in no
// error storm prints.
func TestPGSchema_ErrorsHideThePassword(t *testing.T) {
	addr, err := freeAddr() // nobody listens there
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, db := range []string{
		"postgres://storm:s3cret@" + addr + "/tocsin?sslmode=disable",
		"postgres://storm:s3cret@" + addr + "/tocsin?port=notaport",
		"postgres://storm:s3cret@[::1/tocsin",
	} {
		_, err := createSchema(ctx, db)
		if err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("createSchema(%q) = %v; want an error without the password", db, err)
		}
	}
}
