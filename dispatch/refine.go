package dispatch

import (
	"context"
	"strings"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
)

// StartRefiner reads an alarm's metric to find when its breach really began
// (intake.Refiner does, with CloudWatch's GetMetricData). It returns the
// estimate and an empty method when it has nothing better.
type StartRefiner interface {
	RefineStart(ctx context.Context, al incident.Alarm, estimate time.Time) (time.Time, string, error)
}

// Refiner performs EffRefineStart: after SNS has its 200, it moves the
// impact start back to the first breaching datapoint and records how. A
// start a person corrected is never overridden; without a StartRefiner (no
// AWS) the estimate from the notification stays.
type Refiner struct {
	Engine *Engine
	Start  StartRefiner // nil: nothing to refine with
}

// Execute refines inc's impact start from the alarm that opened it.
func (r *Refiner) Execute(ctx context.Context, eff incident.Effect, inc incident.Incident) (Outcome, error) {
	if r.Start == nil || strings.HasPrefix(inc.StartMethod, "corrected by") {
		return Outcome{}, nil
	}
	var evs []incident.Event
	err := r.Engine.cfg.Store.View(func(tx incident.Tx) error {
		var err error
		evs, err = tx.Events(inc.ID)
		return err
	})
	if err != nil {
		return Outcome{}, err
	}
	al, ok := incident.LastAlarm(evs[:min(1, len(evs))]) // the alarm that opened the incident
	if !ok {
		return Outcome{}, nil
	}
	start, method, err := r.Start.RefineStart(ctx, al, inc.StartedAt)
	if err != nil { // the estimate stands; a refinement is not worth retrying for hours
		r.Engine.log.Warn("refine impact start", "incident", inc.ID, "err", err)
		return Outcome{}, nil
	}
	if method == "" || !start.Before(inc.StartedAt) {
		return Outcome{}, nil
	}
	return Outcome{Events: []incident.Event{{Type: incident.EventCorrected, At: r.Engine.cfg.Now(), Actor: "tocsin",
		Text: "impact start refined from the metric's datapoints",
		Data: map[string]string{"field": "started", "at": incident.FormatTime(start),
			"previous": incident.FormatTime(inc.StartedAt), "method": method}}}}, nil
}
