package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/sim"
	"github.com/tocsin-dev/tocsin/web"
)

const (
	testTopic   = "arn:aws:sns:us-east-1:123456789012:tocsin-alarms"
	testCertURL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem"
)

// snsFeed signs CloudWatch alarm notifications like SNS does, with a test
// key whose certificate sits in TOCSIN_SNS_CERT_DIR.
type snsFeed struct {
	*sim.SNSFeed
	certDir string
	base    string
}

func newSNSFeed(t testing.TB) *snsFeed {
	t.Helper()
	dir := t.TempDir()
	f, err := sim.NewSNSFeed(sim.SNSFeedOptions{CertDir: dir, CertName: filepath.Base(testCertURL), TopicARN: testTopic})
	if err != nil {
		t.Fatal(err)
	}
	return &snsFeed{SNSFeed: f, certDir: dir}
}

// alarmJSON is the CloudWatch alarm message, in the shape CloudWatch
// publishes it.
func alarmJSON(name, service, state, old string, at time.Time) string {
	m := map[string]any{
		"AlarmName": name, "AlarmDescription": nil, "AWSAccountId": "123456789012",
		"NewStateValue": state, "OldStateValue": old,
		"NewStateReason":  fmt.Sprintf("Threshold Crossed: 1 out of the last 1 datapoints [12.0 (%s)] was greater than the threshold (5.0).", at.Add(-time.Minute).UTC().Format("02/01/06 15:04:05")),
		"StateChangeTime": at.UTC().Format("2006-01-02T15:04:05.000-0700"), "Region": "US East (N. Virginia)",
		"AlarmArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:" + name,
		"Trigger": map[string]any{"MetricName": "HTTPCode_Target_5XX_Count", "Namespace": "Test/Storm", "StatisticType": "Statistic",
			"Statistic": "SUM", "Unit": nil, "Dimensions": []map[string]string{{"name": "Service", "value": service}},
			"Period": 60, "EvaluationPeriods": 1, "ComparisonOperator": "GreaterThanThreshold", "Threshold": 5.0, "TreatMissingData": "missing"},
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func (f *snsFeed) body(t testing.TB, msgID, message string) []byte {
	b, err := f.Notification(msgID, "ALARM", message)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (f *snsFeed) post(t testing.TB, body []byte) int {
	code, _, err := sim.PostSNS(context.Background(), nil, f.base+"/sns", body)
	if err != nil {
		t.Error(err)
	}
	return code
}

// storm playbook: alarms group by their Service dimension.
const stormPlaybook = `name: storm
owner: S00ONCALL
match: {namespace: Test/Storm}
service: "{{dimension:Service}}"
group_by: service
severity: {default: sev2}
`

func startSNSServer(t *testing.T) (*snsFeed, string) {
	f := newSNSFeed(t)
	pbDir := t.TempDir()
	os.WriteFile(filepath.Join(pbDir, "storm.yaml"), []byte(stormPlaybook), 0o600)
	base, _, _ := startServer(t, env(t, "TOCSIN_SNS_TOPIC_ARNS", testTopic, "TOCSIN_SNS_CERT_DIR", f.certDir, "TOCSIN_PLAYBOOKS", pbDir))
	f.base = base
	return f, base
}

func apiIncidents(t testing.TB, base string) []incident.Incident {
	_, body := get(t, base+"/api/incidents", "test-token-0123")
	var incs []incident.Incident
	if err := json.Unmarshal([]byte(body), &incs); err != nil {
		t.Fatalf("decode %q: %v", body, err)
	}
	return incs
}

func apiIncident(t testing.TB, base string, id incident.ID) web.IncidentView {
	_, body := get(t, base+"/api/incidents/"+id.String(), "test-token-0123")
	var v web.IncidentView
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("decode %q: %v", body, err)
	}
	return v
}

func TestSNS_RedeliveredHundredTimes(t *testing.T) {
	f, base := startSNSServer(t)
	body := f.body(t, "11111111-2222-3333-4444-555555555555", alarmJSON("api-5xx", "api", "ALARM", "OK", time.Now().Add(-time.Minute)))
	var wg sync.WaitGroup
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if code := f.post(t, body); code != 200 {
				t.Errorf("status %d", code)
			}
		}()
	}
	wg.Wait()
	incs := apiIncidents(t, base)
	if len(incs) != 1 {
		t.Fatalf("incidents = %d, want 1", len(incs))
	}
	v := apiIncident(t, base, incs[0].ID)
	alarmEvents := 0
	for _, e := range v.Timeline {
		if e.Datum("message_id") != "" {
			alarmEvents++
		}
	}
	if alarmEvents != 1 || !v.Verified {
		t.Errorf("events carrying the message = %d (want 1), verified %v", alarmEvents, v.Verified)
	}
	if inc := v.Incident; inc.Status != incident.StatusDetected || inc.Service != "api" || inc.Severity != incident.SEV2 || inc.StartMethod == "" {
		t.Errorf("incident = %+v", inc)
	}
}

// TestSNS_Storm sends thousands of signed notifications for hundreds of
// alarms of a few services, with redeliveries, concurrently.
func TestSNS_Storm(t *testing.T) {
	f, base := startSNSServer(t)
	const services, alarmsPer, redeliver = 4, 75, 3 // 300 alarms, 900+ deliveries
	t0 := time.Now().Add(-10 * time.Minute)
	var bodies [][]byte
	for s := 0; s < services; s++ {
		for a := 0; a < alarmsPer; a++ {
			name := fmt.Sprintf("svc%d-alarm%03d", s, a)
			b := f.body(t, fmt.Sprintf("msg-%d-%d", s, a), alarmJSON(name, fmt.Sprintf("svc%d", s), "ALARM", "OK", t0.Add(time.Duration(a)*time.Second)))
			for r := 0; r < redeliver; r++ {
				bodies = append(bodies, b)
			}
		}
	}
	work := make(chan []byte)
	var wg sync.WaitGroup
	for w := 0; w < 32; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range work {
				if code := f.post(t, b); code != 200 {
					t.Errorf("status %d", code)
				}
			}
		}()
	}
	for _, b := range bodies {
		work <- b
	}
	close(work)
	wg.Wait()
	incs := apiIncidents(t, base)
	if len(incs) != services {
		t.Fatalf("incidents = %d, want %d (one per service)", len(incs), services)
	}
	for _, inc := range incs {
		v := apiIncident(t, base, inc.ID)
		n := 0
		for _, e := range v.Timeline {
			if e.Datum("message_id") != "" {
				n++
			}
		}
		if n != alarmsPer || len(v.Incident.Alarms) != alarmsPer || !v.Verified {
			t.Errorf("%s: %d alarm events, %d alarms linked, verified %v; want %d each", inc.ID, n, len(v.Incident.Alarms), v.Verified, alarmsPer)
		}
	}
}
