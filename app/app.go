package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/intake"
	"github.com/tocsin-dev/tocsin/playbooks"
	"github.com/tocsin-dev/tocsin/report"
	"github.com/tocsin-dev/tocsin/runbooks"
	"github.com/tocsin-dev/tocsin/store"
	"github.com/tocsin-dev/tocsin/web"
)

// The adapters satisfy the interfaces their consumers declare.
var (
	_ incident.Tx     = (*store.Tx)(nil)
	_ dispatch.Store  = (*store.DB)(nil)
	_ dispatch.Lister = (*store.DB)(nil)
	_ dispatch.Outbox = (*store.DB)(nil)
	_ web.Source      = (*store.DB)(nil)
	_ web.Backuper    = (*store.DB)(nil)
	_ web.Reviews     = (*store.DB)(nil)
)

// Deps are what a caller (the serve command, the demo, tests) may inject.
// The zero value of each field is the production choice.
type Deps struct {
	Logger *slog.Logger            // nil discards
	Getenv func(string) string     // for the AWS SDK's settings; nil reads nothing
	Now    func() time.Time        // nil is time.Now
	HTTP   *http.Client            // for SNS certificate and subscription fetches
	Extra  map[string]http.Handler // extra routes (the demo's Slack view)
	// HostAllowed overrides the SNS URL host check (the demo and tests serve
	// certificates and SubscribeURLs locally); nil is the AWS check.
	HostAllowed func(hostport string) bool
}

// background is a long-lived part run by serve.
type background struct {
	name string
	run  func(ctx context.Context) error
}

// App is tocsin assembled from its configuration: New builds it, Serve
// runs it until its context ends.
type App struct {
	cfg       Config
	log       *slog.Logger
	now       func() time.Time
	store     *store.DB
	engine    *dispatch.Engine
	worker    *dispatch.Worker
	exec      executors // filled by the wiring, then the worker's table
	playbooks atomic.Pointer[playbooks.Set]
	runbooks  atomic.Pointer[runbooks.Set]
	registry  *prometheus.Registry
	verifier  *intake.Verifier
	aws       *awsClients
	tags      *playbooks.TagSource // set when AWS is configured
	// slackGroups reads a Slack user group's members (set when Slack is).
	slackGroups func(ctx context.Context, group string) ([]string, error)
	mux         *http.ServeMux
	background  []background
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
	a := &App{cfg: cfg, log: d.Logger, now: d.Now, mux: http.NewServeMux(), registry: prometheus.NewRegistry()}
	if err := a.loadDefinitions(); err != nil {
		return nil, err
	}
	db, err := OpenStore(cfg.DB, d.Now)
	if err != nil {
		return nil, err
	}
	a.store = db
	a.engine = dispatch.New(dispatch.Config{
		Store: db, Lister: db, Now: d.Now, Logger: d.Logger,
		Playbooks: a.playbooks.Load, Runbooks: a.runbooks.Load,
		Announce: cfg.Announce, DefaultResponders: cfg.Responders, AutoMitigate: cfg.AutoMitigate,
		ArchiveAfter: cfg.ArchiveAfter, MaxPending: cfg.MaxPending, Pending: db.Pending, StormAfter: cfg.StormAfter,
		Review:  a.review,
		Groups:  a.groups,
		Tags:    a.alarmTags,
		Metrics: a.metricsText,
	})
	a.exec = executors{
		escalate: &dispatch.Escalator{Engine: a.engine, Pager: pager(cfg.PageWebhook)},
		runs:     &dispatch.RunExecutor{Engine: a.engine},
		refine:   &dispatch.Refiner{Engine: a.engine},
	}
	a.worker = &dispatch.Worker{Engine: a.engine, Outbox: db}
	a.background = append(a.background, background{"outbox", a.worker.Run}, background{"reload", a.reloadOnHangup()})
	if cfg.PprofAddr != "" {
		a.background = append(a.background, background{"pprof", pprofServer(cfg.PprofAddr)})
	}
	a.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a.registry.MustRegister(report.NewCollector(a.allIncidents, d.Now))
	if err := a.wire(ctx, d); err != nil {
		db.Close()
		return nil, err
	}
	a.worker.Executors = a.exec.table()
	web.Routes(a.mux, web.Config{Token: cfg.APIToken, Source: db, Backup: db, Reviews: db, Now: d.Now, Logger: d.Logger, Extra: d.Extra})
	return a, nil
}

