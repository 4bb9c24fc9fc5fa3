package app

import (
	"context"
	"fmt"
	"image"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/tocsin-dev/tocsin/bot"
	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/report"
)

var (
	_ bot.Doer     = (*dispatch.Engine)(nil)
	_ groupChecker = (*bot.Executor)(nil)
	_ groupChecker = (*bot.Directory)(nil)
)

// wireSlack mounts the Slack endpoints, the Slack executor and, with
// SLACK_APP_TOKEN, Socket Mode. Without SLACK_BOT_TOKEN, Slack effects are
// dropped with a debug log line: incidents, timelines and the API work,
// nobody is messaged.
func (a *App) wireSlack(ctx context.Context, d Deps) error {
	if a.cfg.SlackBotToken == "" {
		a.log.Info("SLACK_BOT_TOKEN is not set: incidents are recorded but nothing is posted to Slack")
		a.exec.slack = noSlack{a}
		return nil
	}
	ex := bot.NewExecutor(bot.ExecutorConfig{Token: a.cfg.SlackBotToken, APIURL: a.cfg.SlackAPIURL,
		AnnounceChannel: a.cfg.Announce, Grapher: grapher{a}, Logger: a.log.With("component", "slack"), Now: a.now,
		Standby: a.cfg.Standby, Owned: a.ownsChannel})
	a.exec.slack = ex
	a.onTerm = append(a.onTerm, ex.NewTerm)
	if a.cfg.Standby > 0 {
		a.once("slack-standby", ex.RunStandby)
		a.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "tocsin_slack_standby_channels_ready",
			Help: "Standby Slack channels ready for new incidents (TOCSIN_STANDBY_CHANNELS is the target).",
		}, func() float64 { return float64(ex.StandbyReady()) }))
	}
	a.slackGroups = ex.UserGroups
	a.slackByEmail = ex.UserByEmail
	client := slack.New(a.cfg.SlackBotToken, slack.OptionAPIURL(a.cfg.SlackAPIURL), slack.OptionAppLevelToken(a.cfg.SlackAppToken))
	a.names = bot.NewDirectory(client, a.store, a.log.With("component", "slack-names"), a.now)
	a.names.Load() // before the first request, whatever Slack says
	a.every("slack-names", a.names.Run)
	// The directory's group listing answers the start-up check too: one usergroups.list.
	a.every("slack-check-ids", func(ctx context.Context) error { return a.checkSlackIDs(ctx, a.names) })
	h := bot.NewHandlers(bot.HandlerConfig{SigningSecret: a.cfg.SlackSigning, Doer: a.engine, Slack: client,
		Logger: a.log.With("component", "slack"), Now: a.now, Inbox: slackInbox{a.store}, Groups: ex, Registerer: a.registry,
		Alive: a.alive()})
	a.slack = h
	a.every("slack-commands", h.Run)
	a.once("slack-inbox", h.ReplayInbox)
	a.holdPresence(h.Boot())
	if err := a.wireDigest(); err != nil {
		return err
	}
	if a.cfg.SlackAppToken != "" {
		sm := socketmode.New(client)
		a.every("slack-socket-mode", func(ctx context.Context) error { return h.RunSocketMode(ctx, sm) })
	}
	return nil
}

// ownsChannel reports whether an incident owns a Slack channel.
func (a *App) ownsChannel(ctx context.Context, channelID string) (bool, error) {
	_, ok, err := a.store.ByChannel(ctx, channelID)
	return ok, err
}

// groups resolves a Slack user group for approvals (nil without Slack).
func (a *App) groups(ctx context.Context, group string) ([]string, error) {
	if a.slackGroups == nil {
		return nil, fmt.Errorf("slack is not configured: cannot read user group %s", group)
	}
	return a.slackGroups(ctx, group)
}

// noSlack completes Slack effects without performing them.
type noSlack struct{ a *App }

func (n noSlack) Execute(ctx context.Context, eff incident.Effect, inc incident.Incident) (dispatch.Outcome, error) {
	n.a.log.Debug("slack not configured; effect dropped", "kind", eff.Kind, "incident", eff.Incident)
	return dispatch.Outcome{}, nil
}

// grapher draws an incident's alarm graph from CloudWatch.
type grapher struct{ a *App }

func (g grapher) Graph(ctx context.Context, inc incident.Incident) (string, []byte, error) {
	if g.a.aws == nil {
		return "", nil, fmt.Errorf("%w: AWS is not configured, so there is no graph", dispatch.ErrPermanent)
	}
	_, evs, err := g.a.store.Timeline(ctx, inc.ID)
	if err != nil {
		return "", nil, err
	}
	al, ok := incident.LastAlarm(evs)
	if !ok || al.MetricName() == "" {
		return "", nil, fmt.Errorf("%w: %s has no alarm metric to graph", dispatch.ErrPermanent, inc.ID)
	}
	png, err := report.MetricGraph(ctx, g.a.aws.cw, &al, inc.DetectedAt, image.Pt(800, 400))
	return al.Name + ".png", png, err
}
