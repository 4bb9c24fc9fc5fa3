package demo

import (
	"context"
	"fmt"
	"strings"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/sim"
)

// The demo pages a PagerDuty stand-in: the checkout playbook's first
// escalation step pages PagerDuty, and the responder's acknowledgement and
// resolution in Slack reach the PagerDuty incident.

// startPagerDuty starts the PagerDuty stand-in.
func (w *demoWorld) startPagerDuty() {
	w.pd = sim.NewPagerDuty(nil, "")
}

// pagerDutyEnv points tocsin's PagerDuty settings at the stand-in.
func (w *demoWorld) pagerDutyEnv(env map[string]string) {
	env["TOCSIN_PAGERDUTY_EVENTS_URL"] = w.pd.EventsURL()
	env["TOCSIN_PAGERDUTY_ROUTING_KEY"] = w.creds.routingKey
	env["TOCSIN_PAGERDUTY_WEBHOOK_SECRET"] = w.creds.webhookSecret
}

// pagerDutyIncident is the stand-in's incident for a tocsin incident's
// dedup key.
func (w *demoWorld) pagerDutyIncident(id incident.ID) (sim.PagerDutyIncident, bool) {
	for _, p := range w.pd.Incidents() {
		if strings.HasPrefix(p.DedupKey, "tocsin-"+id.String()+"-") {
			return p, true
		}
	}
	return sim.PagerDutyIncident{}, false
}

// waitPagerDuty waits until the incident's PagerDuty incident has status
// and tocsin recorded the matching page event, then narrates what
// PagerDuty shows.
func (w *demoWorld) waitPagerDuty(ctx context.Context, id incident.ID, status, action string) error {
	var p sim.PagerDutyIncident
	err := w.waitIncident(ctx, id, "PagerDuty's incident to be "+status, func(_ incident.Incident, evs []incident.Event) bool {
		var ok bool
		p, ok = w.pagerDutyIncident(id)
		return ok && p.Status == status && hasPaged(evs, action)
	})
	if err != nil {
		return err
	}
	w.narrateNew(ctx)
	w.say.say("pagerduty", "incident #%d is %s · %s · dedup key %s · events: %s",
		p.Number, p.Status, p.Severity, p.DedupKey, strings.Join(p.Actions, ", "))
	return nil
}

func hasPaged(evs []incident.Event, action string) bool {
	for _, e := range evs {
		if e.Type == incident.EventPaged && e.Datum("action") == action {
			return true
		}
	}
	return false
}

// pagerDutySummary is the line the demo's summary gives PagerDuty.
func (w *demoWorld) pagerDutySummary() string {
	incs := w.pd.Incidents()
	return fmt.Sprintf("PagerDuty stand-in: %d incident(s); %d trigger, %d acknowledge, %d resolve event(s).", len(incs),
		w.pd.EventCount("trigger"), w.pd.EventCount("acknowledge"), w.pd.EventCount("resolve"))
}
