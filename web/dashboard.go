package web

import (
	"bytes"
	"embed"
	"html/template"
	"log/slog"
	"net/http"
)

// templateFS holds the dashboard's pages; the binary needs no files beside it.
//
//go:embed templates/*.html
var templateFS embed.FS

// pages are the dashboard's templates, each parsed together with the layout.
// They are embedded, so a parse error is a programming mistake that every
// test of this package reports; template.Must is the honest response.
var pages = parsePages("login", "list", "incident", "metrics", "error", "conflict")

func parsePages(names ...string) map[string]*template.Template {
	m := make(map[string]*template.Template, len(names))
	for _, n := range names {
		m[n] = template.Must(template.ParseFS(templateFS, "templates/layout.html", "templates/"+n+".html"))
	}
	return m
}

// contentSecurityPolicy allows no script at all, styles only inline, images
// only from the dashboard itself, forms only to it, and no framing.
const contentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; " +
	"img-src 'self' data:; form-action 'self'; frame-ancestors 'none'"

// page is what the layout renders around a page's own content.
type page struct {
	Title   string
	Refresh bool // reload every 10 s (the incident list)
	Nav     bool // the visitor is signed in: show navigation and sign-out
	Body    any
}

// dashboard registers the HTML dashboard: the incident list at /, one page
// per incident, the metrics, and the login form. Every page but the login
// form requires a session (or the bearer token); a visitor without one is
// sent to /login. There are no CORS headers, ever.
func dashboard(mux *http.ServeMux, cfg Config, a *Auth) {
	for path, h := range cfg.Extra {
		mux.Handle(path, h)
	}
	signedIn := func(h http.HandlerFunc) http.Handler { return secure(requireLogin(a, cfg, h)) }
	mux.Handle("GET /{$}", signedIn(listPage(cfg)))
	mux.Handle("GET /incidents/{id}", signedIn(incidentPage(cfg, a)))
	if cfg.Reviews != nil {
		mux.Handle("POST /incidents/{id}/review", signedIn(postReviewSection(a, cfg)))
	}
	if cfg.Grapher != nil {
		mux.Handle("GET /incidents/{id}/graph.png", signedIn(graphImage(cfg)))
	}
	mux.Handle("GET /metrics-view", signedIn(metricsPage(cfg)))
	mux.Handle("GET /login", secure(loginForm(a, cfg)))
	mux.Handle("POST /login", secure(postLogin(a, cfg)))
	mux.Handle("POST /logout", secure(postLogout(a, cfg)))
	mux.Handle("GET /", signedIn(func(w http.ResponseWriter, r *http.Request) {
		renderError(w, cfg.Logger, http.StatusNotFound, "There is no page at this address.", true)
	}))
}

// secure sets the headers every dashboard response carries, whatever its
// status: a strict content security policy, no MIME sniffing, no referrer,
// and no caching of pages that show incident data.
func secure(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", contentSecurityPolicy)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

// render executes a page into a buffer first, so a template error becomes a
// clean 500 instead of half a page.
func render(w http.ResponseWriter, log *slog.Logger, status int, name string, p page) {
	var buf bytes.Buffer
	if err := pages[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		log.Error("render page", "page", name, "err", err)
		http.Error(w, "could not render the page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	buf.WriteTo(w)
}

// errorView is the body of an error page.
type errorView struct {
	Status  int
	Text    string
	Message string
}

// renderError shows a plain sentence; internals are logged by the caller.
func renderError(w http.ResponseWriter, log *slog.Logger, status int, msg string, nav bool) {
	v := errorView{Status: status, Text: http.StatusText(status), Message: msg}
	render(w, log, status, "error", page{Title: v.Text, Nav: nav, Body: v})
}
