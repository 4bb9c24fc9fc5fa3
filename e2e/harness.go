// Package e2e runs the whole tocsin program in tests, through one harness:
// [Harness] starts tocsin in-process through package app (app.LoadConfig,
// app.New, (*app.App).Serve) on a loopback listener, or as a child process
// (this test binary run again, see [Main]) where a test must SIGKILL it or
// change its process limits, with the stand-ins of package sim for Slack
// and AWS and sim's signed-SNS feed. Both modes take the same [Options] and
// have the same helpers: post SNS, type slash commands, click buttons, read
// the API, wait for a condition.
//
// Its tests are the whole-program suites (flows, faults and the crash
// matrix, security). Its exported helpers are shared with the demo's tests.
// It imports app and sim (and the vocabulary its API answers in); nothing
// in the tocsin binary imports it.
package e2e

import (
	"crypto/rand"
	"crypto/rsa"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/logtest"
	"github.com/tocsin-dev/tocsin/sim"
)

// Defaults of the tocsin the harness runs; Options.Env overrides them.
const (
	APIToken      = "test-token-0123456789abcdef012345" // TOCSIN_API_TOKEN
	BotToken      = "xoxb-test-secret"                  // SLACK_BOT_TOKEN, when Options.Slack does not name one
	SigningSecret = "signing-secret-123"                // SLACK_SIGNING_SECRET
	Topic         = "arn:aws:sns:us-east-1:123456789012:tocsin-alarms"
)

// StormPlaybook is the harness's default playbook: alarms in the Test/Storm
// namespace (see [AlarmMessage]) are grouped by their Service dimension.
const StormPlaybook = `name: storm
owner: S00ONCALL
match: {namespace: Test/Storm}
service: "{{dimension:Service}}"
group_by: service
severity: {default: sev2}
`

// Options configure one tocsin under test. The zero value runs tocsin with
// a temporary store, a free loopback address, the API token APIToken, the
// SNS topic Topic (signed by Harness.SNS) and StormPlaybook; no Slack, no AWS.
type Options struct {
	// Env are settings over the defaults. A value "#name" naming one of
	// Slack.Channels becomes that channel's id.
	Env map[string]string
	// Slack, when set, starts the Slack stand-in with these options
	// (BotToken defaults to BotToken) and points tocsin at it, with the
	// signing secret SigningSecret.
	Slack *sim.SlackOptions
	// AWS, when set, serves these stand-ins on one local endpoint and points
	// tocsin's AWS clients at it (us-east-1, test credentials). An SQS
	// stand-in gets the endpoint as its base URL.
	AWS *sim.AWS
	// Playbooks and Runbooks are definition files by name (a name may hold
	// a subdirectory: rotations/platform.yaml), written to the directories
	// TOCSIN_PLAYBOOKS and TOCSIN_RUNBOOKS name. Nil Playbooks
	// means storm.yaml holding StormPlaybook; nil Runbooks, none.
	Playbooks, Runbooks map[string]string
	// Now is tocsin's clock (nil is time.Now): see Clock. In a child it
	// starts at Now() each time the child starts and runs at real speed.
	Now func() time.Time
	// HTTP and HostAllowed are app.Deps for SNS certificate and
	// subscription fetches (a locally served certificate, say). In-process
	// only.
	HTTP        *http.Client
	HostAllowed func(hostport string) bool
	// Child runs tocsin as a child process (see Main): for tests that
	// SIGKILL it (Kill) or signal it (Signal).
	Child bool
	// PagerDuty starts the PagerDuty stand-in and points tocsin at it,
	// with the routing key PagerDutyKey and the webhook secret
	// PagerDutySecret.
	PagerDuty bool
}

// Clock returns a clock that reads at when it is made and moves on with
// real time: Options.Now for a test that needs a given date.
func Clock(at time.Time) func() time.Time {
	start := time.Now()
	return func() time.Time { return at.Add(time.Since(start)) }
}

