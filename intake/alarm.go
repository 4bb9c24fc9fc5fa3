package intake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
)

// ErrNotAlarm: an SNS message that is not a CloudWatch alarm state change
// (an EventBridge event, a message someone published by hand). The caller
// records it as a notice instead.
var ErrNotAlarm = errors.New("not a CloudWatch alarm notification")

// StateChangeLayout is how CloudWatch writes StateChangeTime: not RFC 3339,
// the offset has no colon.
const StateChangeLayout = "2006-01-02T15:04:05.000-0700"

// cwAlarm is the CloudWatch alarm notification (the SNS Message, decoded
// a second time). Trigger and TriggeringChildren are decoded on their own,
// so that an odd shape there does not lose the rest.
type cwAlarm struct {
	AlarmName          *string           `json:"AlarmName"`
	AlarmDescription   *string           `json:"AlarmDescription"`
	AWSAccountID       string            `json:"AWSAccountId"`
	NewStateValue      *string           `json:"NewStateValue"`
	NewStateReason     string            `json:"NewStateReason"`
	StateChangeTime    string            `json:"StateChangeTime"`
	AlarmArn           string            `json:"AlarmArn"`
	OldStateValue      string            `json:"OldStateValue"`
	AlarmType          string            `json:"AlarmType"`
	Trigger            json.RawMessage   `json:"Trigger"`
	AlarmRule          *string           `json:"AlarmRule"`
	TriggeringChildren []json.RawMessage `json:"TriggeringChildren"`
	LogGroups          json.RawMessage   `json:"LogGroups"`
	QueryString        *string           `json:"QueryString"`
}

// ParseAlarm parses a CloudWatch alarm notification (the SNS Message) of
// any kind: metric, metric math, anomaly band, composite, log; a shape it
// does not know gives Kind unknown. A message that is not an alarm at all
// gives ErrNotAlarm; an alarm with an impossible state or time gives an
// error wrapping incident.ErrInvalid.
func ParseAlarm(message string) (incident.Alarm, error) {
	raw := bytes.TrimSpace([]byte(message))
	if len(raw) == 0 || raw[0] != '{' {
		return incident.Alarm{}, ErrNotAlarm
	}
	var m cwAlarm
	if err := json.Unmarshal(raw, &m); err != nil {
		return incident.Alarm{}, fmt.Errorf("%w: %v", ErrNotAlarm, err)
	}
	if m.AlarmName == nil || *m.AlarmName == "" || m.NewStateValue == nil {
		return incident.Alarm{}, ErrNotAlarm
	}
	a, err := m.header()
	if err != nil {
		return incident.Alarm{}, err
	}
	m.body(&a)
	return a, nil
}

// header fills what every kind of alarm has.
func (m *cwAlarm) header() (incident.Alarm, error) {
	a := incident.Alarm{
		Name:      *m.AlarmName,
		ARN:       m.AlarmArn,
		AccountID: m.AWSAccountID,
		Reason:    m.NewStateReason,
		Kind:      incident.KindUnknownFmt,
	}
	if m.AlarmDescription != nil {
		a.Description = *m.AlarmDescription
	}
	region, account := splitAlarmARN(m.AlarmArn)
	a.Region = region
	if a.AccountID == "" {
		a.AccountID = account
	}
	var err error
	if a.State, err = incident.ParseState(*m.NewStateValue); err != nil {
		return a, fmt.Errorf("alarm %q NewStateValue: %w", a.Name, err)
	}
	if m.OldStateValue != "" {
		if a.OldState, err = incident.ParseState(m.OldStateValue); err != nil {
			return a, fmt.Errorf("alarm %q OldStateValue: %w", a.Name, err)
		}
	}
	if a.ChangedAt, err = parseStateChangeTime(m.StateChangeTime); err != nil {
		return a, fmt.Errorf("alarm %q: %w", a.Name, err)
	}
	return a, nil
}

// body fills what depends on the kind of alarm.
func (m *cwAlarm) body(a *incident.Alarm) {
	switch {
	case m.AlarmRule != nil || m.TriggeringChildren != nil:
		a.Kind = incident.KindComposite
		if m.AlarmRule != nil {
			a.Rule = *m.AlarmRule
		}
		a.Children = childARNs(m.TriggeringChildren)
	case len(m.Trigger) > 0 && string(m.Trigger) != "null":
		applyTrigger(a, m.Trigger)
	case m.AlarmType == "LogAlarm" || m.LogGroups != nil || m.QueryString != nil:
		a.Kind = incident.KindLog
	}
}

// parseStateChangeTime reads CloudWatch's layout, or RFC 3339 should it
// ever change to that.
func parseStateChangeTime(s string) (time.Time, error) {
	if t, err := time.Parse(StateChangeLayout, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%w: StateChangeTime %q is not like %s", incident.ErrInvalid, s, StateChangeLayout)
}

// splitAlarmARN returns the region code and account of
// arn:aws:cloudwatch:<region>:<account>:alarm:<name>. Names may contain
// ':', so the ARN is split into at most 7 parts.
func splitAlarmARN(arn string) (region, account string) {
	parts := strings.SplitN(arn, ":", 7)
	if len(parts) != 7 || parts[0] != "arn" || parts[5] != "alarm" {
		return "", ""
	}
	return parts[3], parts[4]
}

// alarmNameFromARN returns the name part of an alarm ARN, or "".
func alarmNameFromARN(arn string) string {
	parts := strings.SplitN(arn, ":", 7)
	if len(parts) != 7 || parts[0] != "arn" || parts[5] != "alarm" {
		return ""
	}
	return parts[6]
}

// childARNs reads TriggeringChildren, documented as strings and sent as
// objects {Arn, State{Value, Timestamp}}; anything else is skipped.
func childARNs(children []json.RawMessage) []string {
	var out []string
	for _, raw := range children {
		var s string
		if json.Unmarshal(raw, &s) == nil && s != "" {
			out = append(out, s)
			continue
		}
		var obj struct {
			Arn string `json:"Arn"`
		}
		if json.Unmarshal(raw, &obj) == nil && obj.Arn != "" {
			out = append(out, obj.Arn)
		}
	}
	return out
}
