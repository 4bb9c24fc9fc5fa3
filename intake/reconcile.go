package intake

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/tocsin-dev/tocsin/incident"
)

// DescribeAlarmsAPI is the CloudWatch call the Reconciler makes (the SDK
// method).
type DescribeAlarmsAPI interface {
	DescribeAlarms(ctx context.Context, params *cloudwatch.DescribeAlarmsInput, optFns ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error)
}

// Reconciler finds alarm state changes that notifications missed (SNS
// gave up, the endpoint was down past the retries) and hands them to the
// Sink as if they had arrived, with FoundBy "reconcile" and a MessageID
// made of the alarm ARN and its StateTransitionedTimestamp, so that running
// it again changes nothing.
//
// Two things are missed: an alarm in ALARM that is linked to no open
// incident, and an alarm linked to an open incident that is no longer in
// ALARM. The first is raised only if its actions are enabled and its
// AlarmActions name one of Topics (so an empty Topics raises none): alarms
// that never notify tocsin are not tocsin's to open incidents for.
type Reconciler struct {
	CW DescribeAlarmsAPI
	// Open returns the ARNs of the alarms linked to open incidents.
	Open   func(ctx context.Context) ([]string, error)
	Sink   Sink
	Topics []string
	// Every is the time between runs; 0 means five minutes.
	Every  time.Duration
	Logger *slog.Logger // nil discards
}

// Run reconciles at once and then every Every until ctx is done, then
// returns nil. A failed run is logged and the next one tries again.
func (r *Reconciler) Run(ctx context.Context) error {
	every := r.Every
	if every <= 0 {
		every = 5 * time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := r.Once(ctx); err != nil && ctx.Err() == nil {
			r.logger().Error("alarm reconciliation failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Once reconciles one time and hands every missed change to the Sink; it
// returns the errors of the calls that failed.
func (r *Reconciler) Once(ctx context.Context) error {
	if r.CW == nil || r.Open == nil || r.Sink == nil {
		return errors.New("reconciler needs CW, Open and Sink")
	}
	arns, err := r.Open(ctx)
	if err != nil {
		return fmt.Errorf("list the alarms of open incidents: %w", err)
	}
	open := make(map[string]bool, len(arns))
	for _, arn := range arns {
		open[arn] = true
	}
	firing, err := r.describe(ctx, &cloudwatch.DescribeAlarmsInput{StateValue: types.StateValueAlarm})
	if err != nil {
		return err
	}
	missed, unseen := r.missedAlarms(firing, open)
	for names := range slices.Chunk(unseen, 100) {
		found, err := r.describe(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: names})
		if err != nil {
			return err
		}
		missed = append(missed, recovered(found, open)...)
	}
	var errs []error
	for _, a := range missed {
		r.logger().Info("alarm change found by reconciliation", "alarm", a.ARN, "state", a.State, "message_id", a.MessageID)
		if err := r.Sink.Alarm(ctx, a); err != nil {
			errs = append(errs, fmt.Errorf("hand reconciled alarm %s to the sink: %w", a.ARN, err))
		}
	}
	return errors.Join(errs...)
}

// missedAlarms returns the firing alarms that notify tocsin but are
// linked to no open incident, and the names of the open incidents' alarms
// that are not firing (to be described by name).
func (r *Reconciler) missedAlarms(firing []described, open map[string]bool) ([]incident.Alarm, []string) {
	var missed []incident.Alarm
	firingARNs := make(map[string]bool)
	for _, d := range firing {
		firingARNs[d.alarm.ARN] = true
		if !open[d.alarm.ARN] && d.enabled && r.notifies(d.actions) {
			missed = append(missed, d.alarm)
		}
	}
	var unseen []string
	for arn := range open {
		if name := alarmNameFromARN(arn); name != "" && !firingARNs[arn] && !slices.Contains(unseen, name) {
			unseen = append(unseen, name)
		}
	}
	slices.Sort(unseen) // a stable order of requests
	return missed, unseen
}

// recovered returns the described alarms that are linked to an open
// incident and no longer in ALARM.
func recovered(found []described, open map[string]bool) []incident.Alarm {
	var out []incident.Alarm
	for _, d := range found {
		if d.alarm.State != incident.StateAlarm && open[d.alarm.ARN] {
			out = append(out, d.alarm)
		}
	}
	return out
}

// notifies reports whether an alarm's actions publish to an allowed topic.
func (r *Reconciler) notifies(actions []string) bool {
	for _, a := range actions {
		if slices.Contains(r.Topics, a) {
			return true
		}
	}
	return false
}

// describe runs DescribeAlarms for metric and composite alarms, every
// page, and converts what it can.
func (r *Reconciler) describe(ctx context.Context, in *cloudwatch.DescribeAlarmsInput) ([]described, error) {
	in.AlarmTypes = []types.AlarmType{types.AlarmTypeMetricAlarm, types.AlarmTypeCompositeAlarm}
	var out []described
	for page := 0; page < 1000; page++ {
		resp, err := r.CW.DescribeAlarms(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("describe alarms: %w", err)
		}
		for _, m := range resp.MetricAlarms {
			out = appendDescribed(out, fromMetricAlarm(m))
		}
		for _, c := range resp.CompositeAlarms {
			out = appendDescribed(out, fromCompositeAlarm(c))
		}
		if resp.NextToken == nil || *resp.NextToken == "" {
			break
		}
		in.NextToken = resp.NextToken
	}
	return out, nil
}

func (r *Reconciler) logger() *slog.Logger {
	if r.Logger == nil {
		return discard()
	}
	return r.Logger
}