// Harness is one tocsin under test and the stand-ins it talks to. The
// stand-ins live in the test process and outlast restarts.
type Harness struct {
	// URL is tocsin's base URL, http://127.0.0.1:port; it is the same
	// after a restart.
	URL   string
	Slack *sim.Slack     // nil without Options.Slack
	AWS   *sim.AWS       // nil without Options.AWS
	PD    *sim.PagerDuty // nil without Options.PagerDuty
	SNS   *sim.SNSFeed   // its certificate is in TOCSIN_SNS_CERT_DIR
	Logs  *SyncBuffer    // tocsin's log (and a child's output), across restarts

	t    testing.TB
	opts Options

	mu      sync.Mutex
	env     map[string]string
	proc    process // the running tocsin, nil when stopped
	starts  int
	replies int // numbers response_url ids

	hookMu     sync.Mutex
	slackHooks map[string][]func(sim.SlackCall)
}

// process is one run of tocsin, in this process or a child.
type process interface {
	// exited is closed when tocsin has stopped, for whatever reason.
	exited() <-chan struct{}
	// stop shuts tocsin down cleanly and returns how it ended.
	stop() error
	// kill SIGKILLs it (a child only); nothing of it runs afterwards.
	kill()
	// signal sends sig to the process tocsin runs in.
	signal(sig os.Signal)
}

// Start is New, then Start: a running tocsin.
func Start(t testing.TB, o Options) *Harness {
	t.Helper()
	h := New(t, o)
	h.Start()
	return h
}

// New prepares tocsin and starts the stand-ins, but not tocsin: the test
// may change settings (Setenv) or seed the store, then call Start. Cleanup
// stops (or kills) tocsin before the stand-ins close, and logs the tail of
// its log if the test failed.
func New(t testing.TB, o Options) *Harness {
	t.Helper()
	if o.Child && (o.HTTP != nil || o.HostAllowed != nil) {
		t.Fatal("e2e: Options.HTTP and HostAllowed are in-process only")
	}
	h := &Harness{t: t, opts: o, Logs: &SyncBuffer{}}
	h.env = map[string]string{
		"TOCSIN_ADDR": FreeAddr(t), "TOCSIN_DB": filepath.Join(t.TempDir(), "tocsin.db"),
		"TOCSIN_API_TOKEN": APIToken, "TOCSIN_SNS_TOPIC_ARNS": Topic,
	}
	h.newSNS()
	h.writeDefinitions()
	h.startSlack()
	h.startAWS()
	h.startPagerDuty()
	for k, v := range o.Env {
		h.env[k] = h.channelID(v)
	}
	h.URL = "http://" + h.env["TOCSIN_ADDR"]
	t.Cleanup(h.cleanup)
	return h
}

var (
	keyOnce sync.Once
	key     *rsa.PrivateKey
)

// newSNS makes the feed, with one RSA key for the whole test binary (making
// one takes a while under the race detector).
func (h *Harness) newSNS() {
	keyOnce.Do(func() { key, _ = rsa.GenerateKey(rand.Reader, 2048) })
	feed, err := sim.NewSNSFeed(sim.SNSFeedOptions{CertDir: h.t.TempDir(), Key: key, TopicARN: Topic, Now: h.Now})
	if err != nil {
		h.t.Fatal(err)
	}
	h.SNS, h.env["TOCSIN_SNS_CERT_DIR"] = feed, feed.CertDir()
}

// writeDefinitions writes the playbooks and runbooks.
func (h *Harness) writeDefinitions() {
	pbs := h.opts.Playbooks
	if pbs == nil {
		pbs = map[string]string{"storm.yaml": StormPlaybook}
	}
	h.env["TOCSIN_PLAYBOOKS"] = h.writeDir(pbs)
	if h.opts.Runbooks != nil {
		h.env["TOCSIN_RUNBOOKS"] = h.writeDir(h.opts.Runbooks)
	}
}

