package sim

// CloudWatch stand-in.
//
// It speaks Smithy RPC v2 CBOR, the protocol the current aws-sdk-go-v2
// CloudWatch client uses: POST /service/GraniteServiceVersion20100801/operation/<Op>
// with a CBOR map body, answered with a CBOR map (timestamps as tag 1, epoch
// seconds). Errors carry "__type" and "message" plus X-Amzn-Query-Error, so the
// SDK reports the legacy query codes (InvalidParameterValue, ValidationError, …)
// and errors.As into its typed errors works.
//
// Operations covered: DescribeAlarms, DescribeAlarmHistory, GetMetricData,
// GetMetricWidgetImage, ListTagsForResource and PutMetricData. Others answer
// UnknownOperationException. State is seeded with PutAlarm, SetAlarmState,
// TagResource and PutSeries; metrics nobody put are synthesised so graphs are
// never empty. FailNext injects faults; Calls records every request.

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"
)

// Alarm states, as CloudWatch spells them.
const (
	CWStateOK               = "OK"
	CWStateAlarm            = "ALARM"
	CWStateInsufficientData = "INSUFFICIENT_DATA"
)

// ErrCWAlarmNotFound is returned by SetAlarmState for an alarm never put.
var ErrCWAlarmNotFound = errors.New("cloudwatch alarm not found")

// CloudWatchOptions configures NewCloudWatch.
type CloudWatchOptions struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// CWAlarm is a metric or composite alarm held by the stand-in.
type CWAlarm struct {
	Name               string
	ARN                string // defaults to arn:aws:cloudwatch:us-east-1:123456789012:alarm:<Name>
	Description        string
	Namespace          string
	MetricName         string
	Dimensions         map[string]string
	Statistic          string // defaults to Average
	Threshold          float64
	ComparisonOperator string
	Period             int32
	EvaluationPeriods  int32
	DatapointsToAlarm  int32
	AlarmActions       []string
	OKActions          []string
	State              string // OK, ALARM or INSUFFICIENT_DATA; defaults to OK
	StateReason        string
	StateReasonData    string // JSON
	StateTransitioned  time.Time
	Composite          bool
	AlarmRule          string // composite alarms only
}

// CWPoint is one raw sample of a metric series.
type CWPoint struct {
	T time.Time
	V float64
}

// CWDatum is one MetricDatum received by PutMetricData.
type CWDatum struct {
	MetricName string
	Dimensions map[string]string
	Value      float64
	Values     []float64
	Counts     []float64
	Unit       string
	Timestamp  time.Time
}

// CWPutMetricDataCall is one accepted PutMetricData request.
type CWPutMetricDataCall struct {
	At        time.Time
	Namespace string
	Datums    []CWDatum
}

// CWCall records one request: the operation, when, and the error code returned.
type CWCall struct {
	Op    string
	At    time.Time
	Error string // empty on success
}

// CloudWatch is an http.Handler standing in for the CloudWatch API.
type CloudWatch struct {
	now func() time.Time

	mu      sync.Mutex
	alarms  map[string]*cwAlarmRec
	tags    map[string]map[string]string // by ARN
	series  map[string][]cwSample        // by cwSeriesKey
	history []cwHistoryItem
	calls   []CWCall
	puts    []CWPutMetricDataCall
	faults  map[string][]cwFault
}

type cwAlarmRec struct {
	CWAlarm
	stateUpdated time.Time
	configured   time.Time
}

type cwFault struct {
	code   string
	status int
}

// NewCloudWatch returns an empty stand-in.
func NewCloudWatch(opts CloudWatchOptions) *CloudWatch {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	return &CloudWatch{
		now:    now,
		alarms: map[string]*cwAlarmRec{},
		tags:   map[string]map[string]string{},
		series: map[string][]cwSample{},
		faults: map[string][]cwFault{},
	}
}

