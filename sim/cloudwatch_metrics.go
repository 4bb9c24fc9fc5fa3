package sim

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
)

// This file answers GetMetricData and PutMetricData.

var cwMetricIDPattern = regexp.MustCompile(`^[a-z][a-zA-Z0-9_]*$`)

// cwCheckIDs validates query Ids the way CloudWatch does: every bad Id is
// reported, one per line, as a ValidationError.
func cwCheckIDs(queries cbor.List) *cwError {
	var msgs []string
	seen := map[string]bool{}
	for i, q := range queries {
		id := cwStr(cwMapOf(q), "Id")
		if !cwMetricIDPattern.MatchString(id) {
			msgs = append(msgs, fmt.Sprintf("The value %s for parameter MetricDataQueries.member.%d.Id is not matching the expected pattern ^[a-z][a-zA-Z0-9_]*$.", id, i+1))
		}
		if seen[id] {
			msgs = append(msgs, "The values for parameter id in MetricDataQueries are not unique.")
		}
		seen[id] = true
	}
	if len(msgs) > 0 {
		return cwValidation("%s", strings.Join(msgs, "\n"))
	}
	return nil
}

func (cw *CloudWatch) getMetricData(in cbor.Map, now time.Time) (cbor.Map, *cwError) {
	queries := cwList(in, "MetricDataQueries")
	if len(queries) == 0 || len(queries) > 500 {
		return nil, cwValidation("1 validation error detected: Value at 'metricDataQueries' failed to satisfy constraint: Member must have length between 1 and 500")
	}
	start, okStart := cwTime(in, "StartTime")
	end, okEnd := cwTime(in, "EndTime")
	switch {
	case !okStart:
		return nil, cwMissing("StartTime")
	case !okEnd:
		return nil, cwMissing("EndTime")
	case !start.Before(end):
		return nil, cwValidation("The parameter StartTime must be less than the parameter EndTime.")
	}
	scan := cwStr(in, "ScanBy")
	if scan != "" && scan != "TimestampDescending" && scan != "TimestampAscending" {
		return nil, cwValidation("1 validation error detected: Value '%s' at 'scanBy' failed to satisfy constraint: Member must satisfy enum value set: [TimestampDescending, TimestampAscending]", scan)
	}
	if e := cwCheckIDs(queries); e != nil {
		return nil, e
	}
	results := cbor.List{}
	for i, q := range queries {
		qm := cwMapOf(q)
		if rd, ok := qm["ReturnData"].(cbor.Bool); ok && !bool(rd) {
			continue
		}
		r, e := cw.queryResult(qm, i+1, start, end, now, scan == "TimestampAscending")
		if e != nil {
			return nil, e
		}
		results = append(results, r)
	}
	return cbor.Map{"MetricDataResults": results, "Messages": cbor.List{}}, nil
}

func (cw *CloudWatch) queryResult(q cbor.Map, idx int, start, end, now time.Time, asc bool) (cbor.Map, *cwError) {
	id, label, expr := cwStr(q, "Id"), cwStr(q, "Label"), cwStr(q, "Expression")
	ms := cwMapOf(q["MetricStat"])
	if (ms == nil) == (expr == "") {
		return nil, cwValidation("Exactly one element of MetricStat and Expression must be specified for MetricDataQueries.member.%d.", idx)
	}
	res := cbor.Map{"Id": cbor.String(id), "StatusCode": cbor.String("Complete"),
		"Timestamps": cbor.List{}, "Values": cbor.List{}, "Messages": cbor.List{}}
	if expr != "" { // metric math is not evaluated: an empty, complete result
		res["Label"] = cbor.String(cwOr(label, id))
		return res, nil
	}
	m := cwMapOf(ms["Metric"])
	name, stat := cwStr(m, "MetricName"), cwStr(ms, "Stat")
	period, _ := cwInt(ms, "Period")
	switch {
	case name == "" || cwStr(m, "Namespace") == "":
		return nil, cwMissing(fmt.Sprintf("MetricDataQueries.member.%d.MetricStat.Metric.MetricName", idx))
	case stat == "":
		return nil, cwMissing(fmt.Sprintf("MetricDataQueries.member.%d.MetricStat.Stat", idx))
	case period < 1 || period > 1<<30 || (period%60 != 0 && !slices.Contains([]int64{1, 5, 10, 20, 30}, period)):
		return nil, cwInvalidValue("The parameter MetricDataQueries.member.%d.MetricStat.Period must be 1, 5, 10, 20, 30, or a multiple of 60.", idx)
	}
	res["Label"] = cbor.String(cwOr(label, name))
	pts := cw.seriesLocked(cwStr(m, "Namespace"), name, cwDimsIn(cwList(m, "Dimensions")), stat, int32(period), start, end, now)
	if !asc {
		slices.Reverse(pts)
	}
	ts, vs := make(cbor.List, len(pts)), make(cbor.List, len(pts))
	for i, p := range pts {
		ts[i], vs[i] = cwTimeOut(p.t), cbor.Float64(p.v)
	}
	res["Timestamps"], res["Values"] = ts, vs
	return res, nil
}