func (h *Harness) writeDir(files map[string]string) string {
	dir := h.t.TempDir()
	h.writeFiles(dir, files)
	return dir
}

// WritePlaybook writes (or replaces) a file in the playbook directory:
// name may hold a subdirectory (rotations/platform.yaml). A running tocsin
// reads it on SIGHUP (Signal), a stopped one when it starts.
func (h *Harness) WritePlaybook(name, body string) {
	h.t.Helper()
	h.writeFiles(h.Getenv("TOCSIN_PLAYBOOKS"), map[string]string{name: body})
}

func (h *Harness) writeFiles(dir string, files map[string]string) {
	for name, body := range files {
		file := filepath.Join(dir, name) // name may be in a subdirectory: rotations/platform.yaml
		if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
			h.t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
			h.t.Fatal(err)
		}
	}
}

func (h *Harness) startSlack() {
	if h.opts.Slack == nil {
		return
	}
	o := *h.opts.Slack
	if o.BotToken == "" {
		o.BotToken = BotToken
	}
	h.Slack = sim.NewSlack(o)
	h.Slack.Start()
	h.t.Cleanup(h.Slack.Close)
	h.env["SLACK_BOT_TOKEN"], h.env["SLACK_SIGNING_SECRET"], h.env["SLACK_API_URL"] = o.BotToken, SigningSecret, h.Slack.URL()
}

func (h *Harness) startAWS() {
	if h.opts.AWS == nil {
		return
	}
	h.AWS = h.opts.AWS
	srv := httptest.NewServer(h.AWS)
	h.t.Cleanup(srv.Close)
	if h.AWS.SQS != nil {
		h.AWS.SQS.SetBaseURL(srv.URL)
	}
	for k, v := range map[string]string{"AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": srv.URL,
		"AWS_ACCESS_KEY_ID": "AKIAE2ETEST000000001", "AWS_SECRET_ACCESS_KEY": "e2e-aws-secret", "AWS_EC2_METADATA_DISABLED": "true"} {
		h.env[k] = v
	}
}

// channelID turns "#name" into the id of the stand-in's channel name.
func (h *Harness) channelID(v string) string {
	if h.Slack == nil || !strings.HasPrefix(v, "#") {
		return v
	}
	if c, ok := h.Slack.ChannelByName(v[1:]); ok {
		return c.ID
	}
	return v
}

// Getenv reads tocsin's settings: what it was, or will next be, started with.
func (h *Harness) Getenv(k string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.env[k]
}

// Setenv changes a setting for the next start ("#name" as in Options.Env).
func (h *Harness) Setenv(k, v string) {
	v = h.channelID(v)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.env[k] = v
}

// Now reads the test's clock, Options.Now.
func (h *Harness) Now() time.Time {
	if h.opts.Now != nil {
		return h.opts.Now()
	}
	return time.Now()
}

// SyncBuffer is a goroutine-safe writer for logs and narration.
type SyncBuffer = logtest.Buffer

// FreeAddr returns a loopback host:port that was free a moment ago.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Replica starts another tocsin with h's settings and stand-ins (the same
// Slack workspace, AWS, SNS feed and definitions) at an address of its own:
// with a PostgreSQL TOCSIN_DB, another replica of the same cluster. Its
// Slack hooks (OnSlack) are its own.
func (h *Harness) Replica() *Harness {
	h.t.Helper()
	r := &Harness{t: h.t, opts: h.opts, Logs: &SyncBuffer{}, Slack: h.Slack, AWS: h.AWS, SNS: h.SNS}
	h.mu.Lock()
	r.env = maps.Clone(h.env)
	h.mu.Unlock()
	r.env["TOCSIN_ADDR"] = FreeAddr(h.t)
	r.URL = "http://" + r.env["TOCSIN_ADDR"]
	h.t.Cleanup(r.cleanup)
	r.Start()
	return r
}
