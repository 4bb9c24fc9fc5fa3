package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tocsin-dev/tocsin/sim"
)

// stormPlaybook groups the storm's alarms by their Service dimension.
const stormPlaybook = `name: storm
description: The storm benchmark's alarms, one incident per service.
match: {namespace: ` + stormNamespace + `}
service: "{{dimension:Service}}"
group_by: service
owner: S00ONCALL
severity: {default: sev2}
`

// bench is one run of the storm.
type bench struct {
	opts       options
	dir        string
	log        io.Writer
	pg         *pgSchema // with -db: tocsin's schema; nil for a bbolt file
	pgPID      int       // with -db: the PostgreSQL server's process, when on this machine
	loadBefore string    // /proc/loadavg before the build
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.log, "storm: "+format+"\n", args...)
}

// run prepares everything, sends the storm, waits for the Slack work to
// finish, checks and measures.
func (b *bench) run(ctx context.Context) (*Report, error) {
	b.loadBefore = loadAvg()
	b.logf("building tocsin")
	bin, err := buildTocsin(ctx, b.dir)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	f, err := newFeed(b.dir, now)
	if err != nil {
		return nil, err
	}
	p := newPlan(b.opts, now)
	b.logf("signing %d notifications (before the clock starts)", len(p.messages)+len(p.forged))
	if err := f.signAll(slices.Concat(p.messages, p.forged)); err != nil {
		return nil, err
	}
	token := "xoxb-storm-" + rand.Text()
	sl := sim.NewSlack(sim.SlackOptions{BotToken: token, RateLimits: true, Latency: b.opts.latency,
		Users:      []sim.SlackUser{{ID: "U0ONCALL1", Name: "ana"}, {ID: "U0ONCALL2", Name: "bo"}},
		UserGroups: map[string][]string{"S00ONCALL": {"U0ONCALL1", "U0ONCALL2"}}})
	sl.Start()
	defer sl.Close()
	aws := httptest.NewServer(&sim.AWS{SSM: sim.NewSSM(sim.SSMOptions{}), CloudWatch: sim.NewCloudWatch(sim.CloudWatchOptions{})})
	defer aws.Close()
	if b.opts.db != "" {
		if err := b.createSchema(ctx); err != nil {
			return nil, err
		}
		defer b.dropSchema(ctx)
	}
	env, err := b.env(f, token, sl.URL(), aws.URL)
	if err != nil {
		return nil, err
	}
	c, err := startChild(ctx, bin, env, filepath.Join(b.dir, "tocsin.log"))
	if err != nil {
		return nil, err
	}
	defer c.stop()
	if err := b.waitStandby(ctx, sl); err != nil {
		return nil, err
	}
	return b.measure(ctx, c, sl, p)
}

// createSchema makes tocsin's fresh schema in the -db database.
func (b *bench) createSchema(ctx context.Context) error {
	s, err := createSchema(ctx, b.opts.db)
	if err != nil {
		return err
	}
	b.pg, b.pgPID = s, s.serverPID(ctx)
	b.logf("PostgreSQL schema %s (server process %d; 0: not on this machine)", s.name, b.pgPID)
	return nil
}

// dropSchema drops tocsin's schema, once tocsin has stopped, unless -keep.
func (b *bench) dropSchema(ctx context.Context) {
	if b.opts.keep {
		b.logf("keeping PostgreSQL schema %s", b.pg.name)
		return
	}
	if err := b.pg.drop(context.WithoutCancel(ctx)); err != nil {
		b.logf("drop schema: %v", err)
	}
}

// pgCounters reads the PostgreSQL server's counters with -db.
func (b *bench) pgCounters(ctx context.Context) (pgCounters, bool) {
	if b.pg == nil {
		return pgCounters{}, false
	}
	return b.pg.counters(ctx)
}

// storeDB is tocsin's TOCSIN_DB: the schema's URL, or a file in the
// temporary directory.
func (b *bench) storeDB() string {
	if b.pg != nil {
		return b.pg.url
	}
	return filepath.Join(b.dir, "storm.db")
}

