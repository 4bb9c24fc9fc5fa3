package web

import (
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/report"
)

// chart is a horizontal bar chart. The geometry is computed here and the
// metrics template draws it as inline SVG, so html/template escapes every
// label and the page needs no script and no image request. Horizontal bars
// keep their labels readable on a phone.
type chart struct {
	Title  string
	Width  int
	Height int
	LabelX int // right edge of the labels
	BarX   int // left edge of the bars
	BarH   int
	Bars   []bar
	Empty  bool // nothing was measured: every bar is zero
}

// bar is one bar: its label on the left, its value text after it.
type bar struct {
	Label string
	Text  string
	Y     int // top of the bar
	TextY int // baseline of both texts
	W     int
	TextX int
	Fill  string
}

// datum is one value to chart.
type datum struct {
	Label string
	Text  string
	Value float64
	Fill  string
}

// The chart's geometry, in SVG user units (the SVG scales to the page).
const (
	chartWidth = 420
	labelWidth = 80
	valueWidth = 64
	barHeight  = 18
	barGap     = 6
	chartPad   = 4
)

// barChart scales the bars so the largest value spans the plot area. A
// value above zero gets at least one unit, so it never looks missing.
func barChart(title string, data []datum) chart {
	c := chart{Title: title, Width: chartWidth, LabelX: labelWidth - 8, BarX: labelWidth, BarH: barHeight, Empty: true}
	var top float64
	for _, d := range data {
		top = max(top, d.Value)
	}
	area := float64(chartWidth - labelWidth - valueWidth)
	y := chartPad
	for _, d := range data {
		w := 0
		if top > 0 && d.Value > 0 {
			w = max(1, int(d.Value/top*area))
			c.Empty = false
		}
		c.Bars = append(c.Bars, bar{
			Label: d.Label, Text: d.Text, Y: y, TextY: y + barHeight - 4,
			W: w, TextX: labelWidth + w + 6, Fill: d.Fill,
		})
		y += barHeight + barGap
	}
	c.Height = y - barGap + chartPad
	return c
}

// metricChart compares the median and the 90th percentile of each metric.
func metricChart(overall map[string]report.Stat) chart {
	var data []datum
	for _, m := range incident.MetricNames() {
		st := overall[m]
		data = append(data, percentile(m+" p50", st, st.P50, "#5b9bd5"), percentile(m+" p90", st, st.P90, "#1f4e79"))
	}
	return barChart("Median (p50) and p90 per metric", data)
}

// percentile is one bar of metricChart; a metric no incident had is
// "missing", with no bar, never a zero.
func percentile(label string, st report.Stat, d time.Duration, fill string) datum {
	if st.Count == 0 {
		return datum{Label: label, Text: "missing", Fill: fill}
	}
	return datum{Label: label, Text: duration(d), Value: d.Seconds(), Fill: fill}
}

// severityFills colour the severities like the badges on the other pages.
var severityFills = map[string]string{"SEV1": "#b91c1c", "SEV2": "#c2410c", "SEV3": "#a16207", "SEV4": "#4b5563", "SEV?": "#6b7280"}

// severityChart counts the incidents of each severity.
func severityChart(bySeverity map[string]map[string]report.Stat) chart {
	var data []datum
	for _, k := range slices.SortedFunc(maps.Keys(bySeverity), severityFirst) {
		n := groupSize(bySeverity[k])
		data = append(data, datum{Label: k, Text: strconv.Itoa(n), Value: float64(n), Fill: severityFills[k]})
	}
	return barChart("Incidents by severity", data)
}
