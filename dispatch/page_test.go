package dispatch_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/pagerduty"
	"github.com/tocsin-dev/tocsin/playbooks"
	"github.com/tocsin-dev/tocsin/sim"
)

const pageKey = "R0DISPATCHTEST0123456789ABCDEFGH"

// pagingDefault replaces the default playbook: PagerDuty at 5 and 10
// minutes, a mention at 20.
const pagingDefault = `name: default
owner: S0ONCALL
escalation:
  - {after: 5m, page: pagerduty}
  - {after: 10m, notify: [S0ONCALL], page: pagerduty}
  - {after: 20m, notify: [S0LEADS]}
`

// newPagingHarness is the engine harness with the paging playbook, the
// PagerDuty stand-in and the executor of the PagerDuty effects.
func newPagingHarness(t *testing.T) (*harness, *sim.PagerDuty) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "default.yaml"), []byte(pagingDefault), 0o600); err != nil {
		t.Fatal(err)
	}
	pb, err := playbooks.LoadEnv(dir, func(name string) string {
		if name == playbooks.DefaultRoutingKeyEnv {
			return pageKey
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, func(c *dispatch.Config) { c.Playbooks = func() *playbooks.Set { return pb } })
	pd := sim.NewPagerDuty(h.clock.Now, "")
	t.Cleanup(pd.Close)
	pages := &dispatch.PageExecutor{Engine: h.engine, PagerDuty: &pagerduty.Client{URL: pd.EventsURL()}}
	for _, k := range dispatch.PagerDutyKinds() {
		h.worker.Executors[k] = pages
	}
	return h, pd
}

func count(evs []incident.Event, typ incident.EventType) int {
	n := 0
	for _, e := range evs {
		if e.Type == typ {
			n++
		}
	}
	return n
}

// TestPages_AnyAcknowledgementStopsEverything: whichever way the incident
// is acknowledged — the Slack button, /incident ack, PagerDuty's webhook —
// the remaining escalation steps and pages stop, PagerDuty hears of it
// exactly once (not at all when it told tocsin), and a second
// acknowledgement by any way changes nothing.
func TestPages_AnyAcknowledgementStopsEverything(t *testing.T) {
	ack := map[string]func(h *harness, id incident.ID, dedup string){
		"button": func(h *harness, id incident.ID, _ string) {
			h.do(dispatch.Command{Kind: dispatch.Ack, Incident: id, Actor: "U0ALICE", Key: "slack:action:U0ALICE:tocsin_ack:1.2"})
		},
		"slash": func(h *harness, id incident.ID, _ string) {
			h.do(dispatch.Command{Kind: dispatch.Ack, Incident: id, Actor: "U0ALICE", Key: "slack:trigger:t1"})
		},
		"pagerduty": func(h *harness, id incident.ID, dedup string) {
			if _, err := h.engine.PagerDuty(context.Background(), dispatch.PagerDutyNotice{EventID: "e1", Type: "acknowledged",
				DedupKey: dedup, User: "U0ALICE", Name: "Alice"}); err != nil {
				h.t.Fatal(err)
			}
		},
	}
	for name, first := range ack {
		t.Run(name, func(t *testing.T) {
			h, pd := newPagingHarness(t)
			h.engine.Alarm(context.Background(), alarm(h, "orders-latency", incident.StateAlarm, "m1"))
			h.drain()
			h.clock.Advance(6 * time.Minute)
			h.drain()
			if n := pd.EventCount("trigger"); n != 1 || len(pd.Incidents()) != 1 {
				t.Fatalf("%d triggers, %d PagerDuty incidents after the first step; want 1 and 1", n, len(pd.Incidents()))
			}
			dedup := pd.Incidents()[0].DedupKey
			first(h, 1, dedup)
			h.drain()
			for _, again := range ack { // every way again: nothing more
				again(h, 1, dedup)
			}
			h.clock.Advance(time.Hour)
			h.drain()
			evs := h.timeline(1)
			wantAcks := 1
			if name == "pagerduty" {
				wantAcks = 0 // PagerDuty told tocsin; nothing is sent back
			}
			if n := escalations(evs); n != 1 {
				t.Errorf("%d escalation steps fired; want only the first", n)
			}
			if pd.EventCount("trigger") != 1 || pd.EventCount("acknowledge") != wantAcks || len(pd.Incidents()) != 1 {
				t.Errorf("PagerDuty got %d triggers and %d acknowledges for %d incidents; want 1, %d, 1",
					pd.EventCount("trigger"), pd.EventCount("acknowledge"), len(pd.Incidents()), wantAcks)
			}
			if n := count(evs, incident.EventAcknowledged); n != 1 {
				t.Errorf("%d acknowledged events", n)
			}
		})
	}
}

// TestPages_AckWhileTriggerInFlight: the incident is acknowledged while
// its trigger is on its way to PagerDuty (sent, not yet recorded); the
// sweep after the acknowledgement still acknowledges the alert, once.
func TestPages_AckWhileTriggerInFlight(t *testing.T) {
	h, pd := newPagingHarness(t)
	h.engine.Alarm(context.Background(), alarm(h, "orders-latency", incident.StateAlarm, "m1"))
	h.drain()
	pd.OnEvent("trigger", func(sim.PagerDutyEvent) {
		pd.OnEvent("trigger", nil)
		h.do(dispatch.Command{Kind: dispatch.Ack, Incident: 1, Actor: "U0ALICE"})
	})
	h.clock.Advance(6 * time.Minute)
	h.drain()
	if pd.EventCount("acknowledge") != 0 {
		t.Fatalf("acknowledged before the sweep: %d", pd.EventCount("acknowledge"))
	}
	h.clock.Advance(time.Minute)
	h.drain()
	if got := pd.Incidents(); len(got) != 1 || got[0].Status != "acknowledged" || pd.EventCount("acknowledge") != 1 {
		t.Errorf("PagerDuty %+v with %d acknowledges; want one acknowledged alert", got, pd.EventCount("acknowledge"))
	}
	h.clock.Advance(time.Hour)
	h.drain()
	if pd.EventCount("trigger") != 1 {
		t.Errorf("%d triggers; the later steps must not page", pd.EventCount("trigger"))
	}
}

// TestPages_Refused400: PagerDuty refusing a trigger is a line on the
// timeline and in the channel, and is not retried.
func TestPages_Refused400(t *testing.T) {
	h, pd := newPagingHarness(t)
	h.engine.Alarm(context.Background(), alarm(h, "orders-latency", incident.StateAlarm, "m1"))
	h.drain()
	bad := &badKey{pagerduty.Client{URL: pd.EventsURL()}}
	h.worker.Executors[dispatch.EffPagerDutyTrigger] = &dispatch.PageExecutor{Engine: h.engine, PagerDuty: bad}
	h.clock.Advance(6 * time.Minute)
	h.drain()
	h.clock.Advance(time.Hour)
	h.drain()
	var refused []string
	for _, e := range h.timeline(1) {
		if e.Type == incident.EventInfo && e.Datum("effect") == "pagerduty.trigger" {
			refused = append(refused, e.Text)
		}
	}
	if len(refused) != 2 || len(pd.Incidents()) != 0 {
		t.Fatalf("refusals on the timeline %q, %d PagerDuty incidents; want one per paging step, none opened", refused, len(pd.Incidents()))
	}
	if !contains(h.slack.texts, refused[0]) {
		t.Errorf("the refusal was not said in the channel: %q", refused[0])
	}
	if n := pd.EventCount("trigger"); n != 0 || len(pd.Events()) != 2 {
		t.Errorf("%d events sent; want one attempt per step (a 400 is not retried)", len(pd.Events()))
	}
}

// badKey sends with a routing key PagerDuty refuses.
type badKey struct{ pagerduty.Client }

func (b *badKey) Trigger(ctx context.Context, _, dedup, summary string, inc incident.Incident) error {
	return b.Client.Trigger(ctx, "too-short", dedup, summary, inc)
}
