package playbooks

import (
	"maps"
	"net/url"

	"github.com/tocsin-dev/tocsin/incident"
)

// defaultStat is the statistic of a graph that names none.
const defaultStat = "Average"

// GraphsFor resolves the playbook's graphs for an alarm: dimensions from the
// alarm are filled in and every graph has a Stat. A playbook without graphs
// charts the alarm's own metric, or each named metric leg of a metric-math
// alarm; a composite alarm has none.
func (p *Playbook) GraphsFor(a *incident.Alarm) []Graph {
	if len(p.Graphs) == 0 {
		return alarmGraphs(a)
	}
	out := make([]Graph, len(p.Graphs))
	for i, g := range p.Graphs {
		dims := map[string]string{}
		if g.DimensionsFromAlarm {
			dims = dimensionMap(alarmDimensions(a))
		}
		maps.Copy(dims, g.Dimensions)
		g.Dimensions, g.DimensionsFromAlarm = dims, false
		if g.Stat == "" {
			g.Stat = defaultStat
		}
		if g.Period == 0 {
			g.Period = a.Period
		}
		out[i] = g
	}
	return out
}

// alarmGraphs charts the metrics the alarm itself evaluates.
func alarmGraphs(a *incident.Alarm) []Graph {
	metrics := a.Metrics
	if a.Metric.Name != "" {
		metrics = []incident.Metric{a.Metric}
	}
	var out []Graph
	for _, m := range metrics {
		if m.Name == "" || m.Namespace == "" {
			continue // an expression, not a metric
		}
		g := Graph{
			Namespace:  m.Namespace,
			Metric:     m.Name,
			Stat:       m.Stat,
			Period:     m.Period,
			Dimensions: dimensionMap(m.Dimensions),
		}
		if g.Stat == "" {
			g.Stat = defaultStat
		}
		if g.Period == 0 {
			g.Period = a.Period
		}
		out = append(out, g)
	}
	return out
}

// alarmDimensions are the dimensions of the alarm's metric, or of its first
// metric leg that has any.
func alarmDimensions(a *incident.Alarm) []incident.Dimension {
	if len(a.Metric.Dimensions) > 0 {
		return a.Metric.Dimensions
	}
	for _, m := range a.Metrics {
		if len(m.Dimensions) > 0 {
			return m.Dimensions
		}
	}
	return nil
}

func dimensionMap(dims []incident.Dimension) map[string]string {
	m := make(map[string]string, len(dims))
	for _, d := range dims {
		m[d.Name] = d.Value
	}
	return m
}

// LinksFor fills the placeholders of the playbook's links from the alarm,
// escaping values in URLs. A link with a placeholder that has no value is
// left out rather than shown broken.
func (p *Playbook) LinksFor(a *incident.Alarm) []Link {
	var out []Link
	for _, l := range p.Links {
		title, okTitle := expand(l.Title, a, nil)
		u, okURL := expand(l.URL, a, url.PathEscape)
		if okTitle && okURL {
			out = append(out, Link{Title: title, URL: u})
		}
	}
	return out
}
