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
	if a.slack != nil {
		mux.Handle("POST /slack/commands", a.slack.Commands())
		mux.Handle("POST /slack/interactions", a.slack.Interactions())
		mux.Handle("POST /slack/events", a.slack.Events())
	}
	web.Routes(mux, a.web) // /api/*, the dashboard and Deps.Extra
	return mux
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
