package web

import (
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tocsin-dev/tocsin/promreg"
)

// reason says why a request was refused; it is the metric's label.
type reason string

const (
	reasonNoToken     reason = "no_token"     // no bearer token and no session cookie
	reasonBadToken    reason = "bad_token"    // a wrong token, as a bearer token or at sign-in
	reasonBadSession  reason = "bad_session"  // an unknown, ended or expired session cookie
	reasonRateLimited reason = "rate_limited" // too many wrong tokens from the client
)

var reasons = []reason{reasonNoToken, reasonBadToken, reasonBadSession, reasonRateLimited}

// refusal is why a request was refused and, when rate limited, how long
// the client must wait.
type refusal struct {
	reason     reason
	retryAfter time.Duration
}

// setRetryAfter sets Retry-After in whole seconds, rounded up.
func (no refusal) setRetryAfter(w http.ResponseWriter) {
	s := max(1, int(math.Ceil(no.retryAfter.Seconds())))
	w.Header().Set("Retry-After", strconv.Itoa(s))
}

// refuse counts a refused request and logs it, at most once per logEvery
// per client so that junk cannot flood the log. The line names the client
// and the route pattern, never the URL, a header or a cookie, any of which
// may hold a secret.
func (a *Auth) refuse(r *http.Request, no refusal) {
	if a.refused != nil {
		a.refused.WithLabelValues(string(no.reason)).Inc()
	}
	now := a.now()
	a.mu.Lock()
	dropped, log := a.clients.get(a.clientKey(r), now).sample(now)
	a.mu.Unlock()
	if !log {
		return
	}
	level := slog.LevelInfo
	if no.reason == reasonBadToken || no.reason == reasonRateLimited {
		level = slog.LevelWarn
	}
	a.log.Log(r.Context(), level, "request refused", "client", a.clientAddr(r), "reason", string(no.reason),
		"route", r.Pattern, "unlogged_before", dropped)
}

// refusalCounter registers tocsin_web_auth_failures_total with reg, or
// returns nil when there is no registry. A second Routes on the same
// registry shares the first one's counter.
func refusalCounter(reg prometheus.Registerer, log *slog.Logger) *prometheus.CounterVec {
	if reg == nil {
		return nil
	}
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tocsin_web_auth_failures_total",
		Help: "Requests to the API and dashboard refused for authentication, by reason.",
	}, []string{"reason"})
	c, err := promreg.Register(reg, c)
	if err != nil {
		log.Error("web auth failure counter not registered", "err", err)
		return nil
	}
	for _, r := range reasons {
		c.WithLabelValues(string(r)) // every reason is exported, from zero
	}
	return c
}
