package intake

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/tocsin-dev/tocsin/incident"
)

// How an impact start was derived (incident.Alarm.StartMethod).
const (
	MethodReason        = "breaching datapoints in the state reason"
	MethodPeriods       = "state change minus N×period"
	MethodStateChange   = "state change time"
	MethodGetMetricData = "first breaching datapoint from GetMetricData"
)

// reasonDatapoint matches the timestamp of a datapoint in NewStateReason,
// as in "[0.337675 (19/12/21 23:01:00)]": dd/mm/yy, UTC.
var reasonDatapoint = regexp.MustCompile(`\((\d{2}/\d{2}/\d{2} \d{2}:\d{2}:\d{2})\)`)

// BreachStart estimates when impact started, from the alarm alone: the
// earliest datapoint named in the state reason (of those that can have
// caused the change); else the state change less DatapointsToAlarm (or
// EvaluationPeriods) periods; else the state change. It is meant for
// transitions into ALARM.
func BreachStart(a incident.Alarm) (time.Time, string) {
	var earliest time.Time
	for _, m := range reasonDatapoint.FindAllStringSubmatch(a.Reason, -1) {
		t, err := time.Parse("02/01/06 15:04:05", m[1])
		if err != nil || !plausible(a, t) {
			continue
		}
		if earliest.IsZero() || t.Before(earliest) {
			earliest = t
		}
	}
	if !earliest.IsZero() {
		return earliest, MethodReason
	}
	n := a.DatapointsToAlarm
	if n <= 0 {
		n = a.EvaluationPeriods
	}
	if d, ok := span(n, a.Period); ok && !a.ChangedAt.IsZero() {
		return a.ChangedAt.Add(-d), MethodPeriods
	}
	return a.ChangedAt, MethodStateChange
}

// maxSpan bounds n periods: CloudWatch evaluates at most seven days, so
// anything past a month is a misread number, not an alarm.
const maxSpan = 31 * 24 * time.Hour

// span returns n periods of the given seconds, if that is a sane length.
func span(n, period int) (time.Duration, bool) {
	limit := int(maxSpan / time.Second)
	if n <= 0 || period <= 0 || n > limit || period > limit || n*period > limit {
		return 0, false
	}
	return time.Duration(n) * time.Duration(period) * time.Second, true
}

// plausible reports whether a datapoint named in the reason can have
// caused the change: not after it, and within the periods evaluated (plus
// an hour for late data). Anything else is a misread date.
func plausible(a incident.Alarm, t time.Time) bool {
	if a.ChangedAt.IsZero() {
		return true
	}
	window, ok := span(max(a.EvaluationPeriods, a.DatapointsToAlarm, 1), a.Period)
	if !ok {
		window = 0
	}
	return !t.After(a.ChangedAt) && a.ChangedAt.Sub(t) <= window+time.Hour
}

// GetMetricDataAPI is the CloudWatch call Refine makes (the SDK method).
type GetMetricDataAPI interface {
	GetMetricData(ctx context.Context, params *cloudwatch.GetMetricDataInput, optFns ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error)
}

// refineLookback is how far before the state change Refine reads, in
// periods, and at most.
const (
	refinePeriods = 60
	refineMax     = 24 * time.Hour
)

// Refine improves an impact start for a static-threshold metric alarm: it
// reads the metric around the breach and walks back from the state change
// to the first datapoint of the contiguous run that breaches the threshold.
// When it has nothing better (another kind of alarm, no breaching data) it
// returns start and an empty method: keep the estimate you had.
func Refine(ctx context.Context, cw GetMetricDataAPI, a incident.Alarm, start time.Time) (time.Time, string, error) {
	breaches, ok := comparison(a)
	if !ok || a.Metric.Name == "" || a.Metric.Stat == "" || a.Period <= 0 || a.ChangedAt.IsZero() {
		return start, "", nil
	}
	period := time.Duration(a.Period) * time.Second
	from := a.ChangedAt.Add(-min(refinePeriods*period, refineMax))
	if !start.IsZero() && start.Before(from) {
		from = start.Add(-period)
	}
	points, err := metricData(ctx, cw, a, from, a.ChangedAt.Add(period))
	if err != nil {
		return start, "", fmt.Errorf("refine impact start of alarm %q: %w", a.Name, err)
	}
	var first time.Time
	for _, p := range points { // newest first
		if p.at.After(a.ChangedAt) {
			continue
		}
		if !breaches(p.value) {
			if first.IsZero() {
				continue // not yet inside the run
			}
			break
		}
		first = p.at
	}
	if first.IsZero() {
		return start, "", nil
	}
	return first, MethodGetMetricData, nil
}

// comparison returns the static-threshold test of a metric alarm.
func comparison(a incident.Alarm) (func(float64) bool, bool) {
	if a.Kind != incident.KindMetric || a.Threshold == nil {
		return nil, false
	}
	t := *a.Threshold
	switch a.Comparison {
	case "GreaterThanOrEqualToThreshold":
		return func(v float64) bool { return v >= t }, true
	case "GreaterThanThreshold":
		return func(v float64) bool { return v > t }, true
	case "LessThanThreshold":
		return func(v float64) bool { return v < t }, true
	case "LessThanOrEqualToThreshold":
		return func(v float64) bool { return v <= t }, true
	}
	return nil, false
}

type datapoint struct {
	at    time.Time
	value float64
}

// metricData reads the alarm's metric between from and to, every page,
// and returns the datapoints newest first.
func metricData(ctx context.Context, cw GetMetricDataAPI, a incident.Alarm, from, to time.Time) ([]datapoint, error) {
	in := &cloudwatch.GetMetricDataInput{
		StartTime: ptr(from), EndTime: ptr(to), ScanBy: types.ScanByTimestampDescending,
		MetricDataQueries: []types.MetricDataQuery{{
			Id: ptr("m"), ReturnData: ptr(true),
			MetricStat: &types.MetricStat{
				Metric: &types.Metric{Namespace: ptr(a.Metric.Namespace), MetricName: ptr(a.Metric.Name), Dimensions: apiDims(a.Metric.Dimensions)},
				Period: ptr(int32(a.Period)), Stat: ptr(a.Metric.Stat),
			},
		}},
	}
	var points []datapoint
	for page := 0; page < 100; page++ {
		out, err := cw.GetMetricData(ctx, in)
		if err != nil {
			return nil, err
		}
		for _, r := range out.MetricDataResults {
			for i := 0; i < len(r.Timestamps) && i < len(r.Values); i++ {
				points = append(points, datapoint{r.Timestamps[i].UTC(), r.Values[i]})
			}
		}
		if out.NextToken == nil || *out.NextToken == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	slices.SortFunc(points, func(x, y datapoint) int { return y.at.Compare(x.at) })
	return points, nil
}

func apiDims(in []incident.Dimension) []types.Dimension {
	out := make([]types.Dimension, len(in))
	for i, d := range in {
		out[i] = types.Dimension{Name: ptr(d.Name), Value: ptr(d.Value)}
	}
	return out
}

// ptr returns a pointer to v, for the SDK's optional fields.
func ptr[T any](v T) *T { return &v }

// Refiner refines impact starts with Refine through one CloudWatch client
// (it satisfies dispatch.StartRefiner).
type Refiner struct{ CW GetMetricDataAPI }

// RefineStart calls Refine.
func (r Refiner) RefineStart(ctx context.Context, a incident.Alarm, start time.Time) (time.Time, string, error) {
	return Refine(ctx, r.CW, a, start)
}
