package demo

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tocsin-dev/tocsin/e2e"
	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/sim"
)

// demoSnapshot is the demo's world as the observer found it once the
// scenario had played.
type demoSnapshot struct {
	base        string
	creds       demoCredentials
	incidents   []incident.Incident
	timelines   map[incident.ID][]incident.Event
	channels    []sim.SlackChannel
	messages    map[string][]sim.SlackMessage // by channel name
	files       []sim.SlackFile
	replies     []sim.SlackResponsePost
	ssmCalls    []sim.SSMCall
	commands    []sim.SSMCommand
	automations []sim.SSMAutomation
	apiList     string // GET /api/incidents with the demo token
	slackView   string // GET /slack-view/ on tocsin's server
}

// demoCapture is the demo's stdout in the test: it keeps the narration and,
// as a demoObserver, takes the snapshot.
type demoCapture struct {
	e2e.SyncBuffer
	snap *demoSnapshot
	// shoot, when set, looks at the dashboard and the Slack stand-in in a
	// browser while the demo still runs (screenshots_test.go).
	shoot func(base, token string)
}

func (c *demoCapture) observeDemo(w *demoWorld) {
	ctx := context.Background()
	s := &demoSnapshot{base: w.base, creds: w.creds, timelines: map[incident.ID][]incident.Event{},
		messages: map[string][]sim.SlackMessage{}}
	s.incidents, _ = w.app.View().Incidents(ctx, false)
	slices.SortFunc(s.incidents, func(a, b incident.Incident) int { return int(a.ID) - int(b.ID) })
	for _, inc := range s.incidents {
		_, s.timelines[inc.ID], _ = w.app.View().Timeline(ctx, inc.ID)
	}
	s.channels = w.slack.Channels()
	for _, ch := range s.channels {
		s.messages[ch.Name] = w.slack.Messages(ch.ID)
	}
	s.files, s.replies = w.slack.Files(), w.slack.ResponseURLPosts()
	s.ssmCalls, s.commands, s.automations = w.ssm.Calls(), w.ssm.Commands(), w.ssm.Automations()
	s.apiList, s.slackView = fetch(w.base+"/api/incidents", w.creds.apiToken), fetch(w.base+"/slack-view/", "")
	c.snap = s
	if c.shoot != nil {
		c.shoot(w.base, w.creds.apiToken)
	}
}

// fetch GETs a URL (with a bearer token if given) and returns the status
// and body as one string.
func fetch(url, token string) string {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return err.Error()
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.Status + "\n" + string(b)
}

// TestDemo_Scenario is the end-to-end test: `tocsin demo --no-interactive`
// through run, as a user starts it, and every step of the incident checked
// against the stand-ins and the store.
func TestDemo_Scenario(t *testing.T) {
	if testing.Short() {
		t.Skip("plays the demo in real time (about 25 s)")
	}
	tmp := t.TempDir()
	env := map[string]string{"TOCSIN_ADDR": e2e.FreeAddr(t), "TMPDIR": tmp, "TOCSIN_LOG_LEVEL": "debug"}
	out, logs := &demoCapture{}, &e2e.SyncBuffer{}
	out.shoot = func(base, token string) { t.Run("Screenshots", func(t *testing.T) { takeScreenshots(t, base, token) }) }
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	if err := Run(ctx, []string{"--no-interactive"}, func(k string) string { return env[k] }, out, logs); err != nil {
		t.Fatalf("demo: %v\nnarration:\n%s\nlog:\n%s", err, out.String(), logs.String())
	}
	if took := time.Since(start); took > time.Minute {
		t.Errorf("the demo took %s; want well under a minute", took)
	}
	s := out.snap
	if s == nil {
		t.Fatalf("the observer was not called\n%s", out.String())
	}
	t.Run("Incidents", func(t *testing.T) { checkDemoIncidents(t, s) })
	t.Run("Channels", func(t *testing.T) { checkDemoChannels(t, s) })
	t.Run("Messages", func(t *testing.T) { checkDemoMessages(t, s) })
	t.Run("SSM", func(t *testing.T) { checkDemoSSM(t, s) })
	t.Run("Handoff", func(t *testing.T) { checkDemoHandoff(t, s) })
	t.Run("Timeline", func(t *testing.T) { checkDemoTimelines(t, s) })
	t.Run("Metrics", func(t *testing.T) { checkDemoMetrics(t, s) })
	t.Run("Review", func(t *testing.T) { checkDemoReview(t, s) })
	t.Run("Narration", func(t *testing.T) { checkDemoNarration(t, s, out.String()) })
	t.Run("DashboardAndSlackView", func(t *testing.T) {
		if !strings.HasPrefix(s.apiList, "200 OK\n") || strings.Count(s.apiList, `"service":`) != 2 {
			t.Errorf("GET /api/incidents with the printed token: %.300s", s.apiList)
		}
		for _, want := range []string{"200 OK\n", "#inc-1-search-cpu-high", "#inc-2-checkout-alb-target-5xx", "Approved by",
			"#oncall", "hands off <b>search</b> on call to"} {
			if !strings.Contains(s.slackView, want) {
				t.Errorf("GET /slack-view/ does not show %q", want)
			}
		}
	})
	t.Run("SecretsStayOutOfLogs", func(t *testing.T) {
		for name, secret := range map[string]string{"Slack bot token": s.creds.botToken,
			"Slack signing secret": s.creds.signingSecret, "AWS secret key": s.creds.awsSecret} {
			if strings.Contains(logs.String(), secret) || strings.Contains(out.String(), secret) {
				t.Errorf("the %s appears in the demo's output or log", name)
			}
		}
		if !strings.Contains(logs.String(), `"msg":"listening"`) || !strings.Contains(logs.String(), `"msg":"effect deferred"`) {
			t.Errorf("the log was not captured at info level or below, so the check above proves little:\n%.500s", logs.String())
		}
	})
	t.Run("CleansUp", func(t *testing.T) {
		if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
			t.Errorf("the demo left %d entries in its TMPDIR, e.g. %s", len(entries), entries[0].Name())
		}
	})
}