// OpenStore opens the bbolt file with one clear error for each way it fails.
func OpenStore(path string, now func() time.Time) (*store.DB, error) {
	db, err := store.Open(path, store.Options{Now: now})
	switch {
	case errors.Is(err, store.ErrLocked):
		return nil, fmt.Errorf("TOCSIN_DB %s is in use by another process (is another tocsin running?)", path)
	case errors.Is(err, fs.ErrPermission):
		return nil, fmt.Errorf("TOCSIN_DB %s cannot be opened: permission denied", path)
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("TOCSIN_DB %s cannot be created: its directory does not exist", path)
	case err != nil:
		return nil, fmt.Errorf("TOCSIN_DB %s: %w", path, err)
	}
	return db, nil
}

// loadDefinitions (re)loads playbooks and runbooks. A bad set on reload keeps
// the old one and returns the error.
func (a *App) loadDefinitions() error {
	rb, err := runbooks.Load(a.cfg.Runbooks)
	if err != nil {
		return fmt.Errorf("TOCSIN_RUNBOOKS: %w", err)
	}
	if a.cfg.AutomationRole != "" {
		if rb, err = rb.WithAutomationRole(a.cfg.AutomationRole); err != nil {
			return fmt.Errorf("TOCSIN_AUTOMATION_ROLE: %w", err)
		}
	}
	pb, err := playbooks.Load(a.cfg.Playbooks)
	if err != nil {
		return fmt.Errorf("TOCSIN_PLAYBOOKS: %w", err)
	}
	a.runbooks.Store(rb)
	a.playbooks.Store(pb)
	return nil
}

// reloadOnHangup reloads runbooks and playbooks on SIGHUP. A bad set keeps
// the old one; open incidents are untouched either way.
func (a *App) reloadOnHangup() func(ctx context.Context) error {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP) // now, so a SIGHUP right after start is not fatal
	return func(ctx context.Context) error {
		defer signal.Stop(hup)
		a.reloadLoop(ctx, hup)
		return nil
	}
}

func (a *App) reloadLoop(ctx context.Context, hup <-chan os.Signal) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			if err := a.loadDefinitions(); err != nil {
				a.log.Error("reload refused; keeping the previous runbooks and playbooks", "err", err)
				continue
			}
			a.log.Info("reloaded runbooks and playbooks")
		}
	}
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
// same as GET /api/incidents/{id}/review.md.
func (a *App) review(inc incident.Incident, evs []incident.Event, now time.Time) string {
	draft := report.Review(inc, evs, now)
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

func (a *App) metricsText(ctx context.Context, window time.Duration) (string, error) {
	if window == 0 {
		window = 30 * 24 * time.Hour
	}
	incs, err := a.store.Summaries(ctx)
	if err != nil {
		return "", err
	}
	now := a.now()
	return "```\n" + report.Summarize(incs, now.Add(-window), now, "").Table() + "```", nil
}

// routes is the one place every HTTP route is registered.
func (a *App) routes() http.Handler {
	a.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	a.mux.HandleFunc("GET /readyz", a.ready)
	a.mux.Handle("GET /metrics", promhttp.HandlerFor(a.registry, promhttp.HandlerOpts{}))
	return a.mux
}

// ready answers 200 when the store takes writes and the outbox is under its
// bound, 503 with the reason otherwise.
func (a *App) ready(w http.ResponseWriter, r *http.Request) {
	if err := a.store.Writable(r.Context()); err != nil {
		a.log.Error("store not writable", "err", err)
		http.Error(w, "not ready: the store is not writable", http.StatusServiceUnavailable)
		return
	}
	if n := a.store.Pending(); a.cfg.MaxPending > 0 && n >= a.cfg.MaxPending {
		http.Error(w, fmt.Sprintf("not ready: overloaded, %d effects pending (bound %d)", n, a.cfg.MaxPending), http.StatusServiceUnavailable)
		return
	}
	w.Write([]byte("ready\n"))
}
