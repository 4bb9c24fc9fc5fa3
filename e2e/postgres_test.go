package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/pgstore/pgtest"
	"github.com/tocsin-dev/tocsin/sim"
)

// TestPostgres_WholeFlow runs the whole program on the PostgreSQL backend
// (TOCSIN_DB is a postgres:// URL): an alarm opens an incident with its
// channel and header, a redelivery changes nothing, an ack through Slack
// is recorded, and after a restart the timeline is still there and its
// hash chain verifies. The startup log never shows the URL's password.
func TestPostgres_WholeFlow(t *testing.T) {
	// The test server trusts local connections, so any password works: one
	// is given to prove it never reaches the log.
	const password = "pg-secret-5e1f0c"
	dbURL := strings.Replace(pgtest.FreshSchema(t), "postgres://postgres@", "postgres://postgres:"+password+"@", 1)
	if !strings.Contains(dbURL, password) {
		t.Fatalf("TOCSIN_TEST_POSTGRES does not have the form postgres://postgres@…: %s", dbURL)
	}
	h := Start(t, Options{Slack: &sim.SlackOptions{}, Env: map[string]string{"TOCSIN_DB": dbURL}})
	body := h.Notification("pg-1", AlarmMessage("payments-5xx", "payments", "ALARM", "OK", time.Now().Add(-time.Minute)))
	h.MustPostSNS(body)
	h.MustPostSNS(body) // SNS redelivers
	ch := h.WaitHeader(1)
	h.Slash("U0ONCALL", ch.ID, "ack")
	h.WaitFor("the acknowledgement", func() bool {
		incs := h.Incidents()
		return len(incs) == 1 && incs[0].Status == incident.StatusAcknowledged
	})
	if err := h.Stop(); err != nil {
		t.Fatal(err)
	}
	h.Start()
	v := h.Incident(1)
	if !v.Verified || v.Incident.Status != incident.StatusAcknowledged || len(h.Incidents()) != 1 {
		t.Errorf("after a restart: status %s, verified %v, %d incidents", v.Incident.Status, v.Verified, len(h.Incidents()))
	}
	alarms := 0
	for _, e := range v.Timeline {
		if e.Type == incident.EventAlarm || e.Type == incident.EventOpened {
			alarms++
		}
	}
	if alarms != 1 {
		t.Errorf("events from the alarm and its redelivery = %d, want 1", alarms)
	}
	if !strings.Contains(h.Logs.String(), `"db":"postgres`) {
		t.Errorf("the startup log does not name the PostgreSQL store")
	}
	if strings.Contains(h.Logs.String(), password) {
		t.Error("the password of TOCSIN_DB appears in the log")
	}
}