// demoIncident is what the test compares of an incident.
type demoIncident struct {
	ID                               incident.ID
	Title, Service, Source, Playbook string
	Severity                         incident.Severity
	Status                           incident.Status
	Commander, Channel, Runbooks     string
	Alarms                           []string
	Recovered                        bool
}

func checkDemoIncidents(t *testing.T, s *demoSnapshot) {
	var got []demoIncident
	for _, inc := range s.incidents {
		d := demoIncident{ID: inc.ID, Title: inc.Title, Service: inc.Service, Source: inc.Source, Playbook: inc.Playbook,
			Severity: inc.Severity, Status: inc.Status, Commander: inc.RoleHolder(incident.RoleCommander),
			Channel: inc.Channel.Name, Runbooks: inc.Extra["runbooks"], Recovered: inc.Recovered}
		for _, a := range inc.Alarms {
			d.Alarms = append(d.Alarms, fmt.Sprintf("%s %s alarmed %d", a.Name, a.State, a.Alarms))
		}
		got = append(got, d)
	}
	want := []demoIncident{
		{ID: 1, Title: "search-cpu-high", Service: "search", Source: "alarm", Playbook: "demo-search-cpu",
			Severity: incident.SEV2, Status: incident.StatusResolved, Commander: "U0ALICE", Channel: "inc-1-search-cpu-high",
			Runbooks: "run-diagnostics,restart-ec2-instance", Alarms: []string{"search-cpu-high OK alarmed 1"}, Recovered: true},
		{ID: 2, Title: "checkout-alb-target-5xx", Service: "checkout", Source: "alarm", Playbook: "demo-checkout-alb",
			Severity: incident.SEV1, Status: incident.StatusResolved, Commander: "U0BOB", Channel: "inc-2-checkout-alb-target-5xx",
			Runbooks: "scale-ecs-service,restart-ecs-service", Recovered: true, Alarms: []string{
				"checkout-alb-target-5xx OK alarmed 1", "checkout-alb-elb-5xx OK alarmed 1",
				"checkout-alb-latency-high OK alarmed 1", "checkout-alb-unhealthy-hosts OK alarmed 1"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("incidents (-want +got):\n%s", diff)
	}
}

func checkDemoChannels(t *testing.T, s *demoSnapshot) {
	var names []string
	for _, ch := range s.channels {
		names = append(names, ch.Name)
		if ch.Name == demoAnnounce || ch.Name == demoOnCallChannel {
			continue
		}
		for _, u := range []string{demoAlice.ID, demoBob.ID, sim.SlackBotUserID} {
			if !slices.Contains(ch.Members, u) {
				t.Errorf("#%s: %s is not a member (members %v)", ch.Name, u, ch.Members)
			}
		}
		if !strings.Contains(ch.Topic, "resolved") {
			t.Errorf("#%s: topic %q does not say the incident is resolved", ch.Name, ch.Topic)
		}
	}
	// tocsin promises each incident its own channel named after it, not the
	// order in which Slack creates them (two alarms open two incidents at
	// once, and the second channel may come first).
	slices.Sort(names)
	if want := []string{"inc-1-search-cpu-high", "inc-2-checkout-alb-target-5xx", "incidents", "oncall"}; !slices.Equal(names, want) {
		t.Errorf("channels (sorted) = %q, want %q", names, want)
	}
	for _, inc := range s.incidents {
		if want := "inc-" + strconv.FormatInt(int64(inc.ID), 10) + "-"; !strings.HasPrefix(inc.Channel.Name, want) {
			t.Errorf("%s has channel %q, want one named %s…", inc.ID, inc.Channel.Name, want)
		}
	}
}

// checkDemoHandoff: #oncall shows Alice giving Bob the shift and, when it
// ended, the hand-off back, once each.
func checkDemoHandoff(t *testing.T, s *demoSnapshot) {
	var got []string
	for _, m := range s.messages[demoOnCallChannel] {
		got = append(got, m.Text)
	}
	want := []string{
		":arrows_counterclockwise: <@U0BOB> takes the *search* on-call shift from <@U0ALICE> for 15s, until <!date^",
		":arrows_counterclockwise: <@U0BOB> hands off *search* on call to <@U0ALICE>, on call until <!date^",
	}
	if len(got) != len(want) {
		t.Fatalf("#oncall has %d messages, want %d: %q", len(got), len(want), got)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("#oncall message %d = %q, want it to start %q", i, got[i], want[i])
		}
	}
}
