package app

import (
	"context"
	"errors"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/intake"
)

// wire connects the outside world: SNS intake, Slack, PagerDuty, AWS.
func (a *App) wire(ctx context.Context, d Deps) error {
	v := &intake.Verifier{Client: d.HTTP, Cache: a.store, CertDir: a.cfg.SNSCertDir, Logger: a.log.With("component", "sns"), HostAllowed: d.HostAllowed,
		MinSignatureVersion: a.cfg.SNSSignatureVersion}
	a.verifier = v
	a.sns = intake.NewHandler(intake.HandlerConfig{
		Verifier: v, Topics: a.cfg.SNSTopics, Sink: sink{a.engine}, Client: d.HTTP,
		Logger: a.log.With("component", "sns"), Registerer: a.registry, Now: a.now,
	})
	if err := a.wireSlack(ctx, d); err != nil {
		return err
	}
	a.wirePagerDuty(a.slackByEmail)
	return a.wireAWS(ctx, d)
}

// sink adapts the engine to intake.Sink, translating overload.
type sink struct{ e *dispatch.Engine }

var _ intake.Sink = sink{}

func (s sink) Alarm(ctx context.Context, al incident.Alarm) error {
	return overload(s.e.Alarm(ctx, al))
}

func (s sink) Notice(ctx context.Context, n intake.Notice) error {
	return overload(s.e.Notice(ctx, dispatch.Notice{MessageID: n.MessageID, TopicARN: n.TopicARN, Subject: n.Subject, Text: n.Text}))
}

func overload(err error) error {
	if errors.Is(err, dispatch.ErrOverloaded) {
		return errors.Join(err, intake.ErrOverloaded)
	}
	return err
}