// waitStandby waits until tocsin has made its standby channels.
func (b *bench) waitStandby(ctx context.Context, sl *sim.Slack) error {
	if b.opts.standby <= 0 {
		return nil
	}
	b.logf("waiting for %d standby channels (Slack's Tier 2 pace: about one each 3.3 s)", b.opts.standby)
	deadline := time.Now().Add(time.Duration(b.opts.standby)*5*time.Second + 30*time.Second)
	for time.Now().Before(deadline) {
		n := 0
		for _, ch := range sl.Channels() {
			if strings.HasPrefix(ch.Name, "inc-standby-") && ch.Purpose != "" {
				n++
			}
		}
		if n >= b.opts.standby {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("tocsin did not make %d standby channels in time", b.opts.standby)
}

// env is tocsin's whole configuration.
func (b *bench) env(f *feed, slackToken, slackURL, awsURL string) (map[string]string, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	pprofAddr := ""
	if b.opts.cpuProfile != "" {
		if pprofAddr, err = freeAddr(); err != nil {
			return nil, err
		}
	}
	pbDir := filepath.Join(b.dir, "playbooks")
	if err := os.MkdirAll(pbDir, 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(pbDir, "storm.yaml"), []byte(stormPlaybook), 0o600); err != nil {
		return nil, err
	}
	return map[string]string{
		"TOCSIN_ADDR": addr, "TOCSIN_DB": b.storeDB(), "TOCSIN_API_TOKEN": "storm-" + rand.Text(),
		"TOCSIN_SNS_TOPIC_ARNS": stormTopic, "TOCSIN_SNS_CERT_DIR": f.certDir, "TOCSIN_PLAYBOOKS": pbDir,
		"SLACK_BOT_TOKEN": slackToken, "SLACK_SIGNING_SECRET": "storm-" + rand.Text(), "SLACK_API_URL": slackURL,
		"AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": awsURL,
		"AWS_ACCESS_KEY_ID": "AKIASTORMBENCH000000", "AWS_SECRET_ACCESS_KEY": "storm-" + rand.Text(),
		"TOCSIN_LOG_LEVEL": "warn", "TOCSIN_PPROF_ADDR": pprofAddr, "GOGC": b.opts.gogc,
		"TOCSIN_STANDBY_CHANNELS": strconv.Itoa(b.opts.standby), "TOCSIN_STORM_AFTER": strconv.Itoa(b.opts.stormAfter),
	}, nil
}

// measure sends the storm against the running child and gathers the report.
func (b *bench) measure(ctx context.Context, c *child, sl *sim.Slack, p *plan) (*Report, error) {
	a := api{base: c.base, token: c.token, client: &http.Client{Timeout: time.Minute}}
	sampling, stopSampling := context.WithCancel(ctx)
	defer stopSampling()
	heap := sampleHeap(sampling, c.base)
	b.logf("sending %d notifications over %s (%d distinct, %d alarms, %d services)",
		len(p.deliveries), b.opts.duration, len(p.messages), b.opts.alarms, b.opts.services)
	prof := b.profile(ctx, c)
	cpu0, _ := scrape(c.base, "process_cpu_seconds_total")
	pg0, pgOK := b.pgCounters(ctx)
	use0 := sampleCPU(c.cmd.Process.Pid, b.pgPID)
	s := send(ctx, c.base, p, b.opts.workers)
	use1 := sampleCPU(c.cmd.Process.Pid, b.pgPID)
	pg1, pgOK1 := b.pgCounters(ctx)
	cpu1, cpuOK := scrape(c.base, "process_cpu_seconds_total")
	if err := prof(); err != nil {
		b.logf("cpu profile: %v", err)
	}
	b.logf("storm sent in %s; waiting for tocsin's Slack work (at most %s)", s.elapsed.Round(time.Millisecond), b.opts.drain)
	dr := waitDrain(ctx, a, sl, b.opts, len(p.wantIncidents(b.opts)), b.log)
	rss, rssErr := c.peakRSS()
	views, err := a.views()
	if err != nil {
		return nil, fmt.Errorf("read incidents back: %w", err)
	}
	stopSampling()
	r := &Report{When: time.Now().UTC(), Workload: workloadOf(b.opts, p), Drain: dr, PeakRSS: rss, CPU: cpuBetween(use0, use1)}
	r.CPU.LoadBefore, r.CPU.LoadAfter = b.loadBefore, loadAvg()
	r.PeakHeap, r.HeapSamples = heap.result()
	if rssErr != nil {
		b.logf("peak RSS unavailable: %v", rssErr)
	}
	r.Ack = ackReport(s)
	if pgOK && pgOK1 {
		r.Postgres = activityBetween(pg0, pg1, r.Ack.Acknowledged)
	}
	if cpuOK {
		r.Ack.CPUSeconds = cpu1 - cpu0
	}
	r.Check = check(b.opts, p, s, views)
	r.Slack = slackReport(sl, p, s, views)
	if err := c.stop(); err != nil {
		b.logf("%v", err)
	}
	r.LogLines = c.logLines()
	if b.pg != nil {
		r.Store, err = b.pg.report(ctx, r.Check.TimelineEvents)
	} else {
		r.Store, err = storeReport(c.db, r.Check.TimelineEvents)
	}
	if err != nil {
		return nil, err
	}
	if !r.Check.OK {
		b.logf("correctness check failed; last lines of tocsin's log:\n%s", c.tail(20))
	}
	return r, nil
}
