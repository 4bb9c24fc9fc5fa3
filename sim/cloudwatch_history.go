package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
)

// This file keeps alarm history: state changes made with SetAlarmState, the
// StateReasonData they carry, and DescribeAlarmHistory.

// cwReasonTime is the timestamp layout inside StateReasonData ("+0000").
const cwReasonTime = "2006-01-02T15:04:05.000-0700"

type cwHistoryItem struct {
	alarm     string
	composite bool
	at        time.Time
	kind      string // ConfigurationUpdate, StateUpdate, Action
	to        string // new state of a StateUpdate
	summary   string
	data      string // JSON
}

// cwJSONFloat marshals like CloudWatch does: always with a decimal point.
type cwJSONFloat float64

func (f cwJSONFloat) MarshalJSON() ([]byte, error) {
	s := strconv.FormatFloat(float64(f), 'f', -1, 64)
	if !strings.ContainsAny(s, ".eE") {
		s += ".0"
	}
	return []byte(s), nil
}

type cwReasonPoint struct {
	Timestamp   string      `json:"timestamp"`
	SampleCount cwJSONFloat `json:"sampleCount"`
	Value       cwJSONFloat `json:"value"`
}

type cwReasonData struct {
	Version             string          `json:"version"`
	QueryDate           string          `json:"queryDate"`
	StartDate           string          `json:"startDate"`
	Statistic           string          `json:"statistic"`
	Period              int32           `json:"period"`
	RecentDatapoints    []cwJSONFloat   `json:"recentDatapoints"`
	Threshold           cwJSONFloat     `json:"threshold"`
	EvaluatedDatapoints []cwReasonPoint `json:"evaluatedDatapoints"`
}

type cwStateJSON struct {
	StateValue      string          `json:"stateValue"`
	StateReason     string          `json:"stateReason"`
	StateReasonData json.RawMessage `json:"stateReasonData,omitempty"`
}

type cwStateHistoryJSON struct {
	Version  string      `json:"version"`
	OldState cwStateJSON `json:"oldState"`
	NewState cwStateJSON `json:"newState"`
}

// cwJSON marshals without HTML escaping, so "->" stays readable.
func cwJSON(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // only plain structs are passed
	return strings.TrimSuffix(b.String(), "\n")
}

func cwConfigHistoryData(verb string) string {
	typ := "Create"
	if verb == "updated" {
		typ = "Update"
	}
	return cwJSON(map[string]string{"version": "1.0", "type": typ})
}

func (cw *CloudWatch) setStateLocked(r *cwAlarmRec, state, reason string, at time.Time) {
	old := cwStateJSON{StateValue: r.State, StateReason: r.StateReason}
	if r.StateReasonData != "" {
		old.StateReasonData = json.RawMessage(r.StateReasonData)
	}
	changed := r.State != state
	r.State, r.stateUpdated = state, at
	if changed {
		r.StateTransitioned = at
	}
	var vals []cwBucket
	if !r.Composite {
		// After the state is set, so a synthesised series shows this breach.
		var data cwReasonData
		data, vals = cw.reasonData(r, at)
		r.StateReasonData = cwJSON(data)
	}
	if reason == "" {
		reason = cwDefaultReason(r, vals)
	}
	r.StateReason = reason
	if !changed {
		return
	}
	next := cwStateJSON{StateValue: state, StateReason: reason}
	if r.StateReasonData != "" {
		next.StateReasonData = json.RawMessage(r.StateReasonData)
	}
	cw.history = append(cw.history, cwHistoryItem{
		alarm: r.Name, composite: r.Composite, at: at, kind: "StateUpdate", to: state,
		summary: fmt.Sprintf("Alarm updated from %s to %s", old.StateValue, state),
		data:    cwJSON(cwStateHistoryJSON{Version: "1.0", OldState: old, NewState: next}),
	})
}

// reasonData evaluates the alarm's metric over its evaluation periods before at.
func (cw *CloudWatch) reasonData(r *cwAlarmRec, at time.Time) (cwReasonData, []cwBucket) {
	period := cwAlarmPeriod(r)
	evals := max(r.EvaluationPeriods, 1)
	end := cwAlign(at, period)
	start := end.Add(-time.Duration(evals) * time.Duration(period) * time.Second)
	vals := cw.seriesLocked(r.Namespace, r.MetricName, r.Dimensions, r.Statistic, period, start, end, at)
	d := cwReasonData{
		Version: "1.0", QueryDate: at.UTC().Format(cwReasonTime), StartDate: start.UTC().Format(cwReasonTime),
		Statistic: r.Statistic, Period: period, Threshold: cwJSONFloat(r.Threshold),
		RecentDatapoints: []cwJSONFloat{}, EvaluatedDatapoints: []cwReasonPoint{},
	}
	for i, b := range vals {
		d.RecentDatapoints = append(d.RecentDatapoints, cwJSONFloat(cwRound3(b.v)))
		p := vals[len(vals)-1-i] // evaluated datapoints are listed newest first
		d.EvaluatedDatapoints = append(d.EvaluatedDatapoints, cwReasonPoint{
			Timestamp: p.t.UTC().Format(cwReasonTime), SampleCount: cwJSONFloat(p.n), Value: cwJSONFloat(cwRound3(p.v)),
		})
	}
	return d, vals
}

