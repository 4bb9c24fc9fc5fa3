package intake

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/tocsin-dev/tocsin/incident"
)

// cwTrigger is the Trigger of a metric, metric-math or anomaly alarm.
// Numbers and booleans are lenient: some publishers send them as strings.
type cwTrigger struct {
	MetricName         string      `json:"MetricName"`
	Namespace          string      `json:"Namespace"`
	StatisticType      string      `json:"StatisticType"`
	Statistic          string      `json:"Statistic"`
	ExtendedStatistic  string      `json:"ExtendedStatistic"`
	Dimensions         []cwDim     `json:"Dimensions"`
	Period             flexNumber  `json:"Period"`
	EvaluationPeriods  flexNumber  `json:"EvaluationPeriods"`
	DatapointsToAlarm  flexNumber  `json:"DatapointsToAlarm"`
	ComparisonOperator string      `json:"ComparisonOperator"`
	Threshold          *flexNumber `json:"Threshold"`
	ThresholdMetricID  string      `json:"ThresholdMetricId"`
	Metrics            []cwQuery   `json:"Metrics"`
}

// cwDim is a Trigger dimension: lower-case keys in notifications
// (encoding/json also accepts the API's Name and Value).
type cwDim struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// cwQuery is one leg of a metric-math or anomaly alarm.
type cwQuery struct {
	ID         string    `json:"Id"`
	Expression string    `json:"Expression"`
	Label      string    `json:"Label"`
	ReturnData *flexBool `json:"ReturnData"`
	MetricStat *struct {
		Metric struct {
			Dimensions []cwDim `json:"Dimensions"`
			MetricName string  `json:"MetricName"`
			Namespace  string  `json:"Namespace"`
		} `json:"Metric"`
		Period flexNumber `json:"Period"`
		Stat   string     `json:"Stat"`
	} `json:"MetricStat"`
}

// applyTrigger fills the metric part of a; a Trigger it cannot read leaves
// Kind unknown.
func applyTrigger(a *incident.Alarm, raw json.RawMessage) {
	var t cwTrigger
	if err := json.Unmarshal(raw, &t); err != nil {
		return
	}
	a.Comparison = t.ComparisonOperator
	a.Period = int(t.Period)
	a.EvaluationPeriods = int(t.EvaluationPeriods)
	a.DatapointsToAlarm = int(t.DatapointsToAlarm)
	a.ThresholdMetricID = t.ThresholdMetricID
	for _, q := range t.Metrics {
		a.Metrics = append(a.Metrics, q.metric())
	}
	switch {
	case t.MetricName != "":
		a.Kind = incident.KindMetric
		a.Metric = incident.Metric{
			Namespace: t.Namespace, Name: t.MetricName, Dimensions: dims(t.Dimensions),
			Stat: t.stat(), Period: int(t.Period),
		}
	case len(a.Metrics) > 0 && anomalyLegs(a.ThresholdMetricID, a.Metrics):
		a.Kind = incident.KindAnomaly
	case len(a.Metrics) > 0:
		a.Kind = incident.KindMath
	default:
		return
	}
	if t.Threshold != nil && a.Kind != incident.KindAnomaly {
		v := float64(*t.Threshold)
		a.Threshold = &v
	}
}

// anomalyLegs: the alarm compares against a band, not a number.
func anomalyLegs(thresholdMetricID string, legs []incident.Metric) bool {
	if thresholdMetricID != "" {
		return true
	}
	for _, m := range legs {
		if strings.Contains(strings.ToUpper(m.Expression), "ANOMALY_DETECTION_BAND") {
			return true
		}
	}
	return false
}

// stat is the statistic the trigger names, normalised to the API's
// spelling (notifications say "SUM" where GetMetricData wants "Sum").
func (t *cwTrigger) stat() string {
	s := t.Statistic
	if t.StatisticType == "ExtendedStatistic" || s == "" {
		s = t.ExtendedStatistic
	}
	return normaliseStat(s)
}

// normaliseStat maps the five simple statistics to their API names; a
// percentile or other extended statistic is kept as written.
func normaliseStat(s string) string {
	for _, name := range []string{"SampleCount", "Average", "Sum", "Minimum", "Maximum"} {
		if strings.EqualFold(s, name) {
			return name
		}
	}
	return s
}

func (q *cwQuery) metric() incident.Metric {
	m := incident.Metric{ID: q.ID, Expression: q.Expression, Label: q.Label, ReturnData: true}
	if q.ReturnData != nil {
		m.ReturnData = bool(*q.ReturnData) // absent means true, as in the API
	}
	if q.MetricStat != nil {
		m.Namespace = q.MetricStat.Metric.Namespace
		m.Name = q.MetricStat.Metric.MetricName
		m.Dimensions = dims(q.MetricStat.Metric.Dimensions)
		m.Stat = normaliseStat(q.MetricStat.Stat)
		m.Period = int(q.MetricStat.Period)
	}
	return m
}

func dims(in []cwDim) []incident.Dimension {
	if len(in) == 0 {
		return nil
	}
	out := make([]incident.Dimension, len(in))
	for i, d := range in {
		out[i] = incident.Dimension{Name: d.Name, Value: d.Value}
	}
	return out
}

// flexNumber is a JSON number, a numeric string, or null (zero).
type flexNumber float64

// UnmarshalJSON accepts 60, 60.0, "60" and null; any other string is 0.
func (n *flexNumber) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		v, _ := strconv.ParseFloat(strings.TrimSpace(s), 64)
		*n = flexNumber(v)
		return nil
	}
	var v *float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	if v != nil {
		*n = flexNumber(*v)
	}
	return nil
}

// flexBool is a JSON boolean or the strings "True"/"False" (any case).
type flexBool bool

// UnmarshalJSON accepts true, false, "True", "false" and null.
func (f *flexBool) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexBool(strings.EqualFold(strings.TrimSpace(s), "true"))
		return nil
	}
	var v *bool
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*f = flexBool(v != nil && *v)
	return nil
}
