package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/report"
)

// Source is where the web reads incidents from.
type Source interface {
	Incidents(ctx context.Context, openOnly bool) ([]incident.Incident, error)
	Timeline(ctx context.Context, id incident.ID) (incident.Incident, []incident.Event, error)
}

// Backuper writes a consistent copy of the store.
type Backuper interface {
	Backup(w io.Writer) (int64, error)
}

// Config holds the web's dependencies.
type Config struct {
	// Token is the API token (TOCSIN_API_TOKEN); empty refuses everything.
	// Auth.SetToken changes it while the server runs.
	Token  string
	Source Source
	Backup Backuper
	// Reviews, when set, keeps edited reviews (PUT .../review.md).
	Reviews Reviews
	// Now is the clock of metrics windows, session expiry and the limit on
	// failed attempts; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
	// Registerer, if not nil, gets tocsin_web_auth_failures_total{reason}.
	Registerer prometheus.Registerer
	// SessionTTL is how long a dashboard session lasts from sign-in; zero
	// means SessionTTL (12 hours).
	SessionTTL time.Duration
	// TrustForwardedFor takes the client's address, which failed attempts
	// are counted by and logged with, from the last X-Forwarded-For entry
	// instead of the connection. Set it only when every request comes
	// through a proxy that appends that header; otherwise a client could
	// name any address it likes.
	TrustForwardedFor bool
	// Extra pages mounted under the dashboard (the demo's Slack view).
	Extra map[string]http.Handler
	// Names turns Slack ids into names on every page and in the API's
	// names; nil shows the ids.
	Names Names
	// DashboardURL is the dashboard's public base URL
	// (TOCSIN_PUBLIC_URL), for links in reviews that leave it; "" makes
	// them paths on the dashboard.
	DashboardURL string
	// Grapher, when set, draws the alarm graph the incident page and the
	// review embed (GET /incidents/{id}/graph.png).
	Grapher Grapher
	// ChannelURL is where an incident's Slack channel opens; nil means
	// Slack's own redirect, https://slack.com/app_redirect?channel=C….
	ChannelURL func(channelID string) string
}

// Names turns Slack user and group ids into names (package bot's
// directory); an unknown id comes back unchanged.
type Names interface {
	Person(id string) string
	Group(id string) string
}

// Grapher draws an incident's alarm graph as a PNG (the one the bot posts
// to the channel).
type Grapher interface {
	Graph(ctx context.Context, inc incident.Incident) (name string, png []byte, err error)
}

// slackChannelURL opens a channel through Slack's app_redirect, which
// sends the reader to the channel in their workspace.
func slackChannelURL(id string) string {
	return "https://slack.com/app_redirect?channel=" + url.QueryEscape(id)
}

// Routes registers the API and the dashboard on mux and returns the Auth
// that guards them, whose SetToken rotates the token at runtime. Each call
// has its own sessions: a session begun on one mux is unknown to another.
func Routes(mux *http.ServeMux, cfg Config) *Auth {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Names == nil {
		cfg.Names = report.Nobody
	}
	if cfg.ChannelURL == nil {
		cfg.ChannelURL = slackChannelURL
	}
	auth := newAuth(cfg)
	api := func(h http.HandlerFunc) http.Handler { return requireToken(auth, h) }
	mux.Handle("GET /api/incidents", api(listIncidents(cfg)))
	mux.Handle("GET /api/incidents/{id}", api(getIncident(cfg)))
	mux.Handle("GET /api/incidents/{id}/review.md", api(getReview(cfg)))
	mux.Handle("GET /api/metrics", api(getMetrics(cfg)))
	mux.Handle("GET /api/names", api(getNames(cfg)))
	if cfg.Reviews != nil {
		mux.Handle("PUT /api/incidents/{id}/review.md", api(putReview(cfg)))
	}
	if cfg.Backup != nil {
		mux.Handle("POST /api/backup", api(postBackup(cfg)))
	}
	dashboard(mux, cfg, auth)
	return auth
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// listIncidents answers GET /api/incidents: every incident, newest first,
// or those the search parameters select (see query), a page at a time
// when page or per_page is given. X-Total-Count says how many match and a
// Link header names the next and previous pages.
func listIncidents(cfg Config) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v := r.URL.Query()
		q, err := parseQuery(v, cfg.Now())
		if err != nil {
			http.Error(w, "bad search: "+err.Error(), http.StatusBadRequest)
			return
		}
		incs, err := cfg.Source.Incidents(r.Context(), q.onlyOpen())
		if err != nil {
			cfg.Logger.Error("list incidents", "err", err)
			http.Error(w, "could not read incidents", http.StatusInternalServerError)
			return
		}
		if !v.Has("page") && !v.Has("per_page") {
			q.PerPage = max(len(incs), 1)
		}
		page, total := q.run(incs, cfg.Names)
		w.Header().Set("X-Total-Count", strconv.Itoa(total))
		if links := pageLinks(r, q, total); links != "" {
			w.Header().Set("Link", links)
		}
		writeJSON(w, page)
	}
}

