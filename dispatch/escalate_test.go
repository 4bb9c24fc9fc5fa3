package dispatch_test

import (
	"context"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
)

func alarm(h *harness, name string, st incident.State, msgID string) incident.Alarm {
	return incident.Alarm{Name: name, ARN: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:" + name, Kind: incident.KindMetric,
		Region: "us-east-1", AccountID: "123456789012",
		State: st, ChangedAt: h.clock.Now(), MessageID: msgID}
}

func escalations(evs []incident.Event) int {
	n := 0
	for _, e := range evs {
		if e.Type == incident.EventEscalated {
			n++
		}
	}
	return n
}

// The default playbook escalates after 15 and 30 minutes without an
// acknowledgement.
func TestEscalation_FiresResumesAndStopsOnAck(t *testing.T) {
	h := newHarness(t)
	if err := h.engine.Alarm(context.Background(), alarm(h, "orders-latency", incident.StateAlarm, "m1")); err != nil {
		t.Fatal(err)
	}
	h.drain()
	incs, _ := h.db.Incidents(context.Background(), true)
	id := incs[0].ID
	h.clock.Advance(14 * time.Minute)
	h.drain()
	if n := escalations(h.timeline(id)); n != 0 {
		t.Fatalf("escalated %d times before the first step was due", n)
	}
	h.clock.Advance(2 * time.Minute)
	h.drain()
	if n := escalations(h.timeline(id)); n != 1 {
		t.Fatalf("escalations after 16m = %d, want 1", n)
	}
	// Restart: a new engine and worker on the same file resume the timer.
	h.db.Close()
	h.open(nil)
	h.clock.Advance(15 * time.Minute)
	h.drain()
	if n := escalations(h.timeline(id)); n != 2 {
		t.Fatalf("escalations after restart and 31m = %d, want 2", n)
	}
}

func TestEscalation_AckCancels(t *testing.T) {
	h := newHarness(t)
	h.engine.Alarm(context.Background(), alarm(h, "orders-latency", incident.StateAlarm, "m1"))
	h.drain()
	incs, _ := h.db.Incidents(context.Background(), true)
	id := incs[0].ID
	h.clock.Advance(5 * time.Minute)
	h.do(dispatch.Command{Kind: dispatch.Ack, Incident: id, Actor: "U0ONCALL"})
	h.clock.Advance(time.Hour)
	h.drain()
	if n := escalations(h.timeline(id)); n != 0 {
		t.Errorf("escalated %d times after acknowledgement", n)
	}
	inc, _ := h.db.Incident(context.Background(), id)
	if d, ok := inc.Duration(incident.MTTA); !ok || d != 5*time.Minute {
		t.Errorf("MTTA = %v %v, want 5m", d, ok)
	}
}

func TestAlarm_GroupRecoverAndRedeliver(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	a := alarm(h, "orders-5xx", incident.StateAlarm, "m1")
	for i := 0; i < 3; i++ { // SNS redelivers
		if err := h.engine.Alarm(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	h.clock.Advance(time.Minute)
	ok := alarm(h, "orders-5xx", incident.StateOK, "m2")
	h.engine.Alarm(ctx, ok)
	h.drain()
	incs, _ := h.db.Incidents(ctx, false)
	if len(incs) != 1 {
		t.Fatalf("incidents = %d, want 1", len(incs))
	}
	inc := incs[0]
	if !inc.Recovered || inc.Status != incident.StatusDetected {
		t.Errorf("after OK: recovered %v status %s; want recovered and still open (an OK never resolves)", inc.Recovered, inc.Status)
	}
	h.clock.Advance(time.Minute)
	h.engine.Alarm(ctx, alarm(h, "orders-5xx", incident.StateAlarm, "m3")) // flap
	inc, _ = h.db.Incident(ctx, inc.ID)
	if inc.Alarms[0].Flaps != 1 || inc.Recovered {
		t.Errorf("after flapping: %+v recovered %v", inc.Alarms[0], inc.Recovered)
	}
	if !contains(h.slack.texts, "console.aws.amazon.com/cloudwatch") {
		t.Errorf("the playbook's links were not posted: %q", h.slack.texts)
	}
	if !contains(h.slack.texts, "All alarms of") {
		t.Errorf("no recovery message: %q", h.slack.texts)
	}
}

// The reconciler reports a state change SNS already delivered, under its own
// message id: it must change nothing.
func TestAlarm_ReconciledDuplicate(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	a := alarm(h, "orders-5xx", incident.StateAlarm, "sns-1")
	h.engine.Alarm(ctx, a)
	again := a
	again.MessageID, again.FoundBy = "reconcile:arn:1", "reconcile"
	if err := h.engine.Alarm(ctx, again); err != nil {
		t.Fatal(err)
	}
	incs, _ := h.db.Incidents(ctx, false)
	if n := len(h.timeline(incs[0].ID)); n != 1 {
		t.Errorf("timeline has %d events, want 1: the reconciled copy of a known change was appended", n)
	}
	h.clock.Advance(time.Minute)
	missed := alarm(h, "orders-5xx", incident.StateOK, "reconcile:arn:2") // a change SNS lost
	missed.FoundBy = "reconcile"
	h.engine.Alarm(ctx, missed)
	evs := h.timeline(incs[0].ID)
	if len(evs) < 2 || evs[1].Type != incident.EventAlarm || evs[1].Data["found_by"] != "reconcile" {
		t.Errorf("the missed OK was not recorded as found by reconciliation: %+v", evs[1])
	}
}
