package pagerduty

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"
)

// Limits of the webhook endpoint.
const (
	// MaxWebhookBody: PagerDuty drops every webhook larger than 256 KB.
	MaxWebhookBody = 256 << 10
	// MaxWebhookAge: an event that occurred longer ago is refused as a
	// replay. PagerDuty retries a delivery for about 20 minutes; an hour
	// leaves room for that and for clocks that differ, and stays inside
	// the two hours (at least) tocsin remembers event ids.
	MaxWebhookAge = time.Hour
	// maxWebhookAhead: an event from further in the future is refused too.
	maxWebhookAhead = 5 * time.Minute
)

// Applied says what applying a webhook event did, for the log.
type Applied string

// WebhookConfig configures the POST /pagerduty/webhook handler.
type WebhookConfig struct {
	// Secrets are the webhook subscriptions' signing secrets
	// (TOCSIN_PAGERDUTY_WEBHOOK_SECRET, comma-separated); none refuses
	// every webhook.
	Secrets []string
	// Apply acts on a verified, fresh event. An error answers 500 so that
	// PagerDuty delivers it again.
	Apply  func(ctx context.Context, ev WebhookEvent) (Applied, error)
	Now    func() time.Time
	Logger *slog.Logger
}

// Webhook returns the handler of PagerDuty's V3 webhooks. It reads at most
// MaxWebhookBody bytes, answers 401 and changes nothing for a missing,
// forged or stale signature (so PagerDuty does not retry a forgery), 400
// for a signed body it cannot read, and 202 once the event was applied or
// deliberately ignored (an event about an alert tocsin did not open).
func Webhook(cfg WebhookConfig) http.Handler {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	log := cfg.Logger.With("component", "pagerduty-webhook")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxWebhookBody))
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			http.Error(w, "webhook body too large", http.StatusRequestEntityTooLarge)
			return
		case err != nil:
			http.Error(w, "could not read the body", http.StatusBadRequest)
			return
		case !Verify(body, r.Header.Get(SignatureHeader), cfg.Secrets):
			log.Warn("PagerDuty webhook refused: signature missing or wrong", "remote", r.RemoteAddr)
			http.Error(w, "invalid signature", http.StatusUnauthorized)
			return
		}
		ev, err := ParseWebhook(body)
		if err != nil {
			log.Warn("PagerDuty webhook refused", "err", err)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if now := cfg.Now(); ev.OccurredAt.Before(now.Add(-MaxWebhookAge)) || ev.OccurredAt.After(now.Add(maxWebhookAhead)) {
			log.Warn("PagerDuty webhook refused: stale", "event", ev.ID, "occurred_at", ev.OccurredAt)
			http.Error(w, "stale event", http.StatusUnauthorized)
			return
		}
		did, err := cfg.Apply(r.Context(), ev)
		if err != nil {
			log.Error("apply PagerDuty webhook", "event", ev.ID, "type", ev.EventType, "err", err)
			http.Error(w, "could not record the event; deliver it again", http.StatusInternalServerError)
			return
		}
		log.Info("PagerDuty webhook", "event", ev.ID, "type", ev.EventType, "incident", ev.Incident.ID, "applied", string(did))
		w.WriteHeader(http.StatusAccepted)
	})
}
