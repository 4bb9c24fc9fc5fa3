package app

import (
	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/pagerduty"
	"github.com/tocsin-dev/tocsin/webhook"
)

// executors are the parts that perform the outbox's effects. The wiring
// fills them in (Slack, AWS) before table turns them into the worker's one
// table.
type executors struct {
	slack    dispatch.Executor // bot.Executor, or noSlack without a bot token
	escalate *dispatch.Escalator
	runs     *dispatch.RunExecutor // SSM set when AWS is configured
	refine   *dispatch.Refiner     // Start set when AWS is configured
	pages    *dispatch.PageExecutor
	handoffs *dispatch.Handoffs
	sms      *dispatch.SMSExecutor // SMS set when AWS is configured
}

// table is the one place that says which executor performs each effect
// kind. Every kind dispatch declares must be here (TestExecutors_EveryKind).
func (x executors) table() map[incident.EffectKind]dispatch.Executor {
	t := map[incident.EffectKind]dispatch.Executor{
		dispatch.EffEscalate:       x.escalate,
		dispatch.EffSSMStart:       x.runs,
		dispatch.EffSSMPoll:        x.runs,
		dispatch.EffSSMCancel:      x.runs,
		dispatch.EffApprovalExpiry: x.runs,
		dispatch.EffRefineStart:    x.refine,
		dispatch.EffHandoff:        x.handoffs,
		dispatch.EffSMSPage:        x.sms,
	}
	for _, k := range dispatch.SlackKinds() {
		t[k] = x.slack
	}
	for _, k := range dispatch.PagerDutyKinds() {
		t[k] = x.pages
	}
	return t
}

// pagerDuty is the Events API client the PagerDuty effects use.
func pagerDuty(cfg Config) dispatch.PagerDuty {
	return &pagerduty.Client{URL: cfg.PagerDutyEventsURL, DashboardURL: cfg.PublicURL}
}

// pager is the escalation steps' pager: the webhook, or none.
func pager(url string) dispatch.Pager {
	if p := webhook.New(url); p != nil {
		return p
	}
	return nil
}
