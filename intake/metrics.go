package intake

import (
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tocsin-dev/tocsin/promreg"
)

// messageCounter registers tocsin_sns_messages_total with reg, or returns
// nil when there is no registry. A second handler on the same registry
// shares the first one's counter. The outcome label is "alarm", "notice"
// or "confirmed" for a 200, else the reason of classify ("bad_signature",
// "unknown_topic", "overloaded", ...).
func messageCounter(reg prometheus.Registerer, log *slog.Logger) *prometheus.CounterVec {
	if reg == nil {
		return nil
	}
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tocsin_sns_messages_total",
		Help: "SNS messages received on POST /sns, by message type and outcome.",
	}, []string{"type", "outcome"})
	c, err := promreg.Register(reg, c)
	if err != nil {
		log.Error("sns message counter not registered", "err", err)
		return nil
	}
	return c
}

// count adds one to the counter; the type label is one of the three SNS
// types or "unknown", so a sender cannot grow the label set.
func (h *handler) count(typ, outcome string) {
	if h.counter == nil {
		return
	}
	switch typ {
	case TypeNotification, TypeSubscriptionConfirmation, TypeUnsubscribeConfirmation:
	default:
		typ = "unknown"
	}
	h.counter.WithLabelValues(typ, outcome).Inc()
}
