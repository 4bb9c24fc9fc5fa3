package app

import (
	"fmt"
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/tocsin-dev/tocsin/web"
)

// routes is the one place every HTTP route is registered.
func (a *App) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", a.ready)
	mux.Handle("GET /metrics", promhttp.HandlerFor(a.registry, promhttp.HandlerOpts{}))
	mux.Handle("POST /sns", a.sns)
	commands, interactions, events := slackUnconfigured, slackUnconfigured, slackUnconfigured
	if a.slack != nil && a.cfg.SlackSigning != "" {
		commands, interactions, events = a.slack.Commands(), a.slack.Interactions(), a.slack.Events()
	}
	mux.Handle("POST /slack/commands", commands)
	mux.Handle("POST /slack/interactions", interactions)
	mux.Handle("POST /slack/events", events)
	a.pagerDutyRoute(mux)
	web.Routes(mux, a.web) // /api/*, the dashboard and Deps.Extra
	return mux
}

// slackUnconfigured answers Slack's endpoints when tocsin cannot verify
// Slack's requests: 503 (the route exists, the service is not set up),
// naming what to set. Socket Mode needs no signing secret, and takes
// Slack's requests over its socket instead.
var slackUnconfigured http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "Slack's HTTP endpoints are not configured: set SLACK_SIGNING_SECRET (and SLACK_BOT_TOKEN) so tocsin can verify Slack's requests",
		http.StatusServiceUnavailable)
})

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