func cwDefaultReason(r *cwAlarmRec, vals []cwBucket) string {
	if r.Composite {
		return "Alarm rule evaluated to " + r.State
	}
	if r.State == CWStateInsufficientData || len(vals) == 0 {
		return "Insufficient Data: no datapoints were received for the evaluation period."
	}
	op := map[string]string{
		"GreaterThanOrEqualToThreshold": "greater than or equal to",
		"LessThanThreshold":             "less than",
		"LessThanOrEqualToThreshold":    "less than or equal to",
	}[r.ComparisonOperator]
	if op == "" {
		op = "greater than"
	}
	if r.State == CWStateOK {
		op = "not " + op
	}
	recent := make([]string, len(vals))
	for i, b := range vals {
		recent[i] = strconv.FormatFloat(cwRound3(b.v), 'f', -1, 64)
	}
	th, _ := cwJSONFloat(r.Threshold).MarshalJSON()
	were := "datapoints were"
	if len(vals) == 1 {
		were = "datapoint was"
	}
	return fmt.Sprintf("Threshold Crossed: %d %s %s the threshold (%s). The most recent datapoints: [%s].",
		len(vals), were, op, th, strings.Join(recent, ", "))
}

func (cw *CloudWatch) describeAlarmHistory(in cbor.Map) (cbor.Map, *cwError) {
	items, e := cw.matchHistory(in)
	if e != nil {
		return nil, e
	}
	from, to, next, e := cwPage(in, len(items), 100, 100)
	if e != nil {
		return nil, e
	}
	list := cbor.List{}
	for _, h := range items[from:to] {
		typ := "MetricAlarm"
		if h.composite {
			typ = "CompositeAlarm"
		}
		list = append(list, cbor.Map{
			"AlarmName": cbor.String(h.alarm), "AlarmType": cbor.String(typ),
			"Timestamp": cwTimeOut(h.at), "HistoryItemType": cbor.String(h.kind),
			"HistorySummary": cbor.String(h.summary), "HistoryData": cbor.String(h.data),
		})
	}
	out := cbor.Map{"AlarmHistoryItems": list}
	if next != "" {
		out["NextToken"] = cbor.String(next)
	}
	return out, nil
}

func (cw *CloudWatch) matchHistory(in cbor.Map) ([]cwHistoryItem, *cwError) {
	name, kind, scan := cwStr(in, "AlarmName"), cwStr(in, "HistoryItemType"), cwStr(in, "ScanBy")
	if kind != "" && !slices.Contains([]string{"ConfigurationUpdate", "StateUpdate", "Action", "AlarmContributorStateUpdate", "AlarmContributorAction"}, kind) {
		return nil, cwValidation("1 validation error detected: Value '%s' at 'historyItemType' failed to satisfy constraint: Member must satisfy enum value set: [ConfigurationUpdate, StateUpdate, Action, AlarmContributorStateUpdate, AlarmContributorAction]", kind)
	}
	if scan != "" && scan != "TimestampDescending" && scan != "TimestampAscending" {
		return nil, cwValidation("1 validation error detected: Value '%s' at 'scanBy' failed to satisfy constraint: Member must satisfy enum value set: [TimestampDescending, TimestampAscending]", scan)
	}
	metric, composite, e := cwAlarmTypes(in)
	if e != nil {
		return nil, e
	}
	start, hasStart := cwTime(in, "StartDate")
	end, hasEnd := cwTime(in, "EndDate")
	var out []cwHistoryItem
	for _, h := range cw.history {
		switch {
		case name != "" && h.alarm != name, kind != "" && h.kind != kind,
			h.composite && !composite, !h.composite && !metric,
			hasStart && h.at.Before(start), hasEnd && h.at.After(end):
			continue
		}
		out = append(out, h)
	}
	slices.SortStableFunc(out, func(a, b cwHistoryItem) int { return a.at.Compare(b.at) })
	if scan != "TimestampAscending" {
		slices.Reverse(out)
	}
	return out, nil
}
