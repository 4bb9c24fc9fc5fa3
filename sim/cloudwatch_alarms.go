package sim

import (
	"maps"
	"slices"
	"strings"

	"github.com/aws/smithy-go/encoding/cbor"
)

// This file answers DescribeAlarms and ListTagsForResource.

func cwValidState(s string) bool {
	return s == CWStateOK || s == CWStateAlarm || s == CWStateInsufficientData
}

// cwAlarmTypes reads AlarmTypes. Like AWS, an absent list means metric
// alarms only.
func cwAlarmTypes(in cbor.Map) (metric, composite bool, e *cwError) {
	types := cwStrs(in, "AlarmTypes")
	if len(types) == 0 {
		return true, false, nil
	}
	for _, t := range types {
		switch t {
		case "MetricAlarm":
			metric = true
		case "CompositeAlarm":
			composite = true
		case "LogAlarm": // accepted; the stand-in holds none
		default:
			return false, false, cwValidation("1 validation error detected: Value '[%s]' at 'alarmTypes' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [CompositeAlarm, MetricAlarm, LogAlarm]]", t)
		}
	}
	return metric, composite, nil
}

// cwMatchAlarms returns the alarms passing the DescribeAlarms filters, by name.
func (cw *CloudWatch) cwMatchAlarms(in cbor.Map) ([]*cwAlarmRec, *cwError) {
	names := cwStrs(in, "AlarmNames")
	prefix := cwStr(in, "AlarmNamePrefix")
	if len(names) > 0 && prefix != "" {
		return nil, cwCombination("AlarmNames and AlarmNamePrefix cannot be specified together.")
	}
	state := cwStr(in, "StateValue")
	if state != "" && !cwValidState(state) {
		return nil, cwValidation("1 validation error detected: Value '%s' at 'stateValue' failed to satisfy constraint: Member must satisfy enum value set: [INSUFFICIENT_DATA, ALARM, OK]", state)
	}
	metric, composite, e := cwAlarmTypes(in)
	if e != nil {
		return nil, e
	}
	var out []*cwAlarmRec
	for _, name := range slices.Sorted(maps.Keys(cw.alarms)) {
		r := cw.alarms[name]
		switch {
		case len(names) > 0 && !slices.Contains(names, name),
			!strings.HasPrefix(name, prefix),
			state != "" && r.State != state,
			r.Composite && !composite,
			!r.Composite && !metric:
			continue
		}
		out = append(out, r)
	}
	return out, nil
}

func (cw *CloudWatch) describeAlarms(in cbor.Map) (cbor.Map, *cwError) {
	matched, e := cw.cwMatchAlarms(in)
	if e != nil {
		return nil, e
	}
	from, to, next, e := cwPage(in, len(matched), 50, 100)
	if e != nil {
		return nil, e
	}
	metric, composite := cbor.List{}, cbor.List{}
	for _, r := range matched[from:to] {
		if r.Composite {
			composite = append(composite, cwCompositeAlarmOut(r))
		} else {
			metric = append(metric, cwMetricAlarmOut(r))
		}
	}
	out := cbor.Map{"MetricAlarms": metric, "CompositeAlarms": composite}
	if next != "" {
		out["NextToken"] = cbor.String(next)
	}
	return out, nil
}

func cwAlarmCommonOut(r *cwAlarmRec) cbor.Map {
	m := cbor.Map{
		"AlarmName":                          cbor.String(r.Name),
		"AlarmArn":                           cbor.String(r.ARN),
		"ActionsEnabled":                     cbor.Bool(true),
		"AlarmActions":                       cwStrList(r.AlarmActions),
		"OKActions":                          cwStrList(r.OKActions),
		"InsufficientDataActions":            cbor.List{},
		"StateValue":                         cbor.String(r.State),
		"StateReason":                        cbor.String(r.StateReason),
		"StateUpdatedTimestamp":              cwTimeOut(r.stateUpdated),
		"StateTransitionedTimestamp":         cwTimeOut(r.StateTransitioned),
		"AlarmConfigurationUpdatedTimestamp": cwTimeOut(r.configured),
	}
	if r.Description != "" {
		m["AlarmDescription"] = cbor.String(r.Description)
	}
	if r.StateReasonData != "" {
		m["StateReasonData"] = cbor.String(r.StateReasonData)
	}
	return m
}

func cwMetricAlarmOut(r *cwAlarmRec) cbor.Map {
	m := cwAlarmCommonOut(r)
	m["Namespace"] = cbor.String(r.Namespace)
	m["MetricName"] = cbor.String(r.MetricName)
	m["Statistic"] = cbor.String(r.Statistic)
	m["Dimensions"] = cwDimsOut(r.Dimensions)
	m["Threshold"] = cbor.Float64(r.Threshold)
	m["TreatMissingData"] = cbor.String("missing")
	if r.ComparisonOperator != "" {
		m["ComparisonOperator"] = cbor.String(r.ComparisonOperator)
	}
	for k, v := range map[string]int32{"Period": r.Period, "EvaluationPeriods": r.EvaluationPeriods, "DatapointsToAlarm": r.DatapointsToAlarm} {
		if v > 0 {
			m[k] = cbor.Uint(v)
		}
	}
	return m
}

func cwCompositeAlarmOut(r *cwAlarmRec) cbor.Map {
	m := cwAlarmCommonOut(r)
	m["AlarmRule"] = cbor.String(r.AlarmRule)
	return m
}

func (cw *CloudWatch) listTagsForResource(in cbor.Map) (cbor.Map, *cwError) {
	arn := cwStr(in, "ResourceARN")
	if arn == "" {
		return nil, cwMissing("ResourceARN")
	}
	tags, tagged := cw.tags[arn]
	if !tagged && !cw.cwIsAlarmARN(arn) {
		e := cwErr(404, "ResourceNotFoundException", "ResourceNotFoundException", "The specified resource "+arn+" does not exist.")
		e.extra = cbor.Map{"ResourceType": cbor.String("alarm"), "ResourceId": cbor.String(arn)}
		return nil, e
	}
	list := cbor.List{}
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		list = append(list, cbor.Map{"Key": cbor.String(k), "Value": cbor.String(tags[k])})
	}
	return cbor.Map{"Tags": list}, nil
}

func (cw *CloudWatch) cwIsAlarmARN(arn string) bool {
	for _, r := range cw.alarms {
		if r.ARN == arn {
			return true
		}
	}
	return false
}
