package demo

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tocsin-dev/tocsin/app"
	"github.com/tocsin-dev/tocsin/sim"
)

//go:embed playbooks/*.yaml
var demoPlaybooks embed.FS

// demoPlaybookNames lists the embedded demo playbooks by name.
func demoPlaybookNames() []string {
	entries, _ := fs.ReadDir(demoPlaybooks, "playbooks")
	var out []string
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(out)
	return out
}

// The demo workspace's people and its on-call group.
var (
	demoAlice = demoUser{ID: "U0ALICE", Name: "alice", RealName: "Alice Martin"}
	demoBob   = demoUser{ID: "U0BOB", Name: "bob", RealName: "Bob Okafor"}
	demoUsers = []demoUser{demoAlice, demoBob}
)

const (
	demoOnCall       = "S0DEMOONCALL"
	demoAnnounce     = "incidents"
	demoDefaultAddr  = "127.0.0.1:8080"
	demoDBName       = "tocsin-demo.db"
	demoAWSAccessKey = "AKIADEMO0000000LOCAL" // the stand-ins accept any credentials
)

type demoUser struct{ ID, Name, RealName string }

// demoCredentials are made fresh for every run.
type demoCredentials struct {
	apiToken, botToken, signingSecret, awsSecret string
	routingKey, webhookSecret                    string // PagerDuty
}

// demoWorld is one running demo: tocsin, the stand-ins, and what the
// scenario and the prompt need to talk to them.
type demoWorld struct {
	opts     demoOptions
	dir      string // removed by stop
	creds    demoCredentials
	app      *app.App
	base     string // http://host:port of tocsin
	addrNote string // set when TOCSIN_ADDR was taken
	slack    *sim.Slack
	ssm      *sim.SSM
	cw       *sim.CloudWatch
	pd       *sim.PagerDuty
	awsURL   string
	awsSrv   *http.Server
	sns      *sim.SNSFeed
	client   *http.Client
	say      *narrator
	seen     *watched
	log      *heldLog     // tocsin's log, held while the prompt runs
	seq      atomic.Int64 // trigger ids, response URL ids, action timestamps

	stopServer context.CancelFunc
	served     chan error

	stormAt time.Time // when the scripted alarms fired (their metrics breach from 3 minutes before)
}

// startDemoWorld creates the demo directory and credentials, starts the
// stand-ins, builds tocsin with app.New from an environment that points at
// them, and serves it. On error everything started so far is stopped.
func startDemoWorld(ctx context.Context, o demoOptions) (w *demoWorld, err error) {
	w = &demoWorld{opts: o, client: &http.Client{Timeout: 15 * time.Second}}
	defer func() {
		if err != nil {
			w.stop()
		}
	}()
	if w.dir, err = os.MkdirTemp(o.getenv("TMPDIR"), "tocsin-demo-"); err != nil {
		return nil, fmt.Errorf("create the demo directory: %w", err)
	}
	if w.creds, err = newDemoCredentials(); err != nil {
		return nil, err
	}
	if err := w.writePlaybooks(); err != nil {
		return nil, err
	}
	if w.sns, err = newDemoSNS(filepath.Join(w.dir, "sns-certs")); err != nil {
		return nil, err
	}
	if err := w.startStandIns(); err != nil {
		return nil, err
	}
	if err := w.writeRotation(); err != nil {
		return nil, err
	}
	ln, err := w.listen(o.getenv("TOCSIN_ADDR"))
	if err != nil {
		return nil, err
	}
	if err := w.startServer(ctx, ln); err != nil {
		ln.Close()
		return nil, err
	}
	w.say, w.seen = newNarrator(o.stdout, time.Now), newWatched(w.slack)
	return w, w.waitHealthy(ctx)
}

