package dispatch_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
)

// With StormAfter 3, the default playbook (one incident per alarm) opens
// three incidents; its next new alarms share one storm incident; the first
// three keep their own; once the storm incident is resolved and fewer than
// three are open, alarms open their own incidents again.
func TestAlarm_StormGuard(t *testing.T) {
	h := newHarness(t, func(c *dispatch.Config) { c.StormAfter = 3 })
	ctx := context.Background()
	fire := func(name, msg string, st incident.State) {
		t.Helper()
		if err := h.engine.Alarm(ctx, alarm(h, name, st, msg)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 7 {
		fire(fmt.Sprintf("unowned-%d", i), fmt.Sprintf("m%d", i), incident.StateAlarm)
		h.clock.Advance(time.Second)
	}
	fire("unowned-0", "m0b", incident.StateOK) // its own incident, not the storm's
	incs, _ := h.db.Incidents(ctx, true)
	if len(incs) != 4 {
		t.Fatalf("open incidents = %d, want 3 of their own and 1 storm", len(incs))
	}
	var storm incident.Incident
	for _, inc := range incs {
		if inc.GroupKey == "storm:default" {
			storm = inc
		} else if len(inc.Alarms) != 1 {
			t.Errorf("incident %s (%s) has %d alarms, want 1", inc.ID, inc.GroupKey, len(inc.Alarms))
		}
	}
	if !strings.HasPrefix(storm.Title, "Alarm storm: default") || len(storm.Alarms) != 4 {
		t.Fatalf("storm incident %q with %d alarms; want the 4 alarms after the third", storm.Title, len(storm.Alarms))
	}
	if first, _ := h.db.Incident(ctx, 1); !first.Recovered {
		t.Errorf("unowned-0's OK went elsewhere: incident 1 %+v", first.Alarms)
	}

	// The storm ends: resolved, and two of the three resolved too.
	h.do(dispatch.Command{Kind: dispatch.Resolve, Incident: storm.ID, Actor: "U1", Text: "storm over"})
	for _, id := range []incident.ID{1, 2} {
		h.do(dispatch.Command{Kind: dispatch.Resolve, Incident: id, Actor: "U1", Text: "done"})
	}
	fire("unowned-9", "m9", incident.StateAlarm)
	inc, _ := h.db.Incident(ctx, storm.ID+1)
	if inc.GroupKey != "pb:default:unowned-9" || len(inc.Alarms) != 1 {
		t.Errorf("after the storm: %s %q; want an incident of its own", inc.GroupKey, inc.Title)
	}
}

// StormAfter 0 (dispatch's zero value) keeps one incident per alarm.
func TestAlarm_StormGuardOff(t *testing.T) {
	h := newHarness(t)
	for i := range 8 {
		if err := h.engine.Alarm(context.Background(), alarm(h, fmt.Sprintf("a-%d", i), incident.StateAlarm, fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	if incs, _ := h.db.Incidents(context.Background(), true); len(incs) != 8 {
		t.Errorf("open incidents = %d, want 8", len(incs))
	}
}
