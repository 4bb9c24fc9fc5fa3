package bot

import (
	"errors"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tocsin-dev/tocsin/logsample"
	"github.com/tocsin-dev/tocsin/promreg"
)

// refusalReason is the metric label for why a request was refused.
func refusalReason(err error) string {
	switch {
	case errors.Is(err, ErrMissingHeaders):
		return "unsigned"
	case errors.Is(err, ErrStale):
		return "stale"
	case errors.Is(err, ErrReplay):
		return "replay"
	case errors.Is(err, ErrBadSignature):
		return "bad_signature"
	}
	return "no_secret"
}

var refusalReasons = []string{"unsigned", "stale", "replay", "bad_signature", "no_secret"}

// refusedCounter makes tocsin_slack_requests_refused_total, registered with
// reg (nil: counted nowhere).
func refusedCounter(reg prometheus.Registerer) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tocsin_slack_requests_refused_total",
		Help: "Requests to /slack/* refused because their signature did not verify, by reason.",
	}, []string{"reason"})
	for _, r := range refusalReasons {
		c.WithLabelValues(r)
	}
	if reg != nil {
		if existing, err := promreg.Register(reg, c); err == nil {
			return existing
		}
	}
	return c
}

// refuse counts a request whose signature did not verify and logs it, at
// most once a second per client, so that junk cannot flood the log.
func (h *Handlers) refuse(r *http.Request, err error) {
	h.refused.WithLabelValues(refusalReason(err)).Inc()
	client := logsample.Client(r.RemoteAddr)
	if ok, held := h.sampled.Allow(client); ok {
		h.log.Warn("refused Slack request", "path", r.URL.Path, "client", client, "unlogged_before", held, "err", err)
	}
}
