package sim

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
)

// CWStateChangeLayout is how CloudWatch writes StateChangeTime in an alarm
// notification.
const CWStateChangeLayout = "2006-01-02T15:04:05.000-0700"

// cwDatapointTime is how CloudWatch writes a datapoint's time in a state reason.
const cwDatapointTime = "02/01/06 15:04:05"

// CWAlarmMessage is the message CloudWatch publishes to SNS when a metric
// alarm changes state (the shape of AWS's documented examples). Its zero
// fields take the defaults each names.
type CWAlarmMessage struct {
	Name        string
	Description string // null when empty
	AccountID   string // 123456789012
	Region      string // the region's name as CloudWatch writes it: US East (N. Virginia)
	ARN         string // arn:aws:cloudwatch:us-east-1:<AccountID>:alarm:<Name>
	// State and OldState are NewStateValue and OldStateValue: ALARM, OK or
	// INSUFFICIENT_DATA.
	State, OldState string
	// Reason is NewStateReason; empty means CloudWatch's sentence for one
	// datapoint of Value, a minute before ChangedAt, crossing (ALARM) or
	// not crossing (otherwise) the threshold.
	Reason    string
	Value     float64
	ChangedAt time.Time // StateChangeTime
	// ConfiguredAt is AlarmConfigurationUpdatedTimestamp, left out when zero.
	ConfiguredAt time.Time

	Namespace, MetricName string
	Statistic             string // as CloudWatch writes it here: SUM, AVERAGE, MAXIMUM…
	Unit                  string // null when empty
	// Dimensions are name/value pairs in the order CloudWatch lists them.
	Dimensions          [][2]string
	Period              int     // seconds; 60
	EvaluationPeriods   int     // 1
	DatapointsToAlarm   int     // left out when zero
	ComparisonOperator  string  // GreaterThanThreshold
	Threshold           float64 // the threshold
	TreatMissingData    string  // missing
	AlarmActions        []string
	OKActions           []string
	InsufficientActions []string // sent as [] when any action is set
}

// cwMessage and cwTrigger give the JSON its field order and nulls.
type cwMessage struct {
	AlarmName               string    `json:"AlarmName"`
	AlarmDescription        *string   `json:"AlarmDescription"`
	AWSAccountID            string    `json:"AWSAccountId"`
	ConfigUpdated           string    `json:"AlarmConfigurationUpdatedTimestamp,omitempty"`
	NewStateValue           string    `json:"NewStateValue"`
	NewStateReason          string    `json:"NewStateReason"`
	StateChangeTime         string    `json:"StateChangeTime"`
	Region                  string    `json:"Region"`
	AlarmArn                string    `json:"AlarmArn"`
	OldStateValue           string    `json:"OldStateValue"`
	OKActions               []string  `json:"OKActions,omitzero"`
	AlarmActions            []string  `json:"AlarmActions,omitzero"`
	InsufficientDataActions []string  `json:"InsufficientDataActions,omitzero"`
	Trigger                 cwTrigger `json:"Trigger"`
}

type cwTrigger struct {
	MetricName                       string              `json:"MetricName"`
	Namespace                        string              `json:"Namespace"`
	StatisticType                    string              `json:"StatisticType"`
	Statistic                        string              `json:"Statistic"`
	Unit                             *string             `json:"Unit"`
	Dimensions                       []map[string]string `json:"Dimensions"`
	Period                           int                 `json:"Period"`
	EvaluationPeriods                int                 `json:"EvaluationPeriods"`
	DatapointsToAlarm                int                 `json:"DatapointsToAlarm,omitempty"`
	ComparisonOperator               string              `json:"ComparisonOperator"`
	Threshold                        float64             `json:"Threshold"`
	TreatMissingData                 string              `json:"TreatMissingData"`
	EvaluateLowSampleCountPercentile string              `json:"EvaluateLowSampleCountPercentile"`
}

// JSON returns the message as CloudWatch publishes it.
func (m CWAlarmMessage) JSON() string {
	m = m.withDefaults()
	out := cwMessage{
		AlarmName: m.Name, AlarmDescription: nullable(m.Description), AWSAccountID: m.AccountID,
		NewStateValue: m.State, NewStateReason: m.Reason, StateChangeTime: m.ChangedAt.UTC().Format(CWStateChangeLayout),
		Region: m.Region, AlarmArn: m.ARN, OldStateValue: m.OldState,
		OKActions: m.OKActions, AlarmActions: m.AlarmActions,
		Trigger: cwTrigger{MetricName: m.MetricName, Namespace: m.Namespace, StatisticType: "Statistic",
			Statistic: m.Statistic, Unit: nullable(m.Unit), Dimensions: []map[string]string{},
			Period: m.Period, EvaluationPeriods: m.EvaluationPeriods, DatapointsToAlarm: m.DatapointsToAlarm,
			ComparisonOperator: m.ComparisonOperator, Threshold: m.Threshold, TreatMissingData: m.TreatMissingData},
	}
	if !m.ConfiguredAt.IsZero() {
		out.ConfigUpdated = m.ConfiguredAt.UTC().Format(CWStateChangeLayout)
	}
	if len(m.OKActions)+len(m.AlarmActions)+len(m.InsufficientActions) > 0 {
		out.InsufficientDataActions = append([]string{}, m.InsufficientActions...)
	}
	for _, d := range m.Dimensions {
		out.Trigger.Dimensions = append(out.Trigger.Dimensions, map[string]string{"value": d[1], "name": d[0]})
	}
	b, _ := json.Marshal(out) // strings and numbers always encode
	return string(b)
}

func (m CWAlarmMessage) withDefaults() CWAlarmMessage {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&m.AccountID, "123456789012")
	def(&m.Region, "US East (N. Virginia)")
	def(&m.ARN, "arn:aws:cloudwatch:us-east-1:"+m.AccountID+":alarm:"+m.Name)
	def(&m.ComparisonOperator, "GreaterThanThreshold")
	def(&m.TreatMissingData, "missing")
	if m.Period == 0 {
		m.Period = 60
	}
	if m.EvaluationPeriods == 0 {
		m.EvaluationPeriods = 1
	}
	def(&m.Reason, m.reason())
	return m
}

// cwComparisonWords are how a state reason says each comparison.
var cwComparisonWords = map[string]string{
	"GreaterThanOrEqualToThreshold": "greater than or equal to",
	"GreaterThanThreshold":          "greater than",
	"LessThanThreshold":             "less than",
	"LessThanOrEqualToThreshold":    "less than or equal to",
}

// reason is CloudWatch's sentence for one datapoint, a minute before the
// change, that crossed the threshold (ALARM) or did not.
func (m CWAlarmMessage) reason() string {
	words := CWComparisonWords(m.ComparisonOperator)
	if m.State != CWStateAlarm {
		words = "not " + words
	}
	return fmt.Sprintf("Threshold Crossed: 1 out of the last 1 datapoints [%s (%s)] was %s the threshold (%s).",
		CWNumber(m.Value), m.ChangedAt.Add(-time.Minute).UTC().Format(cwDatapointTime), words, CWNumber(m.Threshold))
}

// CWComparisonWords is how a state reason says a ComparisonOperator:
// "greater than" for GreaterThanThreshold.
func CWComparisonWords(op string) string { return cwComparisonWords[op] }

// CWNumber writes a number as a CloudWatch state reason does: 12.0, 0.28.
func CWNumber(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// CWReasonTime writes a datapoint's time as a state reason does.
func CWReasonTime(t time.Time) string { return t.UTC().Format(cwDatapointTime) }

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
