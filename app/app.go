package app

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/tocsin-dev/tocsin/access"
	"github.com/tocsin-dev/tocsin/bot"
	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/intake"
	"github.com/tocsin-dev/tocsin/oncall"
	"github.com/tocsin-dev/tocsin/pgstore"
	"github.com/tocsin-dev/tocsin/playbooks"
	"github.com/tocsin-dev/tocsin/report"
	"github.com/tocsin-dev/tocsin/runbooks"
	"github.com/tocsin-dev/tocsin/store"
	"github.com/tocsin-dev/tocsin/web"
)

// The adapters satisfy the interfaces their consumers declare.
var (
	_ incident.Tx         = (*store.Tx)(nil)
	_ web.Backuper        = (*store.DB)(nil)
	_ dispatch.Authorizer = (*access.Authorizer)(nil)
)

// Deps are what a caller (the serve command, the demo, tests) may inject.
// The zero value of each field is the production choice.
type Deps struct {
	Logger *slog.Logger            // nil discards
	Getenv func(string) string     // for the AWS SDK's settings; nil reads nothing
	Now    func() time.Time        // nil is time.Now
	HTTP   *http.Client            // for SNS certificate and subscription fetches
	Extra  map[string]http.Handler // extra routes (the demo's Slack view)
	// ChannelURL is where the dashboard links an incident's channel; nil
	// means Slack's own redirect (the demo links its Slack view).
	ChannelURL func(channelID string) string
	// HostAllowed overrides the SNS URL host check (the demo and tests serve
	// certificates and SubscribeURLs locally); nil is the AWS check.
	HostAllowed func(hostport string) bool
}

// background is a long-lived part run by Serve. A part that must run once
// per cluster (the outbox worker, timers and schedules, reconciliation,
// standby channels) runs on the leader only when replicas share a
// PostgreSQL store (leader.go); with bbolt every part runs.
type background struct {
	name string
	run  func(ctx context.Context) error
	once bool // once per cluster
}

// every adds a part that runs on every replica (HTTP-side work, reload).
func (a *App) every(name string, run func(ctx context.Context) error) {
	a.background = append(a.background, background{name: name, run: run})
}

// once adds a part that runs once per cluster.
func (a *App) once(name string, run func(ctx context.Context) error) {
	a.background = append(a.background, background{name: name, run: run, once: true})
}

// App is tocsin assembled from its configuration: New builds it, Serve
// runs it until its context ends.
type App struct {
	cfg       Config
	getenv    func(string) string // the environment, for the variables playbooks name
	log       *slog.Logger
	now       func() time.Time
	store     Store
	engine    *dispatch.Engine
	worker    *dispatch.Worker
	exec      executors          // filled by the wiring, then the worker's table
	access    *access.Authorizer // who may do what (everyone, without a policy)
	leader    *pgstore.Leader    // nil with bbolt: this process runs every part
	playbooks atomic.Pointer[playbooks.Set]
	runbooks  atomic.Pointer[runbooks.Set]
	rotations atomic.Pointer[oncall.Set]
	registry  *prometheus.Registry
	verifier  *intake.Verifier
	aws       *awsClients
	tags      *playbooks.TagSource // set when AWS is configured
	// slackGroups reads a Slack user group's members (set when Slack is).
	slackGroups func(ctx context.Context, group string) ([]string, error)
	// names names Slack users and groups outside Slack (names.go).
	names *bot.Directory
	// The HTTP handlers the wiring built, mounted by routes.
	sns       http.Handler  // POST /sns
	slack     *bot.Handlers // nil without a Slack bot token
	pdWebhook http.Handler  // POST /pagerduty/webhook
	// slackByEmail finds a Slack user by e-mail (set when Slack is).
	slackByEmail func(ctx context.Context, email string) (string, bool, error)
	// onTerm are called, in order, each time this replica becomes the
	// leader, before the term's once-per-cluster parts start.
	onTerm     []func()
	web        web.Config
	background []background
}

