package intake

import (
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/tocsin-dev/tocsin/incident"
)

// described is an alarm as DescribeAlarms returned it, converted, with
// what the Reconciler needs to know about its actions.
type described struct {
	alarm   incident.Alarm
	actions []string // AlarmActions
	enabled bool     // ActionsEnabled
	ok      bool     // false: it could not be converted
}

// appendDescribed keeps the alarms that could be converted.
func appendDescribed(out []described, d described) []described {
	if !d.ok {
		return out
	}
	return append(out, d)
}

// fromMetricAlarm converts a metric, math or anomaly alarm of the API.
func fromMetricAlarm(m types.MetricAlarm) described {
	a := incident.Alarm{
		Name: deref(m.AlarmName), ARN: deref(m.AlarmArn), Description: deref(m.AlarmDescription),
		Reason: deref(m.StateReason), Kind: incident.KindUnknownFmt,
		Comparison: string(m.ComparisonOperator), ThresholdMetricID: deref(m.ThresholdMetricId),
		Period: int(deref(m.Period)), EvaluationPeriods: int(deref(m.EvaluationPeriods)),
		DatapointsToAlarm: int(deref(m.DatapointsToAlarm)),
	}
	for _, q := range m.Metrics {
		a.Metrics = append(a.Metrics, fromQuery(q))
	}
	switch {
	case m.MetricName != nil:
		stat := string(m.Statistic)
		if stat == "" {
			stat = deref(m.ExtendedStatistic)
		}
		a.Kind = incident.KindMetric
		a.Metric = incident.Metric{Namespace: deref(m.Namespace), Name: *m.MetricName,
			Dimensions: fromAPIDims(m.Dimensions), Stat: stat, Period: a.Period}
	case len(a.Metrics) > 0 && anomalyLegs(a.ThresholdMetricID, a.Metrics):
		a.Kind = incident.KindAnomaly
	case len(a.Metrics) > 0:
		a.Kind = incident.KindMath
	}
	if m.Threshold != nil && a.Kind != incident.KindAnomaly {
		v := *m.Threshold
		a.Threshold = &v
	}
	return finish(a, string(m.StateValue), m.StateTransitionedTimestamp, m.StateUpdatedTimestamp,
		m.AlarmActions, m.ActionsEnabled)
}

// fromCompositeAlarm converts a composite alarm of the API.
func fromCompositeAlarm(c types.CompositeAlarm) described {
	a := incident.Alarm{
		Name: deref(c.AlarmName), ARN: deref(c.AlarmArn), Description: deref(c.AlarmDescription),
		Reason: deref(c.StateReason), Kind: incident.KindComposite, Rule: deref(c.AlarmRule),
	}
	return finish(a, string(c.StateValue), c.StateTransitionedTimestamp, c.StateUpdatedTimestamp,
		c.AlarmActions, c.ActionsEnabled)
}

// finish fills the state, time, origin and idempotent MessageID. An alarm
// with no valid state or no timestamp cannot be reconciled idempotently.
func finish(a incident.Alarm, state string, transitioned, updated *time.Time, actions []string, enabled *bool) described {
	var err error
	if a.State, err = incident.ParseState(state); err != nil || a.ARN == "" {
		return described{}
	}
	switch {
	case transitioned != nil:
		a.ChangedAt = transitioned.UTC()
	case updated != nil:
		a.ChangedAt = updated.UTC()
	default:
		return described{}
	}
	a.Region, a.AccountID = splitAlarmARN(a.ARN)
	a.FoundBy = "reconcile"
	a.MessageID = fmt.Sprintf("reconcile:%s:%d", a.ARN, a.ChangedAt.UnixNano())
	a.BreachStart, a.StartMethod = BreachStart(a)
	return described{alarm: a, actions: actions, enabled: enabled == nil || *enabled, ok: true}
}

func fromQuery(q types.MetricDataQuery) incident.Metric {
	m := incident.Metric{ID: deref(q.Id), Expression: deref(q.Expression), Label: deref(q.Label),
		ReturnData: q.ReturnData == nil || *q.ReturnData, Period: int(deref(q.Period))}
	if s := q.MetricStat; s != nil {
		m.Stat, m.Period = deref(s.Stat), int(deref(s.Period))
		if s.Metric != nil {
			m.Namespace, m.Name = deref(s.Metric.Namespace), deref(s.Metric.MetricName)
			m.Dimensions = fromAPIDims(s.Metric.Dimensions)
		}
	}
	return m
}

func fromAPIDims(in []types.Dimension) []incident.Dimension {
	if len(in) == 0 {
		return nil
	}
	out := make([]incident.Dimension, len(in))
	for i, d := range in {
		out[i] = incident.Dimension{Name: deref(d.Name), Value: deref(d.Value)}
	}
	return out
}