// PutAlarm creates or replaces an alarm and records a ConfigurationUpdate
// history item. Tags already attached to its ARN are kept.
func (cw *CloudWatch) PutAlarm(a CWAlarm) {
	cw.mu.Lock()
	defer cw.mu.Unlock()
	now := cw.now()
	if a.ARN == "" {
		a.ARN = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:" + a.Name
	}
	if a.State == "" {
		a.State = CWStateOK
	}
	if a.StateReason == "" {
		a.StateReason = "Unchecked: Initial alarm creation" // what AWS says for a new alarm
	}
	if a.Statistic == "" && !a.Composite {
		a.Statistic = "Average"
	}
	if a.StateTransitioned.IsZero() {
		a.StateTransitioned = now
	}
	a.Dimensions = maps.Clone(a.Dimensions)
	a.AlarmActions, a.OKActions = slices.Clone(a.AlarmActions), slices.Clone(a.OKActions)
	verb := "created"
	if _, ok := cw.alarms[a.Name]; ok {
		verb = "updated"
	}
	cw.alarms[a.Name] = &cwAlarmRec{CWAlarm: a, stateUpdated: a.StateTransitioned, configured: now}
	cw.history = append(cw.history, cwHistoryItem{
		alarm: a.Name, composite: a.Composite, at: now, kind: "ConfigurationUpdate",
		summary: fmt.Sprintf("Alarm %q %s", a.Name, verb),
		data:    cwConfigHistoryData(verb),
	})
}

// SetAlarmState moves an alarm to state at the given time, as the
// SetAlarmState API or an evaluation would. A change of state records a
// StateUpdate history item; for metric alarms StateReasonData is derived from
// the alarm's metric series. An empty reason is filled in.
func (cw *CloudWatch) SetAlarmState(name, state, reason string, at time.Time) error {
	switch state {
	case CWStateOK, CWStateAlarm, CWStateInsufficientData:
	default:
		return fmt.Errorf("set state of alarm %q: invalid state %q", name, state)
	}
	cw.mu.Lock()
	defer cw.mu.Unlock()
	rec, ok := cw.alarms[name]
	if !ok {
		return fmt.Errorf("set state of alarm %q: %w", name, ErrCWAlarmNotFound)
	}
	cw.setStateLocked(rec, state, reason, at)
	return nil
}

// TagResource attaches tags to an ARN, merging with existing ones.
func (cw *CloudWatch) TagResource(arn string, tags map[string]string) {
	cw.mu.Lock()
	defer cw.mu.Unlock()
	if cw.tags[arn] == nil {
		cw.tags[arn] = map[string]string{}
	}
	maps.Copy(cw.tags[arn], tags)
}

// PutSeries replaces the raw samples of one metric (namespace, name and exact
// dimensions). GetMetricData aggregates them per period and statistic.
func (cw *CloudWatch) PutSeries(namespace, metric string, dims map[string]string, points []CWPoint) {
	samples := make([]cwSample, len(points))
	for i, p := range points {
		samples[i] = cwSample{t: p.T, v: p.V, n: 1}
	}
	cw.mu.Lock()
	defer cw.mu.Unlock()
	cw.series[cwSeriesKey(namespace, metric, dims)] = samples
}

// FailNext makes the next n requests for op fail with the given error code
// (e.g. "Throttling", "InternalFailure") and HTTP status.
func (cw *CloudWatch) FailNext(op string, n int, code string, status int) {
	cw.mu.Lock()
	defer cw.mu.Unlock()
	for range n {
		cw.faults[op] = append(cw.faults[op], cwFault{code: code, status: status})
	}
}

// Calls returns every request received so far, in order.
func (cw *CloudWatch) Calls() []CWCall {
	cw.mu.Lock()
	defer cw.mu.Unlock()
	return append([]CWCall(nil), cw.calls...)
}

// PutMetricDataCalls returns a copy of every accepted PutMetricData request,
// in order.
func (cw *CloudWatch) PutMetricDataCalls() []CWPutMetricDataCall {
	cw.mu.Lock()
	defer cw.mu.Unlock()
	out := make([]CWPutMetricDataCall, len(cw.puts))
	for i, c := range cw.puts {
		out[i] = CWPutMetricDataCall{At: c.At, Namespace: c.Namespace}
		for _, d := range c.Datums {
			out[i].Datums = append(out[i].Datums, cwCloneDatum(d))
		}
	}
	return out
}

// Datums returns every datum accepted for namespace, in order.
func (cw *CloudWatch) Datums(namespace string) []CWDatum {
	cw.mu.Lock()
	defer cw.mu.Unlock()
	var out []CWDatum
	for _, c := range cw.puts {
		if c.Namespace != namespace {
			continue
		}
		for _, d := range c.Datums {
			out = append(out, cwCloneDatum(d))
		}
	}
	return out
}

func cwCloneDatum(d CWDatum) CWDatum {
	d.Dimensions = maps.Clone(d.Dimensions)
	d.Values, d.Counts = slices.Clone(d.Values), slices.Clone(d.Counts)
	return d
}
