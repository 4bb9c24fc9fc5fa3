package dispatch_test

import (
	"context"
	"testing"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/playbooks"
	"github.com/tocsin-dev/tocsin/runbooks"
)

// An alarm's own AWS tags route it to a playbook: read once per alarm,
// before the transaction.
func TestAlarm_RoutedByTags(t *testing.T) {
	h := newHarness(t)
	pb, err := playbooks.Load("testdata/playbooks")
	if err != nil {
		t.Fatal(err)
	}
	rb, _ := runbooks.Load("")
	var asked []string
	e := dispatch.New(dispatch.Config{Store: h.db, Now: h.clock.Now,
		Playbooks: func() *playbooks.Set { return pb }, Runbooks: func() *runbooks.Set { return rb },
		Tags: func(ctx context.Context, arn string) (map[string]string, error) {
			asked = append(asked, arn)
			return map[string]string{"team": "payments", "service": "ledger"}, nil
		}})
	if err := e.Alarm(context.Background(), alarm(h, "ledger-write-errors", incident.StateAlarm, "t1")); err != nil {
		t.Fatal(err)
	}
	incs, _ := h.db.Incidents(context.Background(), false)
	if len(incs) != 1 || incs[0].Playbook != "payments-by-tag" || incs[0].Service != "ledger" || incs[0].Severity != incident.SEV2 {
		t.Errorf("incident = %+v; want routed by its tags to payments-by-tag, service ledger", incs)
	}
	if len(asked) != 1 {
		t.Errorf("tags read %d times, want 1", len(asked))
	}
}
