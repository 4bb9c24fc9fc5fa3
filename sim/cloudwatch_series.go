package sim

import (
	"hash/fnv"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// This file holds metric series: raw samples put by tests or PutMetricData,
// aggregation per period and statistic, and the synthesised series returned
// for metrics nobody put.

type cwSample struct {
	t time.Time
	v float64
	n float64 // sample count the value stands for (PutMetricData Counts)
}

// cwBucket is one aggregated datapoint: period start, statistic, sample count.
type cwBucket struct {
	t time.Time
	v float64
	n float64
}

const cwMaxPoints = 100800 // GetMetricData's per-query datapoint limit

func cwSeriesKey(namespace, metric string, dims map[string]string) string {
	var b strings.Builder
	b.WriteString(namespace + "\x00" + metric)
	for _, k := range slices.Sorted(maps.Keys(dims)) {
		b.WriteString("\x00" + k + "=" + dims[k])
	}
	return b.String()
}

// cwAlign rounds t down to a multiple of period seconds since the epoch.
func cwAlign(t time.Time, period int32) time.Time {
	p := int64(max(period, 1))
	s := t.Unix()
	return time.Unix(s-((s%p)+p)%p, 0).UTC()
}

func cwAlarmPeriod(r *cwAlarmRec) int32 {
	if r.Period > 0 {
		return r.Period
	}
	return 300
}

func cwRound3(v float64) float64 { return math.Round(v*1000) / 1000 }

// seriesLocked returns the datapoints of one metric in [start, end), oldest
// first, aligned to period. Callers hold cw.mu.
func (cw *CloudWatch) seriesLocked(ns, metric string, dims map[string]string, stat string, period int32, start, end, now time.Time) []cwBucket {
	if samples := cw.series[cwSeriesKey(ns, metric, dims)]; len(samples) > 0 {
		return cwAggregate(samples, stat, period, start, end)
	}
	return cw.synthLocked(ns, metric, dims, stat, period, start, end, now)
}

func cwAggregate(samples []cwSample, stat string, period int32, start, end time.Time) []cwBucket {
	first := cwAlign(start, period)
	groups := map[int64][]cwSample{}
	for _, s := range samples {
		b := cwAlign(s.t, period)
		if b.Before(first) || !s.t.Before(end) {
			continue
		}
		groups[b.Unix()] = append(groups[b.Unix()], s)
	}
	var out []cwBucket
	for _, k := range slices.Sorted(maps.Keys(groups)) {
		g := groups[k]
		n := 0.0
		for _, s := range g {
			n += s.n
		}
		out = append(out, cwBucket{t: time.Unix(k, 0).UTC(), v: cwStat(stat, g), n: n})
	}
	return out
}

// cwStat applies a CloudWatch statistic; unknown names mean Average.
func cwStat(stat string, g []cwSample) float64 {
	sum, n := 0.0, 0.0
	lo, hi := math.Inf(1), math.Inf(-1)
	vals := make([]float64, 0, len(g))
	for _, s := range g {
		sum += s.v * s.n
		n += s.n
		lo, hi = min(lo, s.v), max(hi, s.v)
		vals = append(vals, s.v)
	}
	switch stat {
	case "Sum":
		return sum
	case "Minimum":
		return lo
	case "Maximum":
		return hi
	case "SampleCount":
		return n
	}
	if p, err := strconv.ParseFloat(strings.TrimPrefix(stat, "p"), 64); err == nil && strings.HasPrefix(stat, "p") {
		slices.Sort(vals)
		i := int(math.Ceil(p/100*float64(len(vals)))) - 1
		return vals[min(max(i, 0), len(vals)-1)]
	}
	if n == 0 {
		return 0
	}
	return sum / n
}

// cwSynth describes a synthesised series: a baseline with a gentle wave, a
// little deterministic noise, and one gaussian bump (or dip).
type cwSynth struct {
	seed   uint64
	base   float64
	peak   float64 // bump height; negative for a dip
	center time.Time
	width  time.Duration
}

func (s cwSynth) at(t time.Time) float64 {
	sec := float64(t.Unix())
	wave := s.base * 0.06 * math.Sin(2*math.Pi*sec/5400+float64(s.seed%628)/100)
	noise := s.base * 0.03 * (2*cwUnit(s.seed^uint64(t.Unix())) - 1)
	x := t.Sub(s.center).Seconds() / s.width.Seconds()
	return math.Max(0, s.base+wave+noise+s.peak*math.Exp(-x*x/2))
}

// cwUnit maps x to [0,1) with splitmix64.
func cwUnit(x uint64) float64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return float64((x^(x>>31))>>11) / (1 << 53)
}

