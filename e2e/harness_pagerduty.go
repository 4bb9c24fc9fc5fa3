package e2e

import (
	"context"

	"github.com/tocsin-dev/tocsin/sim"
)

// The PagerDuty settings of a harness with Options.PagerDuty.
const (
	PagerDutyKey    = "R0E2EKEY0123456789ABCDEFGHIJKLMN" // TOCSIN_PAGERDUTY_ROUTING_KEY (32 characters)
	PagerDutySecret = "pd-webhook-secret-e2e"            // TOCSIN_PAGERDUTY_WEBHOOK_SECRET
	PagerDutyToken  = "pd-rest-token-e2e"                // TOCSIN_PAGERDUTY_API_TOKEN
)

func (h *Harness) startPagerDuty() {
	if !h.opts.PagerDuty {
		return
	}
	h.PD = sim.NewPagerDuty(h.Now, PagerDutyToken)
	h.t.Cleanup(h.PD.Close)
	for k, v := range map[string]string{"TOCSIN_PAGERDUTY_EVENTS_URL": h.PD.EventsURL(), "TOCSIN_PAGERDUTY_ROUTING_KEY": PagerDutyKey,
		"TOCSIN_PAGERDUTY_WEBHOOK_SECRET": PagerDutySecret, "TOCSIN_PAGERDUTY_API_TOKEN": PagerDutyToken,
		"TOCSIN_PAGERDUTY_API_URL": h.PD.URL()} {
		h.env[k] = v
	}
}

// PagerDutyWebhook sends a V3 webhook to tocsin's /pagerduty/webhook,
// signed with secrets (none: PagerDutySecret), and returns the status.
func (h *Harness) PagerDutyWebhook(wh sim.PagerDutyWebhook, secrets ...string) int {
	h.t.Helper()
	if len(secrets) == 0 {
		secrets = []string{PagerDutySecret}
	}
	code, _, err := h.PD.SendWebhook(context.Background(), h.URL+"/pagerduty/webhook", wh, secrets...)
	if err != nil {
		h.t.Fatal(err)
	}
	return code
}
