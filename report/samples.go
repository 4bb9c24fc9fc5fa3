package report

import (
	"time"

	"github.com/tocsin-dev/tocsin/incident"
)

// severityCells is the number of severity groups (SEV?, SEV1..SEV4).
const severityCells = firstService - 1

// samples appends to dst the distributions of metric by service and
// severity. sorted is ordered by duration; a stable counting sort by cell
// into scratch keeps each cell's run in order, so run-length encoding the
// whole seconds needs no further sort. Every Sample of a Summary shares two
// backing arrays, allocated once.
func (g *grouping) samples(dst []Sample, metric string, sorted, scratch []sample) []Sample {
	if cap(g.vals) == 0 {
		g.vals = make([]float64, 0, len(incident.MetricNames())*len(g.members))
		g.cnts = make([]float64, 0, cap(g.vals))
	}
	start := g.byCell(sorted, scratch)
	for c := range len(start) - 1 {
		run := scratch[start[c]:start[c+1]]
		if len(run) == 0 {
			continue
		}
		from := len(g.vals)
		g.rle(run)
		to := len(g.vals)
		dst = append(dst, Sample{
			Metric:   metric,
			Service:  g.services[c/severityCells],
			Severity: incident.Severity(c % severityCells).String(),
			Values:   g.vals[from:to:to],
			Counts:   g.cnts[from:to:to],
		})
	}
	return dst
}

// byCell copies sorted into scratch grouped by cell (service × severity),
// keeping each cell in order, and returns where each cell starts (with the
// end as a last element).
func (g *grouping) byCell(sorted, scratch []sample) []int {
	ncell := len(g.services) * severityCells
	if len(g.cellN) < 2*ncell+1 {
		g.cellN = make([]int, 2*ncell+1)
	}
	start, next := g.cellN[:ncell+1], g.cellN[ncell+1:2*ncell+1]
	clear(start)
	cell := func(x sample) int { return int(x.svc-firstService)*severityCells + int(x.sev-1) }
	for _, x := range sorted {
		start[cell(x)+1]++
	}
	for c := 1; c <= ncell; c++ {
		start[c] += start[c-1]
	}
	copy(next, start)
	for _, x := range sorted {
		c := cell(x)
		scratch[next[c]] = x
		next[c]++
	}
	return start
}

// rle appends the run's durations, rounded to whole seconds, as distinct
// values with counts.
func (g *grouping) rle(run []sample) {
	last := len(g.vals) - 1
	for i, x := range run {
		v := float64(x.d.Round(time.Second) / time.Second)
		if i > 0 && g.vals[last] == v {
			g.cnts[last]++
			continue
		}
		g.vals = append(g.vals, v)
		g.cnts = append(g.cnts, 1)
		last++
	}
}