func newDemoCredentials() (demoCredentials, error) {
	var c demoCredentials
	for _, f := range []struct {
		dst    *string
		prefix string
	}{{&c.apiToken, "demo-"}, {&c.botToken, "xoxb-demo-"}, {&c.signingSecret, ""}, {&c.awsSecret, ""},
		{&c.routingKey, ""}, {&c.webhookSecret, ""}} { // 32 hex characters: a routing key's length
		b := make([]byte, 16)
		if _, err := rand.Read(b); err != nil {
			return c, fmt.Errorf("make demo credentials: %w", err)
		}
		*f.dst = f.prefix + hex.EncodeToString(b)
	}
	return c, nil
}

func (w *demoWorld) writePlaybooks() error {
	dir := filepath.Join(w.dir, "playbooks")
	if err := os.Mkdir(dir, 0o700); err != nil {
		return fmt.Errorf("write the demo playbooks: %w", err)
	}
	entries, err := fs.ReadDir(demoPlaybooks, "playbooks")
	if err != nil {
		return err
	}
	for _, e := range entries {
		b, err := demoPlaybooks.ReadFile("playbooks/" + e.Name())
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o600); err != nil {
			return fmt.Errorf("write the demo playbooks: %w", err)
		}
	}
	return nil
}

// startStandIns starts the Slack stand-in and one server for SSM and
// CloudWatch, seeded with the demo's instance, alarms and metrics.
func (w *demoWorld) startStandIns() error {
	users := make([]sim.SlackUser, len(demoUsers))
	members := make([]string, len(demoUsers))
	for i, u := range demoUsers {
		users[i] = sim.SlackUser{ID: u.ID, Name: u.Name, RealName: u.RealName}
		members[i] = u.ID
	}
	w.slack = sim.NewSlack(sim.SlackOptions{BotToken: w.creds.botToken, Users: users,
		UserGroups: map[string][]string{demoOnCall: members}, UserGroupNames: map[string]string{demoOnCall: "Search on-call"},
		Channels: []string{demoAnnounce, demoOnCallChannel}})
	w.slack.Start()
	w.ssm = sim.NewSSM(sim.SSMOptions{Instances: []string{demoInstance}, PendingFor: 500 * time.Millisecond, RunFor: 2 * time.Second})
	seedSSM(w.ssm)
	w.cw = sim.NewCloudWatch(sim.CloudWatchOptions{})
	seedCloudWatch(w.cw, time.Now())
	w.startPagerDuty()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen for the AWS stand-in: %w", err)
	}
	w.awsURL = "http://" + ln.Addr().String()
	w.awsSrv = &http.Server{Handler: &sim.AWS{SSM: w.ssm, CloudWatch: w.cw}, ReadHeaderTimeout: 5 * time.Second}
	go w.awsSrv.Serve(ln)
	return nil
}

// listen takes addr (127.0.0.1:8080 by default), or a free loopback port
// when it is taken (or cannot be used), and says so in the banner.
func (w *demoWorld) listen(addr string) (net.Listener, error) {
	if addr == "" {
		addr = demoDefaultAddr
	}
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		return ln, nil
	}
	ln, ferr := net.Listen("tcp", "127.0.0.1:0")
	if ferr != nil {
		return nil, fmt.Errorf("listen on TOCSIN_ADDR %s: %w; and on a free port: %w", addr, err, ferr)
	}
	w.addrNote = fmt.Sprintf("TOCSIN_ADDR %s is not available (%v), so tocsin listens on %s instead.", addr, errors.Unwrap(err), ln.Addr())
	return ln, nil
}

