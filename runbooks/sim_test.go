package runbooks

import (
	"context"
	"encoding/json"
	"io/fs"
	"net/http/httptest"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/sim"
)

const simInstance = "i-0123456789abcdef0"

// MustSimExecutor returns an executor whose SSM is the real aws-sdk-go-v2
// client talking to the sim stand-in, with tocsin's own documents
// registered from documents/*.json.
func MustSimExecutor(tb testing.TB) (*Executor, *sim.SSM, *sim.Clock) {
	tb.Helper()
	clock := sim.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	s := sim.NewSSM(sim.SSMOptions{Now: clock.Now, Instances: []string{simInstance},
		PendingFor: time.Second, RunFor: 2 * time.Second, InvisibleFor: time.Second})
	files, _ := fs.Glob(Documents, "documents/*.json")
	for _, f := range files {
		if err := s.AddDocument(simDocument(tb, f)); err != nil {
			tb.Fatal(err)
		}
	}
	srv := httptest.NewServer(s)
	tb.Cleanup(srv.Close)
	client := ssm.New(ssm.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""), RetryMaxAttempts: 3})
	return &Executor{SSM: client, Now: clock.Now}, s, clock
}

func simDocument(tb testing.TB, file string) sim.SSMDocument {
	b, _ := fs.ReadFile(Documents, file)
	var d struct {
		SchemaVersion string
		Parameters    map[string]struct {
			Type, AllowedPattern string
			Default              *string
		}
	}
	if err := json.Unmarshal(b, &d); err != nil {
		tb.Fatal(err)
	}
	doc := sim.SSMDocument{Name: strings.TrimSuffix(path.Base(file), ".json"), Type: "Automation", Params: map[string]sim.SSMParam{}}
	if d.SchemaVersion == "2.2" {
		doc.Type = "Command"
	}
	for name, p := range d.Parameters {
		doc.Params[name] = sim.SSMParam{Type: "String", AllowedPattern: p.AllowedPattern, Required: p.Default == nil}
	}
	return doc
}

func TestExecutor_Sim(t *testing.T) {
	ctx := context.Background()
	e, s, clock := MustSimExecutor(t)
	s.SetOutcome("AWS-RunShellScript", simInstance, sim.SSMOutcome{Stdout: " 12:00:00 up 3 days,  load average: 7.9\n"})
	p, err := MustBuiltin(t, "run-diagnostics").Plan(nil, alarmWith(incident.Dimension{Name: "InstanceId", Value: simInstance}))
	if err != nil {
		t.Fatal(err)
	}
	started, err := e.Start(ctx, "outbox-1", p)
	if err != nil {
		t.Fatal(err)
	}
	pr, err := e.Poll(ctx, started) // invisible for a second: pending, not an error
	if err != nil || pr.Terminal || pr.Status != "Pending" {
		t.Fatalf("first poll: %+v, %v", pr, err)
	}
	clock.Advance(5 * time.Second)
	again, err := e.Start(ctx, "outbox-1", p) // the outbox retries after a crash
	if err != nil || !again.Reused || again.CommandID != started.CommandID {
		t.Fatalf("retried start: %+v, %v", again, err)
	}
	if n := len(s.Commands()); n != 1 {
		t.Errorf("SSM received %d commands, want 1", n)
	}
	pr, err = e.Poll(ctx, started)
	if err != nil || !pr.Terminal || !pr.Success || !strings.Contains(pr.Targets[0].Stdout, "load average") {
		t.Fatalf("final poll: %+v, %v", pr, err)
	}
	if c := s.Commands()[0]; c.Comment != "tocsin:outbox-1 run-diagnostics" || c.Parameters["commands"][3] != "top -b -n1 | head -20" {
		t.Errorf("command as SSM saw it: %+v", c)
	}
}

func TestExecutor_SimAutomation(t *testing.T) {
	ctx := context.Background()
	e, s, clock := MustSimExecutor(t)
	p, err := MustBuiltin(t, "restart-ecs-service").Plan(map[string]string{"cluster": "prod", "service": "orders-api"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := e.Start(ctx, "outbox-2", p)
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.Start(ctx, "outbox-2", p)
	if err != nil || b.ExecutionID != a.ExecutionID || len(s.Automations()) != 1 {
		t.Fatalf("retried start: %+v, %v (%d executions)", b, err, len(s.Automations()))
	}
	clock.Advance(10 * time.Second)
	pr, err := e.Poll(ctx, a)
	if err != nil || !pr.Terminal || !pr.Success {
		t.Fatalf("poll: %+v, %v", pr, err)
	}

	_, err = e.Start(ctx, "outbox-3", Plan{Runbook: "x", Kind: KindCommand, Document: "AWS-RunShellScript",
		InstanceIDs: []string{"i-0fffffffffffffff0"}, Parameters: map[string][]string{"commands": {"uptime"}}})
	if Classify(err) != ClassInvalid || strings.Contains(Explain(err), "i-0fffffffffffffff0") {
		t.Errorf("unknown instance: %v -> %v, %q", err, Classify(err), Explain(err))
	}
}
