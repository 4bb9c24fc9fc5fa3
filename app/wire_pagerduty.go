package app

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/pagerduty"
)

// wirePagerDuty builds POST /pagerduty/webhook: PagerDuty's V3 webhooks,
// verified with TOCSIN_PAGERDUTY_WEBHOOK_SECRET (several, comma-separated,
// during a rotation), applied to the incidents whose pages they report.
func (a *App) wirePagerDuty(userByEmail func(ctx context.Context, email string) (string, bool, error)) {
	users := &pagerduty.Users{REST: a.pagerDutyREST()}
	a.pdWebhook = pagerduty.Webhook(pagerduty.WebhookConfig{
		Secrets: list(a.cfg.PagerDutyWebhookSecret), Now: a.now, Logger: a.log,
		Apply: func(ctx context.Context, ev pagerduty.WebhookEvent) (pagerduty.Applied, error) {
			typ, ok := strings.CutPrefix(ev.EventType, "incident.")
			if !ok || ev.ResourceType != "incident" {
				return "ignored", nil
			}
			n := dispatch.PagerDutyNotice{EventID: ev.ID, Type: typ, DedupKey: ev.Incident.IncidentKey,
				Number: ev.Incident.Number, URL: ev.Incident.HTMLURL, Name: ev.Agent.Summary}
			if ev.Agent.Type == "user_reference" {
				n.User = a.slackUserOf(ctx, users, userByEmail, ev.Agent.ID)
			}
			did, err := a.engine.PagerDuty(ctx, n)
			return pagerduty.Applied(did), err
		},
	})
}

// slackUserOf matches a PagerDuty user to a Slack user by e-mail, where
// that is possible: with a PagerDuty API token to read the e-mail, and
// Slack to look it up. Any failure leaves the PagerDuty user unmatched.
func (a *App) slackUserOf(ctx context.Context, users *pagerduty.Users, byEmail func(context.Context, string) (string, bool, error), pdUser string) string {
	if users.Token == "" || byEmail == nil {
		return ""
	}
	email, err := users.Email(ctx, pdUser)
	if err != nil {
		a.log.Warn("PagerDuty user not matched to Slack", "pagerduty_user", pdUser, "err", err)
		return ""
	}
	id, ok, err := byEmail(ctx, email)
	if err != nil || !ok {
		a.log.Info("PagerDuty user has no Slack account with their e-mail", "pagerduty_user", pdUser, "err", err)
		return ""
	}
	return id
}

// pagerDutyRoute mounts the webhook (refusing everything without a secret).
func (a *App) pagerDutyRoute(mux *http.ServeMux) {
	mux.Handle("POST /pagerduty/webhook", a.pdWebhook)
}

// pagerDutyREST is PagerDuty's REST API as configured (no token: off).
func (a *App) pagerDutyREST() pagerduty.REST {
	return pagerduty.REST{URL: a.cfg.PagerDutyAPIURL, Token: a.cfg.PagerDutyAPIToken}
}

// schedules is /incident oncall's reader of PagerDuty schedules, or nil
// without TOCSIN_PAGERDUTY_API_TOKEN.
func (a *App) schedules() dispatch.ScheduleReader {
	if a.cfg.PagerDutyAPIToken == "" {
		return nil
	}
	return pdSchedules{a: a, s: &pagerduty.Schedules{REST: a.pagerDutyREST()}}
}

// pdSchedules adapts pagerduty.Schedules to dispatch.ScheduleReader,
// matching each person to a Slack user by e-mail (users.lookupByEmail)
// when Slack is configured.
type pdSchedules struct {
	a *App
	s *pagerduty.Schedules
}

func (p pdSchedules) Shifts(ctx context.Context, scheduleID string, now time.Time, horizon time.Duration) ([]dispatch.ScheduleShift, error) {
	list, err := p.s.OnCalls(ctx, scheduleID, now, now.Add(horizon))
	if err != nil {
		return nil, err
	}
	slackOf := map[string]string{} // e-mail -> Slack user, for this answer
	out := make([]dispatch.ScheduleShift, len(list))
	for i, o := range list {
		id, seen := slackOf[o.Email]
		if !seen && o.Email != "" && p.a.slackByEmail != nil {
			if found, ok, err := p.a.slackByEmail(ctx, o.Email); err == nil && ok {
				id = found
			}
			slackOf[o.Email] = id
		}
		out[i] = dispatch.ScheduleShift{Slack: id, Name: o.Name, From: o.Start, Until: o.End}
	}
	return out, nil
}
