package main

import (
	"context"
	"strings"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/intake"
)

// refiner performs EffRefineStart: after SNS has its 200, it reads the
// alarm's metric with GetMetricData and moves the impact start back to the
// first breaching datapoint, recording how. A start a person corrected is
// never overridden; without AWS the estimate from the notification stays.
type refiner struct{ a *app }

func (r refiner) Execute(ctx context.Context, eff incident.Effect, inc incident.Incident) (dispatch.Outcome, error) {
	if r.a.aws == nil || strings.HasPrefix(inc.StartMethod, "corrected by") {
		return dispatch.Outcome{}, nil
	}
	_, evs, err := r.a.store.Timeline(ctx, inc.ID)
	if err != nil {
		return dispatch.Outcome{}, err
	}
	al, ok := incident.LastAlarm(evs[:1]) // the alarm that opened the incident
	if !ok {
		return dispatch.Outcome{}, nil
	}
	start, method, err := intake.Refine(ctx, r.a.aws.cw, al, inc.StartedAt)
	if err != nil { // the estimate stands; a refinement is not worth retrying for hours
		r.a.log.Warn("refine impact start", "incident", inc.ID, "err", err)
		return dispatch.Outcome{}, nil
	}
	if method == "" || !start.Before(inc.StartedAt) {
		return dispatch.Outcome{}, nil
	}
	return dispatch.Outcome{Events: []incident.Event{{Type: incident.EventCorrected, At: r.a.now(), Actor: "tocsin",
		Text: "impact start refined from the metric's datapoints",
		Data: map[string]string{"field": "started", "at": incident.FormatTime(start),
			"previous": incident.FormatTime(inc.StartedAt), "method": method}}}}, nil
}
