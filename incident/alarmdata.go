package incident

import (
	"encoding/json"
	"strconv"
)

// AlarmData encodes an alarm state change as the Data of an EventOpened or
// EventAlarm, so the timeline alone can rebuild it (AlarmFromData).
func AlarmData(a Alarm) map[string]string {
	d := map[string]string{
		"alarm_name": a.Name, "alarm_arn": a.ARN, "state": string(a.State),
		"old_state": string(a.OldState), "changed_at": FormatTime(a.ChangedAt),
		"reason": a.Reason, "found_by": a.FoundBy, "message_id": a.MessageID,
		"namespace": a.Metric.Namespace, "metric": a.Metric.Name, "stat": a.Metric.Stat,
		"comparison": a.Comparison, "kind": string(a.Kind),
	}
	if a.Threshold != nil {
		d["threshold"] = strconv.FormatFloat(*a.Threshold, 'g', -1, 64)
	}
	if a.Period > 0 {
		d["period"] = strconv.Itoa(a.Period)
	}
	if dims := a.Metric.Dimensions; len(dims) > 0 {
		b, _ := json.Marshal(dims) // names and values are strings: cannot fail
		d["dimensions"] = string(b)
	}
	if len(a.Metrics) > 0 { // metric-math and anomaly legs, for graphs
		b, _ := json.Marshal(a.Metrics)
		d["metrics"] = string(b)
	}
	for k, v := range d {
		if v == "" {
			delete(d, k)
		}
	}
	return d
}

// AlarmFromData rebuilds the alarm an EventOpened or EventAlarm recorded;
// ok is false for other events.
func AlarmFromData(e Event) (a Alarm, ok bool) {
	d := e.Data
	if d["alarm_arn"] == "" || (e.Type != EventOpened && e.Type != EventAlarm) {
		return Alarm{}, false
	}
	a = Alarm{Name: d["alarm_name"], ARN: d["alarm_arn"], State: State(d["state"]), OldState: State(d["old_state"]),
		Reason: d["reason"], FoundBy: d["found_by"], MessageID: d["message_id"],
		ChangedAt: parseTime(d["changed_at"], e.At), Kind: AlarmKind(d["kind"]), Comparison: d["comparison"],
		Metric: Metric{Namespace: d["namespace"], Name: d["metric"], Stat: d["stat"]}}
	if t, err := strconv.ParseFloat(d["threshold"], 64); err == nil {
		a.Threshold = &t
	}
	a.Period, _ = strconv.Atoi(d["period"])
	if dims := d["dimensions"]; dims != "" {
		json.Unmarshal([]byte(dims), &a.Metric.Dimensions)
	}
	if ms := d["metrics"]; ms != "" {
		json.Unmarshal([]byte(ms), &a.Metrics)
	}
	return a, true
}

// LastAlarm returns the newest alarm recorded on a timeline.
func LastAlarm(events []Event) (Alarm, bool) {
	for i := len(events) - 1; i >= 0; i-- {
		if a, ok := AlarmFromData(events[i]); ok {
			return a, true
		}
	}
	return Alarm{}, false
}
