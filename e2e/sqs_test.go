package e2e

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/sim"
)

// TestSQS_Intake: no public endpoint; alarms arrive through an SQS queue
// subscribed to the topic (SNS envelopes, verified like HTTP), are stored
// once, and each message is deleted only after its effect is committed.
func TestSQS_Intake(t *testing.T) {
	q := sim.NewSQS(sim.SQSOptions{VisibilityTimeout: 2 * time.Second})
	srv := httptest.NewServer(&sim.AWS{SQS: q})
	t.Cleanup(srv.Close)
	q.SetBaseURL(srv.URL)
	queue := q.CreateQueue("tocsin-alarms")
	f := newSNSFeed(t)
	body := string(f.body(t, "sqs-1", alarmJSON("billing-5xx", "billing", "ALARM", "OK", time.Now().Add(-time.Minute))))
	q.Send(queue, body)
	q.Send(queue, body) // SNS delivered twice
	pbDir := t.TempDir()
	os.WriteFile(filepath.Join(pbDir, "storm.yaml"), []byte(stormPlaybook), 0o600)
	base, _, _ := startServer(t, env(t, "TOCSIN_SNS_TOPIC_ARNS", testTopic, "TOCSIN_SNS_CERT_DIR", f.certDir,
		"TOCSIN_PLAYBOOKS", pbDir, "TOCSIN_SQS_QUEUE_URL", queue, "AWS_REGION", "us-east-1", "AWS_ENDPOINT_URL", srv.URL,
		"AWS_ACCESS_KEY_ID", "AKIDTEST", "AWS_SECRET_ACCESS_KEY", "secret-test"))
	waitFor(t, "the queue to drain", func() bool { return q.Pending(queue) == 0 && q.InFlight(queue) == 0 })
	incs := apiIncidents(t, base)
	if len(incs) != 1 || incs[0].Service != "billing" {
		t.Fatalf("incidents = %+v, want one billing incident", incs)
	}
	v := apiIncident(t, base, incs[0].ID)
	if len(v.Timeline) != 1 || v.Timeline[0].Data["found_by"] != "sqs" {
		t.Errorf("timeline = %d events (first found by %q); want exactly one, found by sqs", len(v.Timeline), v.Timeline[0].Data["found_by"])
	}
}
