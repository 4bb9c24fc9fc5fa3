package dispatch_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/playbooks"
	"github.com/tocsin-dev/tocsin/runbooks"
	"github.com/tocsin-dev/tocsin/sim"
	"github.com/tocsin-dev/tocsin/store"
)

// fakeSlack performs Slack effects by recording them.
type fakeSlack struct {
	mu    sync.Mutex
	kinds []incident.EffectKind
	texts []string
}

func (f *fakeSlack) Execute(ctx context.Context, eff incident.Effect, inc incident.Incident) (dispatch.Outcome, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.kinds = append(f.kinds, eff.Kind)
	f.texts = append(f.texts, eff.Data["text"])
	if eff.Kind == dispatch.EffSlackChannel && inc.Channel.ID == "" {
		return dispatch.Outcome{Events: []incident.Event{{Type: incident.EventChannel, Actor: "tocsin",
			Data: map[string]string{"channel_id": "C" + inc.ID.String(), "channel_name": "inc"}}}}, nil
	}
	return dispatch.Outcome{}, nil
}

type harness struct {
	t      *testing.T
	clock  *sim.Clock
	db     *store.DB
	path   string
	engine *dispatch.Engine
	worker *dispatch.Worker
	slack  *fakeSlack
	ssm    *sim.SSM
	tune   func(*dispatch.Config) // changes the engine's configuration, if set
}

func newHarness(t *testing.T, tune ...func(*dispatch.Config)) *harness {
	t.Helper()
	h := &harness{t: t, clock: sim.NewClock(time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)), slack: &fakeSlack{},
		path: filepath.Join(t.TempDir(), "tocsin.db")}
	if len(tune) > 0 {
		h.tune = tune[0]
	}
	h.ssm = sim.NewSSM(sim.SSMOptions{Now: h.clock.Now, Instances: []string{"i-0123456789abcdef0"}, PendingFor: time.Second, RunFor: 2 * time.Second})
	srv := httptest.NewServer(h.ssm)
	t.Cleanup(srv.Close)
	client := ssm.New(ssm.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""), RetryMaxAttempts: 1})
	h.open(client)
	return h
}

func (h *harness) open(client *ssm.Client) {
	db, err := store.Open(h.path, store.Options{Now: h.clock.Now})
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { db.Close() })
	h.db = db
	rb, err := runbooks.Load("testdata/runbooks")
	if err != nil {
		h.t.Fatal(err)
	}
	pb, err := playbooks.Load("")
	if err != nil {
		h.t.Fatal(err)
	}
	cfg := dispatch.Config{Store: db, Lister: db, Now: h.clock.Now,
		Playbooks: func() *playbooks.Set { return pb }, Runbooks: func() *runbooks.Set { return rb }}
	if h.tune != nil {
		h.tune(&cfg)
	}
	h.engine = dispatch.New(cfg)
	runs := &dispatch.RunExecutor{Engine: h.engine, SSM: &runbooks.Executor{SSM: client, Now: h.clock.Now}}
	executors := map[incident.EffectKind]dispatch.Executor{
		dispatch.EffSSMStart: runs, dispatch.EffSSMPoll: runs, dispatch.EffSSMCancel: runs,
		dispatch.EffApprovalExpiry: runs, dispatch.EffEscalate: &dispatch.Escalator{Engine: h.engine},
		dispatch.EffRefineStart: &dispatch.Refiner{Engine: h.engine},
	}
	for _, k := range dispatch.SlackKinds() {
		executors[k] = h.slack
	}
	h.worker = &dispatch.Worker{Engine: h.engine, Outbox: db, Executors: executors}
}

// drain performs every effect due now, repeatedly, until none is due.
func (h *harness) drain() {
	for i := 0; i < 50; i++ {
		due, err := h.db.Due(h.clock.Now(), 100)
		if err != nil {
			h.t.Fatal(err)
		}
		if len(due) == 0 {
			return
		}
		for _, eff := range due {
			h.worker.Perform(context.Background(), eff)
		}
	}
}

func (h *harness) do(cmd dispatch.Command) dispatch.Result {
	h.t.Helper()
	res, err := h.engine.Do(context.Background(), cmd)
	if err != nil {
		h.t.Fatalf("%s by %s: %v", cmd.Kind, cmd.Actor, err)
	}
	return res
}

func (h *harness) timeline(id incident.ID) []incident.Event {
	_, evs, err := h.db.Timeline(context.Background(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	if err := incident.Verify(evs); err != nil {
		h.t.Fatal(err)
	}
	return evs
}

func steps(evs []incident.Event) []string {
	var out []string
	for _, e := range evs {
		if e.Type == incident.EventRunbook {
			out = append(out, e.Data["step"])
		}
		if e.Type == incident.EventInfo && e.Data["refused"] != "" {
			out = append(out, "approval-refused")
		}
	}
	return out
}

func contains[S ~string](xs []S, s string) bool {
	for _, x := range xs {
		if strings.Contains(string(x), s) {
			return true
		}
	}
	return false
}
