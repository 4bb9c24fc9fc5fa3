package web

import (
	"strconv"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/report"
)

// columns is a small column chart over the weeks of a trend, on a scale
// of its own. The geometry is computed here and the metrics template draws
// it as inline SVG, so html/template escapes every label and the page
// needs no script and no image request.
type columns struct {
	Title  string
	Width  int
	Height int
	Base   int // the baseline's y
	Cols   []column
	Empty  bool // nothing was measured in any week
}

// column is one week: its bar, the value above it, the week below.
type column struct {
	X, W, Y, H int
	Mid        int // the column's centre, where its texts are anchored
	Text       string
	TextY      int
	Label      string // the week's start; every other week's is blank
	Fill       string
}

// The geometry, in SVG user units (the SVG scales to its box).
const (
	colsWidth  = 320
	colsHeight = 150
	colsTop    = 18 // room for the tallest bar's value
	colsBase   = 124
	colsPad    = 4
)

// columnChart scales the weeks' values so the largest fills the height.
// A week without a value shows "–" and no bar, never a zero.
func columnChart(title, fill string, weeks []report.Week, value func(report.Summary) (float64, string, bool)) columns {
	c := columns{Title: title, Width: colsWidth, Height: colsHeight, Base: colsBase, Empty: true}
	var top float64
	for _, w := range weeks {
		if v, _, ok := value(w.Summary); ok {
			top = max(top, v)
		}
	}
	slot := (colsWidth - 2*colsPad) / max(len(weeks), 1)
	for i, w := range weeks {
		x := colsPad + i*slot
		col := column{X: x + slot/6, W: slot * 2 / 3, Mid: x + slot/2, Fill: fill, Text: "–", TextY: colsBase - 4}
		if i%2 == 0 {
			col.Label = w.Start.UTC().Format("2 Jan")
		}
		if v, text, ok := value(w.Summary); ok {
			col.Text, c.Empty = text, false
			if top > 0 && v > 0 {
				col.H = max(1, int(v/top*float64(colsBase-colsTop)))
			}
			col.Y, col.TextY = colsBase-col.H, colsBase-col.H-4
		}
		c.Cols = append(c.Cols, col)
	}
	return c
}

// metricFills colour each metric's chart.
var metricFills = map[string]string{incident.MTTD: "#8250df", incident.MTTA: "#c2410c", incident.MTTM: "#1d4ed8", incident.MTTR: "#15803d"}

// trendCharts are the incidents per week, then each metric's weekly
// median, each chart on its own scale (15 seconds next to 3 hours would
// hide the shorter one).
func trendCharts(weeks []report.Week) []columns {
	out := []columns{columnChart("Incidents per week", "#57606a", weeks, func(s report.Summary) (float64, string, bool) {
		return float64(s.Incidents), itoa(s.Incidents), true
	})}
	for _, m := range incident.MetricNames() {
		out = append(out, columnChart(m+" per week (median)", metricFills[m], weeks, func(s report.Summary) (float64, string, bool) {
			st := s.Overall[m]
			if st.Count == 0 {
				return 0, "", false
			}
			return st.P50.Seconds(), shortDuration(st.P50), true
		}))
	}
	return out
}

// shortDuration is duration without the smaller unit when it is zero
// (4m, not 4m00s), so a column's value fits above it.
func shortDuration(d time.Duration) string {
	s := duration(d)
	for _, zero := range []string{"00s", "00m", "00h"} {
		if len(s) > len(zero) && s[len(s)-len(zero):] == zero {
			return s[:len(s)-len(zero)]
		}
	}
	return s
}

func itoa(n int) string { return strconv.Itoa(n) }