// synthShape picks the series for a metric. When an alarm watches the metric
// the baseline sits below its threshold and the bump crosses it where the
// alarm last went to ALARM, so graphs and StateReasonData agree.
func (cw *CloudWatch) synthShape(ns, metric string, dims map[string]string, now time.Time) cwSynth {
	h := fnv.New64a()
	h.Write([]byte(cwSeriesKey(ns, metric, dims)))
	s := cwSynth{seed: h.Sum64(), center: now.Add(-45 * time.Minute), width: 10 * time.Minute}
	s.base = 20 + float64(s.seed%40)
	s.peak = s.base * 0.6
	a := cw.alarmFor(ns, metric, dims)
	if a == nil || a.Threshold <= 0 {
		return s
	}
	period := cwAlarmPeriod(a)
	win := time.Duration(period) * time.Duration(max(a.EvaluationPeriods, 1)) * time.Second
	s.width = max(10*time.Minute, win)
	dip := strings.HasPrefix(a.ComparisonOperator, "LessThan")
	s.base, s.peak = a.Threshold*0.6, a.Threshold*0.25
	if dip {
		s.base, s.peak = a.Threshold*1.6, -a.Threshold*0.25
	}
	if t, ok := cw.lastBreach(a); ok {
		s.center = cwAlign(t, period).Add(-win/2 - time.Duration(period)*time.Second/2)
		s.peak = a.Threshold * 0.9
		if dip {
			s.peak = -a.Threshold * 1.4
		}
	}
	return s
}

func (cw *CloudWatch) synthLocked(ns, metric string, dims map[string]string, stat string, period int32, start, end, now time.Time) []cwBucket {
	s := cw.synthShape(ns, metric, dims, now)
	n := float64(max(period/60, 1))
	step := time.Duration(max(period, 1)) * time.Second
	var out []cwBucket
	for t := cwAlign(start, period); t.Before(end) && !t.After(now) && len(out) < cwMaxPoints; t = t.Add(step) {
		v := s.at(t)
		if stat == "SampleCount" {
			v = n
		}
		out = append(out, cwBucket{t: t, v: v, n: n})
	}
	return out
}

// alarmFor finds the metric alarm watching a metric: exact dimensions first,
// then any alarm on the same namespace and name.
func (cw *CloudWatch) alarmFor(ns, metric string, dims map[string]string) *cwAlarmRec {
	var loose *cwAlarmRec
	for _, name := range slices.Sorted(maps.Keys(cw.alarms)) {
		a := cw.alarms[name]
		if a.Composite || a.Namespace != ns || a.MetricName != metric {
			continue
		}
		if maps.Equal(a.Dimensions, dims) {
			return a
		}
		if loose == nil {
			loose = a
		}
	}
	return loose
}

// lastBreach is when the alarm last went to ALARM.
func (cw *CloudWatch) lastBreach(a *cwAlarmRec) (time.Time, bool) {
	if a.State == CWStateAlarm {
		return a.StateTransitioned, true
	}
	for _, h := range slices.Backward(cw.history) {
		if h.alarm == a.Name && h.kind == "StateUpdate" && h.to == CWStateAlarm {
			return h.at, true
		}
	}
	return time.Time{}, false
}
