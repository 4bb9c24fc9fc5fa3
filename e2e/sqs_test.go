package e2e

import (
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/sim"
)

// TestSQS_Intake: no public endpoint; alarms arrive through an SQS queue
// subscribed to the topic (SNS envelopes, verified like HTTP), are stored
// once, and each message is deleted only after its effect is committed.
func TestSQS_Intake(t *testing.T) {
	q := sim.NewSQS(sim.SQSOptions{VisibilityTimeout: 2 * time.Second})
	h := New(t, Options{AWS: &sim.AWS{SQS: q}})
	queue := q.CreateQueue("tocsin-alarms")
	body := string(h.Notification("sqs-1", AlarmMessage("billing-5xx", "billing", "ALARM", "OK", time.Now().Add(-time.Minute))))
	q.Send(queue, body)
	q.Send(queue, body) // SNS delivered twice
	h.Setenv("TOCSIN_SQS_QUEUE_URL", queue)
	h.Start()
	h.WaitFor("the queue to drain", func() bool { return q.Pending(queue) == 0 && q.InFlight(queue) == 0 })
	incs := h.Incidents()
	if len(incs) != 1 || incs[0].Service != "billing" {
		t.Fatalf("incidents = %+v, want one billing incident", incs)
	}
	v := h.Incident(incs[0].ID)
	if len(v.Timeline) != 1 || v.Timeline[0].Data["found_by"] != "sqs" {
		t.Errorf("timeline = %d events (first found by %q); want exactly one, found by sqs", len(v.Timeline), v.Timeline[0].Data["found_by"])
	}
}
