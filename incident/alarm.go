package incident

import (
	"fmt"
	"strings"
	"time"
)

// State is a CloudWatch alarm state.
type State string

// The three CloudWatch alarm states.
const (
	StateOK               State = "OK"
	StateAlarm            State = "ALARM"
	StateInsufficientData State = "INSUFFICIENT_DATA"
)

// ParseState accepts the three CloudWatch state names exactly.
func ParseState(s string) (State, error) {
	switch State(s) {
	case StateOK, StateAlarm, StateInsufficientData:
		return State(s), nil
	}
	return "", fmt.Errorf("%w: alarm state %q is not OK, ALARM or INSUFFICIENT_DATA", ErrInvalid, s)
}

// AlarmKind says what an alarm watches.
type AlarmKind string

// Alarm kinds. Only metric alarms name a single metric.
const (
	KindMetric     AlarmKind = "metric"    // one metric, a static threshold
	KindMath       AlarmKind = "math"      // a metric-math expression
	KindAnomaly    AlarmKind = "anomaly"   // an anomaly-detection band
	KindComposite  AlarmKind = "composite" // a rule over other alarms
	KindLog        AlarmKind = "log"       // a Logs Insights query alarm
	KindUnknownFmt AlarmKind = "unknown"   // a shape we do not know
)

// Dimension is a CloudWatch metric dimension.
type Dimension struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Metric is one metric an alarm evaluates (for math and anomaly alarms, one
// leg of the expression).
type Metric struct {
	ID         string      `json:"id,omitempty"`
	Namespace  string      `json:"namespace,omitempty"`
	Name       string      `json:"name,omitempty"`
	Dimensions []Dimension `json:"dimensions,omitempty"`
	Stat       string      `json:"stat,omitempty"`
	Period     int         `json:"period,omitempty"`
	Expression string      `json:"expression,omitempty"`
	Label      string      `json:"label,omitempty"`
	ReturnData bool        `json:"return_data,omitempty"`
}

// Alarm is one CloudWatch alarm state change, as tocsin understands it.
type Alarm struct {
	Name        string    `json:"name"`
	ARN         string    `json:"arn"`
	Description string    `json:"description,omitempty"`
	AccountID   string    `json:"account_id,omitempty"`
	Region      string    `json:"region,omitempty"` // the code, e.g. us-east-2
	Kind        AlarmKind `json:"kind"`
	State       State     `json:"state"`
	OldState    State     `json:"old_state,omitempty"`
	Reason      string    `json:"reason,omitempty"`
	ChangedAt   time.Time `json:"changed_at"`

	// Metric alarms: the watched metric and the rule.
	Metric            Metric   `json:"metric"`
	Metrics           []Metric `json:"metrics,omitempty"` // math and anomaly legs
	Threshold         *float64 `json:"threshold,omitempty"`
	ThresholdMetricID string   `json:"threshold_metric_id,omitempty"`
	Comparison        string   `json:"comparison,omitempty"`
	Period            int      `json:"period,omitempty"`
	EvaluationPeriods int      `json:"evaluation_periods,omitempty"`
	DatapointsToAlarm int      `json:"datapoints_to_alarm,omitempty"`

	// Composite alarms: the rule and the children that triggered it.
	Rule     string   `json:"rule,omitempty"`
	Children []string `json:"children,omitempty"`

	// Tags are the alarm's own AWS tags, when they were read.
	Tags map[string]string `json:"tags,omitempty"`

	// BreachStart is the estimated start of impact and StartMethod how it
	// was derived (see intake).
	BreachStart time.Time `json:"breach_start,omitzero"`
	StartMethod string    `json:"start_method,omitempty"`

	// Delivery: how the change reached tocsin.
	MessageID string `json:"message_id,omitempty"`
	TopicARN  string `json:"topic_arn,omitempty"`
	FoundBy   string `json:"found_by,omitempty"` // sns, sqs, reconcile
}

// Dimension returns the value of the named dimension of the alarm's metric
// (or of its first metric leg that has it).
func (a *Alarm) Dimension(name string) (string, bool) {
	for _, d := range a.Metric.Dimensions {
		if d.Name == name {
			return d.Value, true
		}
	}
	for _, m := range a.Metrics {
		for _, d := range m.Dimensions {
			if d.Name == name {
				return d.Value, true
			}
		}
	}
	return "", false
}

// Namespace returns the alarm's metric namespace, or that of its first leg.
func (a *Alarm) Namespace() string {
	return a.metricField(func(m Metric) string { return m.Namespace })
}

// MetricName returns the alarm's metric name, or that of its first leg.
func (a *Alarm) MetricName() string {
	return a.metricField(func(m Metric) string { return m.Name })
}

// metricField returns field of the alarm's metric if it is set, or else of
// the first metric leg that sets it: a math or anomaly alarm has no Metric
// of its own.
func (a *Alarm) metricField(field func(Metric) string) string {
	if v := field(a.Metric); v != "" {
		return v
	}
	for _, m := range a.Metrics {
		if v := field(m); v != "" {
			return v
		}
	}
	return ""
}

// Title is a short human title for an incident opened by this alarm.
func (a *Alarm) Title() string {
	if d := strings.TrimSpace(a.Description); d != "" && len(d) <= 80 {
		return d
	}
	return a.Name
}