// cwOr returns s, or def when s is empty.
func cwOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (cw *CloudWatch) putMetricData(in cbor.Map, now time.Time) (cbor.Map, *cwError) {
	ns := cwStr(in, "Namespace")
	switch {
	case ns == "":
		return nil, cwMissing("Namespace")
	case strings.HasPrefix(ns, "AWS/"):
		return nil, cwInvalidValue("The value %s for parameter Namespace is invalid. Namespaces starting with AWS/ are reserved for AWS use.", ns)
	}
	data := cwList(in, "MetricData")
	switch {
	case len(data) == 0:
		return nil, cwMissing("MetricData")
	case len(data) > 1000:
		return nil, cwInvalidValue("The collection MetricData must not have a size greater than 1000.")
	}
	datums := make([]CWDatum, 0, len(data))
	for i, v := range data {
		d, e := cwDatumIn(cwMapOf(v), i+1, now)
		if e != nil {
			return nil, e
		}
		datums = append(datums, d)
	}
	cw.puts = append(cw.puts, CWPutMetricDataCall{At: now, Namespace: ns, Datums: datums})
	for _, d := range datums {
		key := cwSeriesKey(ns, d.MetricName, d.Dimensions)
		cw.series[key] = append(cw.series[key], cwDatumSamples(d)...)
	}
	return cbor.Map{}, nil
}

func cwDatumIn(m cbor.Map, idx int, now time.Time) (CWDatum, *cwError) {
	d := CWDatum{MetricName: cwStr(m, "MetricName"), Unit: cwStr(m, "Unit"), Timestamp: now.UTC()}
	if d.MetricName == "" {
		return d, cwMissing(fmt.Sprintf("MetricData.member.%d.MetricName", idx))
	}
	dl := cwList(m, "Dimensions")
	if len(dl) > 30 {
		return d, cwInvalidValue("The collection MetricData.member.%d.Dimensions must not have a size greater than 30.", idx)
	}
	d.Dimensions = cwDimsIn(dl)
	if t, ok := cwTime(m, "Timestamp"); ok {
		if t.Before(now.Add(-14*24*time.Hour)) || t.After(now.Add(2*time.Hour)) {
			return d, cwInvalidValue("The parameter MetricData.member.%d.Timestamp must specify a time no more than two weeks in the past and no more than two hours in the future.", idx)
		}
		d.Timestamp = t
	}
	return d, cwDatumValues(&d, m, idx)
}

func cwDatumValues(d *CWDatum, m cbor.Map, idx int) *cwError {
	v, hasValue := cwFloat(m["Value"])
	d.Value = v
	for _, x := range cwList(m, "Values") {
		f, _ := cwFloat(x)
		d.Values = append(d.Values, f)
	}
	for _, x := range cwList(m, "Counts") {
		f, _ := cwFloat(x)
		d.Counts = append(d.Counts, f)
	}
	switch {
	case hasValue && len(d.Values) > 0:
		return cwCombination("The parameters MetricData.member.%d.Value and MetricData.member.%d.Values are mutually exclusive and you have specified both.", idx, idx)
	case len(d.Values) > 150:
		return cwInvalidValue("The collection MetricData.member.%d.Values must not have a size greater than 150.", idx)
	case len(d.Counts) > 0 && len(d.Counts) != len(d.Values):
		return cwCombination("The parameters MetricData.member.%d.Values and MetricData.member.%d.Counts must be of the same size.", idx, idx)
	case !cwValidValue(v):
		return cwInvalidValue("The value %v for parameter MetricData.member.%d.Value is invalid.", v, idx)
	}
	for i, x := range d.Values {
		if !cwValidValue(x) {
			return cwInvalidValue("The value %v for parameter MetricData.member.%d.Values.member.%d is invalid.", x, idx, i+1)
		}
	}
	return nil
}

// cwValidValue rejects NaN, ±Inf and magnitudes beyond CloudWatch's 2^360.
func cwValidValue(v float64) bool {
	return !math.IsNaN(v) && math.Abs(v) <= math.Pow(2, 360)
}

func cwDatumSamples(d CWDatum) []cwSample {
	if len(d.Values) == 0 {
		return []cwSample{{t: d.Timestamp, v: d.Value, n: 1}}
	}
	out := make([]cwSample, len(d.Values))
	for i, v := range d.Values {
		n := 1.0
		if i < len(d.Counts) {
			n = d.Counts[i]
		}
		out[i] = cwSample{t: d.Timestamp, v: v, n: n}
	}
	return out
}
