package e2e

import (
	"bufio"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/pgstore/pgtest"
	"github.com/tocsin-dev/tocsin/sim"
)

// logLine is what the partition test reads of a log line.
type logLine struct {
	Time      time.Time `json:"time"`
	Msg       string    `json:"msg"`
	Component string    `json:"component"`
	Epoch     int64     `json:"epoch"`
}

// logged returns the lines of a replica's leadership log with message msg.
func logged(h *Harness, msg string) []logLine {
	var out []logLine
	sc := bufio.NewScanner(strings.NewReader(h.Logs.String()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l logLine
		if json.Unmarshal(sc.Bytes(), &l) == nil && l.Msg == msg && l.Component == "leader" {
			out = append(out, l)
		}
	}
	return out
}

// TestPostgres_Partition terminates the leader's database session
// (pg_terminate_backend, as an operator or a database failover would) while
// its worker is inside a Slack call, creating an incident's channel. The
// deposed leader stops performing effects before the other replica begins
// to lead, the other replica finishes the work, and no effect happens
// twice: one channel per incident, one pinned header, no message posted
// twice.
func TestPostgres_Partition(t *testing.T) {
	dbURL := pgtest.FreshSchema(t)
	a := Start(t, Options{Child: true, Slack: &sim.SlackOptions{}, Env: map[string]string{"TOCSIN_DB": dbURL}})
	b := a.Replica()
	a.WaitFor("one leader", func() bool { return leading(a) != leading(b) })
	old, next := a, b
	if leading(b) {
		old, next = b, a
	}
	var once sync.Once
	a.OnSlack("conversations.create", func(sim.SlackCall) {
		once.Do(func() {
			pgtest.TerminateLeader(t, dbURL)
			time.Sleep(500 * time.Millisecond) // Slack answers the deposed leader late
		})
	})
	at := time.Now().Add(-time.Minute)
	for i, svc := range []string{"checkout", "search", "payments"} {
		r := []*Harness{a, b}[i%2]
		r.MustPostSNS(a.Notification("part-"+svc, AlarmMessage(svc+"-5xx", svc, sim.CWStateAlarm, sim.CWStateOK, at)))
	}
	next.WaitFor("the other replica to lead", func() bool { return leading(next) })
	for _, inc := range next.Incidents() {
		next.WaitHeader(int(inc.ID))
	}
	next.Settle()

	stopped, began := logged(old, "no longer leading"), logged(next, "leading")
	if len(stopped) != 1 || len(began) != 1 || began[0].Epoch <= stopped[0].Epoch {
		t.Fatalf("terms: the deposed leader stopped %+v, the other began %+v; want one each, the second later", stopped, began)
	}
	if !stopped[0].Time.Before(began[0].Time) {
		t.Errorf("the deposed leader stopped at %s, after the other began to lead at %s",
			stopped[0].Time.Format(time.StampMicro), began[0].Time.Format(time.StampMicro))
	}
	if leading(old) {
		t.Error("the deposed leader says it leads")
	}
	if n := len(next.Incidents()); n != 3 {
		t.Errorf("%d incidents, want 3", n)
	}
	checkStormSlack(t, next, 3)
}
