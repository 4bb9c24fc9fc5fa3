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

// leading reports whether the replica says tocsin_leader 1 on /metrics.
func leading(h *Harness) bool {
	code, body := h.Get("/metrics", "")
	return code == 200 && strings.Contains(body, "\ntocsin_leader 1\n")
}

// TestPostgres_Failover runs two replicas as real processes on one
// PostgreSQL database and one Slack workspace: both take alarms, exactly
// one leads (performs the Slack calls); when the leader is SIGKILLed the
// other leads within 10 seconds and takes the next alarm to its channel.
// Every incident ends with exactly one channel and one pinned header.
func TestPostgres_Failover(t *testing.T) {
	dbURL := pgtest.FreshSchema(t)
	a := Start(t, Options{Child: true, Slack: &sim.SlackOptions{}, Env: map[string]string{"TOCSIN_DB": dbURL}})
	b := a.Replica()
	a.WaitFor("one leader", func() bool { return leading(a) != leading(b) })

	at := time.Now().Add(-time.Minute)
	a.MustPostSNS(a.Notification("fo-1", AlarmMessage("checkout-5xx", "checkout", "ALARM", "OK", at)))
	if code := b.PostSNS(a.Notification("fo-2", AlarmMessage("search-cpu", "search", "ALARM", "OK", at))); code != 200 {
		t.Fatalf("the second replica answered SNS %d", code)
	}
	a.WaitHeader(1)
	a.WaitHeader(2)

	leader, survivor := a, b
	if leading(b) {
		leader, survivor = b, a
	}
	leader.Kill()
	killed := time.Now()
	survivor.WaitFor("the survivor to lead", func() bool { return leading(survivor) })
	if d := time.Since(killed); d > 10*time.Second {
		t.Errorf("a new leader after %s, want within 10 s", d.Round(time.Second))
	}
	survivor.MustPostSNS(a.Notification("fo-3", AlarmMessage("payments-5xx", "payments", "ALARM", "OK", at)))
	a.WaitHeader(3)
	a.Settle()

	chans := a.Slack.Channels()
	names := map[string]bool{}
	for _, ch := range chans {
		if names[ch.Name] {
			t.Errorf("channel %s made twice", ch.Name)
		}
		names[ch.Name] = true
		pinned := 0
		for _, m := range a.Slack.Messages(ch.ID) {
			if m.Pinned {
				pinned++
			}
		}
		if pinned != 1 {
			t.Errorf("#%s has %d pinned headers, want 1", ch.Name, pinned)
		}
	}
	if len(chans) != 3 || len(survivor.Incidents()) != 3 {
		t.Errorf("channels %d, incidents %d; want 3 of each", len(chans), len(survivor.Incidents()))
	}
	for id := incident.ID(1); id <= 3; id++ {
		if v := survivor.Incident(id); !v.Verified {
			t.Errorf("%s: the hash chain does not verify", id)
		}
	}
}