// env is the environment tocsin runs with: everything points at the
// stand-ins and the demo directory. Only TOCSIN_LOG_LEVEL comes from the
// caller's environment; nothing else does, so a real token or store in the
// caller's environment is never used.
func (w *demoWorld) env(addr string) map[string]string {
	announce, _ := w.slack.ChannelByName(demoAnnounce)
	level := w.opts.getenv("TOCSIN_LOG_LEVEL")
	if level == "" {
		level = "warn"
	}
	env := map[string]string{
		"TOCSIN_ADDR": addr, "TOCSIN_DB": filepath.Join(w.dir, demoDBName),
		"TOCSIN_API_TOKEN": w.creds.apiToken, "TOCSIN_PLAYBOOKS": filepath.Join(w.dir, "playbooks"),
		"TOCSIN_SNS_TOPIC_ARNS": demoTopic, "TOCSIN_SNS_CERT_DIR": w.sns.CertDir(),
		"SLACK_BOT_TOKEN": w.creds.botToken, "SLACK_SIGNING_SECRET": w.creds.signingSecret,
		"SLACK_API_URL": w.slack.URL(), "TOCSIN_ANNOUNCE_CHANNEL": announce.ID,
		"AWS_REGION": demoRegion, "AWS_ACCESS_KEY_ID": demoAWSAccessKey, "AWS_SECRET_ACCESS_KEY": w.creds.awsSecret,
		"AWS_ENDPOINT_URL": w.awsURL, "TOCSIN_LOG_LEVEL": level,
		"TOCSIN_PUBLIC_URL": "http://" + addr, // links in Slack lead to the demo's dashboard
	}
	w.pagerDutyEnv(env)
	return env
}

// startServer builds tocsin exactly as serve does, from the demo
// environment, with the Slack stand-in's view mounted at /slack-view/.
func (w *demoWorld) startServer(ctx context.Context, ln net.Listener) error {
	env := w.env(ln.Addr().String())
	getenv := func(k string) string { return env[k] }
	cfg, err := app.LoadConfig(getenv)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	w.log = &heldLog{out: w.opts.stderr}
	logger := app.NewLogger(w.log, cfg.LogLevel)
	w.app, err = app.New(ctx, cfg, app.Deps{Logger: logger, Getenv: getenv,
		Extra:      map[string]http.Handler{"GET /slack-view/": w.slack.ViewHandler()},
		ChannelURL: func(string) string { return "/slack-view/" }})
	if err != nil {
		return err
	}
	w.base = "http://" + ln.Addr().String()
	serveCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	w.stopServer, w.served = cancel, make(chan error, 1)
	go func() { w.served <- w.app.Serve(serveCtx, ln) }()
	return nil
}

func (w *demoWorld) waitHealthy(ctx context.Context) error {
	return w.waitFor(ctx, 10*time.Second, "tocsin to answer /healthz", func() (bool, error) {
		select {
		case err := <-w.served:
			w.served <- err
			return false, fmt.Errorf("tocsin stopped: %v", err)
		default:
		}
		resp, err := w.client.Get(w.base + "/healthz")
		if err != nil {
			return false, nil
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	})
}

// stop shuts down in order: tocsin (requests, background work, store), the
// stand-ins, then removes the demo directory. It is safe on a partial start.
func (w *demoWorld) stop() error {
	var err error
	if w.stopServer != nil {
		w.stopServer()
		select {
		case err = <-w.served:
		case <-time.After(20 * time.Second):
			err = errors.New("tocsin did not shut down within 20s")
		}
	}
	if w.awsSrv != nil {
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		w.awsSrv.Shutdown(shut)
		cancel()
	}
	if w.slack != nil {
		w.slack.Close()
	}
	if w.pd != nil {
		w.pd.Close()
	}
	if w.dir != "" {
		if rmErr := os.RemoveAll(w.dir); rmErr != nil && err == nil {
			err = fmt.Errorf("remove the demo directory: %w", rmErr)
		}
	}
	return err
}

// waitFor polls cond until it holds, fails, ctx ends or the timeout passes.
func (w *demoWorld) waitFor(ctx context.Context, timeout time.Duration, what string, cond func() (bool, error)) error {
	deadline := time.Now().Add(timeout)
	for {
		ok, err := cond()
		if err != nil {
			return fmt.Errorf("waiting for %s: %w", what, err)
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %s waiting for %s", timeout, what)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// next returns a fresh number for ids that must not repeat.
func (w *demoWorld) next() int64 { return w.seq.Add(1) }