// New builds tocsin from cfg: it loads the runbooks and playbooks, opens
// the store and wires every part, but starts nothing (see Serve).
func New(ctx context.Context, cfg Config, d Deps) (*App, error) {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Getenv == nil {
		d.Getenv = func(string) string { return "" }
	}
	a := &App{cfg: cfg, log: d.Logger, now: d.Now, getenv: d.Getenv, registry: prometheus.NewRegistry()}
	a.access = access.New(nil, a.groups)
	if err := a.loadDefinitions(); err != nil {
		return nil, err
	}
	db, err := OpenStore(ctx, cfg.DB, d.Now, d.Logger)
	if err != nil {
		return nil, err
	}
	a.store = db
	warnReadable(d.Logger, cfg)
	a.engine = dispatch.New(dispatch.Config{
		Store: db, Lister: db, Now: d.Now, Logger: d.Logger,
		Playbooks: a.playbooks.Load, Runbooks: a.runbooks.Load,
		Announce: cfg.Announce, DefaultResponders: cfg.Responders, AutoMitigate: cfg.AutoMitigate,
		ArchiveAfter: cfg.ArchiveAfter, MaxPending: cfg.MaxPending, Pending: (&pendingCache{read: db.Pending, now: time.Now}).Pending, StormAfter: cfg.StormAfter,
		Review:    a.review,
		Groups:    a.groups,
		Access:    a.access,
		Tags:      a.alarmTags,
		Metrics:   a.metricsText,
		Rotations: a.rotations.Load,
		Overrides: overrideStore{db: db, now: d.Now},
		SMSTopic:  cfg.PageSNSTopic,
		Schedules: a.schedules(),
	})
	a.exec = executors{
		escalate: &dispatch.Escalator{Engine: a.engine, Pager: pager(cfg.PageWebhook)},
		runs:     &dispatch.RunExecutor{Engine: a.engine},
		refine:   &dispatch.Refiner{Engine: a.engine},
		pages:    &dispatch.PageExecutor{Engine: a.engine, PagerDuty: pagerDuty(cfg)},
		handoffs: &dispatch.Handoffs{Engine: a.engine},
		sms:      &dispatch.SMSExecutor{Engine: a.engine, TopicARN: cfg.PageSNSTopic, PublicURL: cfg.PublicURL},
	}
	a.worker = &dispatch.Worker{Engine: a.engine, Outbox: db}
	a.once("outbox", a.worker.Run)
	a.once("oncall-handoffs", a.engine.RunHandoffs)
	a.wireLeader(db, d.Logger)
	a.every("reload", a.reloadOnHangup())
	a.once("idempotency-sweep", (&store.Sweeper{DB: db, Retention: cfg.KeyRetention,
		Every: time.Hour, Now: d.Now, Logger: d.Logger.With("component", "idempotency-sweep")}).Run)
	if cfg.PprofAddr != "" {
		a.every("pprof", pprofServer(cfg.PprofAddr))
	}
	a.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a.registry.MustRegister(report.NewCollector(a.allIncidents, d.Now))
	if err := a.wire(ctx, d); err != nil {
		db.Close()
		return nil, err
	}
	a.worker.Executors = a.exec.table()
	if a.names == nil { // no Slack: the names an earlier run kept
		a.names = bot.NewDirectory(nil, a.store, a.log.With("component", "slack-names"), a.now)
		a.names.Load()
	}
	backup, _ := db.(web.Backuper) // PostgreSQL is backed up by the database's own tools
	a.web = web.Config{Token: cfg.APIToken, Source: db, Backup: backup, Reviews: db, Now: d.Now, Logger: d.Logger,
		Registerer: a.registry, Extra: d.Extra, DashboardURL: cfg.PublicURL, Names: a.names, ChannelURL: d.ChannelURL}
	if a.aws != nil {
		a.web.Grapher = grapher{a}
	}
	return a, nil
}

// alarmTags reads an alarm's tags through the cached TagSource (none
// without AWS).
func (a *App) alarmTags(ctx context.Context, arn string) (map[string]string, error) {
	if a.tags == nil {
		return nil, nil
	}
	return a.tags.Tags(ctx, arn)
}

// review is the draft merged with the saved version people edited, the
// same as GET /api/incidents/{id}/review.md, with people named.
func (a *App) review(inc incident.Incident, evs []incident.Event, now time.Time) string {
	opts := report.ReviewOptions{Related: report.Related(inc, a.allIncidents()),
		Dashboard: a.cfg.PublicURL, Graph: a.aws != nil && a.cfg.PublicURL != ""}
	var draft string
	a.withNames(func(n report.Names) { opts.Names = n; draft = report.Review(inc, evs, now, opts) })
	saved, ok, err := a.store.SavedReview(context.Background(), inc.ID)
	if err != nil {
		a.log.Error("read saved review", "incident", inc.ID, "err", err)
	}
	if !ok {
		return draft
	}
	return report.Merge(draft, saved)
}

func (a *App) allIncidents() []incident.Incident {
	incs, err := a.store.Summaries(context.Background())
	if err != nil {
		a.log.Error("list incidents for metrics", "err", err)
	}
	return incs
}

// metricsText answers /incident metrics: a two-line summary and where the
// details are (the metrics view when TOCSIN_PUBLIC_URL is set).
func (a *App) metricsText(ctx context.Context, window time.Duration) (string, error) {
	if window == 0 {
		window = 30 * 24 * time.Hour
	}
	incs, err := a.store.Summaries(ctx)
	if err != nil {
		return "", err
	}
	now := a.now()
	text := report.Summarize(incs, now.Add(-window), now, "").Brief(report.WindowLabel(window))
	if a.cfg.PublicURL == "" {
		return text + "\nThe dashboard's metrics view and `tocsin metrics` have the details.", nil
	}
	since := strconv.FormatInt(int64(window/time.Hour), 10) + "h"
	if window%(24*time.Hour) == 0 {
		since = strconv.FormatInt(int64(window/(24*time.Hour)), 10) + "d"
	}
	return text + "\nDetails: " + report.Link(a.cfg.PublicURL+"/metrics-view?since="+since), nil
}

// View is a read-only view of tocsin's state, for embedders that watch it
// (the demo's narrator, tests): the incidents and timelines the dashboard
// shows, and how many effects the outbox still holds.
type View interface {
	Incidents(ctx context.Context, openOnly bool) ([]incident.Incident, error)
	Timeline(ctx context.Context, id incident.ID) (incident.Incident, []incident.Event, error)
	Pending() int
}

// View returns the read-only view of a's state.
func (a *App) View() View { return a.store }

// Config returns the configuration a was built from.
func (a *App) Config() Config { return a.cfg }