// pageLinks is the Link header of a page of GET /api/incidents.
func pageLinks(r *http.Request, q query, total int) string {
	var links []string
	if q.Page > 1 {
		links = append(links, fmt.Sprintf(`<%s%s>; rel="prev"`, r.URL.Path, q.with("page", strconv.Itoa(q.Page-1))))
	}
	if q.Page*q.PerPage < total {
		links = append(links, fmt.Sprintf(`<%s%s>; rel="next"`, r.URL.Path, q.with("page", strconv.Itoa(q.Page+1))))
	}
	return strings.Join(links, ", ")
}

// IncidentView is what GET /api/incidents/{id} returns.
type IncidentView struct {
	Incident incident.Incident `json:"incident"`
	Timeline []incident.Event  `json:"timeline"`
	Verified bool              `json:"timeline_verified"`
	// Names are the names of the Slack users and groups the incident and
	// its timeline mention, by id (those the directory knows).
	Names map[string]string `json:"names,omitempty"`
}

func timeline(cfg Config, w http.ResponseWriter, r *http.Request) (incident.Incident, []incident.Event, bool) {
	inc, evs, status, msg := loadTimeline(cfg, r)
	if status != 0 {
		http.Error(w, msg, status)
		return inc, nil, false
	}
	return inc, evs, true
}

func getIncident(cfg Config) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		inc, evs, ok := timeline(cfg, w, r)
		if ok {
			writeJSON(w, IncidentView{Incident: inc, Timeline: evs, Verified: incident.Verify(evs) == nil,
				Names: timelineNames(cfg.Names, inc, evs)})
		}
	}
}

func getMetrics(cfg Config) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, ok := summary(cfg, w, r)
		if ok {
			writeJSON(w, s)
		}
	}
}

// summary computes the metrics for ?since=&until=&service= (since and until
// are RFC 3339 times or windows like 30d; the default is the last 30 days).
func summary(cfg Config, w http.ResponseWriter, r *http.Request) (report.Summary, bool) {
	q := r.URL.Query()
	since, until, err := window(q, cfg.Now())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return report.Summary{}, false
	}
	incs, err := cfg.Source.Incidents(r.Context(), false)
	if err != nil {
		cfg.Logger.Error("list incidents", "err", err)
		http.Error(w, "could not read incidents", http.StatusInternalServerError)
		return report.Summary{}, false
	}
	return report.Summarize(incs, since, until, q.Get("service")), true
}

// window reads ?since= (default: 30 days back) and ?until= (default: now).
func window(q url.Values, now time.Time) (since, until time.Time, err error) {
	since, err = parseSince(q.Get("since"), now, 30*24*time.Hour)
	if err != nil {
		return since, until, fmt.Errorf("since: %w", err)
	}
	until, err = parseSince(q.Get("until"), now, 0)
	if err != nil {
		return since, until, fmt.Errorf("until: %w", err)
	}
	return since, until, nil
}

// parseSince reads an RFC 3339 time or a window back from now.
func parseSince(v string, now time.Time, def time.Duration) (time.Time, error) {
	if v == "" {
		return now.Add(-def), nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	d, err := report.ParseWindow(v)
	if err != nil {
		return time.Time{}, err
	}
	return now.Add(-d), nil
}

func postBackup(cfg Config) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		if _, err := cfg.Backup.Backup(w); err != nil {
			cfg.Logger.Error("backup", "err", err)
		}
	}
}
