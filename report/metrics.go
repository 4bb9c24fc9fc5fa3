package report

import (
	"cmp"
	"slices"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
)

// NoService is the ByService key of incidents that name no service.
const NoService = "(none)"

// Stat summarises one metric over a group of incidents. Count incidents had
// the metric; Missing lacked a timestamp it needs (they are left out of Mean
// and the percentiles, never counted as zero). P50 and P90 use the
// nearest-rank method: the p-th percentile of n sorted values is the value at
// rank ceil(p/100 × n), so it is always a duration some incident really had.
// Mean is truncated to the nanosecond.
type Stat struct {
	Count   int
	Missing int
	Mean    time.Duration
	P50     time.Duration
	P90     time.Duration
}

// Summary is the metrics of the incidents that started in [Since, Until),
// overall and grouped, each map keyed by metric name (incident.MTTD...).
// BySeverity is keyed by "SEV1".."SEV4" ("SEV?" when unset), ByService by
// service name (NoService when empty). Every metric is present in Overall,
// even with no incidents; a group is present when it has an incident.
type Summary struct {
	Since      time.Time                  `json:"since"`
	Until      time.Time                  `json:"until"`
	Service    string                     `json:"service,omitempty"` // the filter, if any
	Incidents  int                        `json:"incidents"`
	Overall    map[string]Stat            `json:"overall"`
	BySeverity map[string]map[string]Stat `json:"by_severity"`
	ByService  map[string]map[string]Stat `json:"by_service"`
	// Samples are the measured durations by metric, service and severity,
	// for Publish. They are not part of the JSON.
	Samples []Sample `json:"-"`
}

// Sample is the distribution of one metric for one service and severity, in
// whole seconds: Values[i] occurred Counts[i] times, Values ascending. It is
// the shape of CloudWatch's Values/Counts.
type Sample struct {
	Metric   string
	Service  string
	Severity string
	Values   []float64
	Counts   []float64
}

// anchor is the time that places an incident in a window: StartedAt, or
// DetectedAt when the start is unknown. Zero means it cannot be placed.
func anchor(t incident.Timestamps) time.Time {
	if !t.StartedAt.IsZero() {
		return t.StartedAt
	}
	return t.DetectedAt
}

// inWindow reports whether t is in [since, until).
func inWindow(t, since, until time.Time) bool {
	return !t.IsZero() && !t.Before(since) && t.Before(until)
}

// Summarize computes the metrics of the incidents placed in [since, until)
// by StartedAt (DetectedAt when StartedAt is missing); incidents with neither
// are left out. A non-empty service keeps only that service's incidents.
//
// It sorts the measured durations once per metric and reads every group's
// percentiles off that one order, so 100,000 incidents take milliseconds.
func Summarize(incs []incident.Incident, since, until time.Time, service string) Summary {
	s := Summary{
		Since: since, Until: until, Service: service,
		Overall:    map[string]Stat{},
		BySeverity: map[string]map[string]Stat{},
		ByService:  map[string]map[string]Stat{},
	}
	g := newGrouping(incs, since, until, service)
	s.Incidents = len(g.members)
	buf := make([]sample, 0, len(g.members))
	cellBuf := make([]sample, len(g.members))
	for _, m := range incident.MetricNames() {
		buf = g.measure(incs, m, buf[:0])
		slices.SortFunc(buf, func(a, b sample) int { return cmp.Compare(a.d, b.d) })
		g.accumulate(buf)
		g.store(&s, m)
		s.Samples = g.samples(s.Samples, m, buf, cellBuf)
	}
	return s
}

// sample is one incident's value of the metric being summarised, with the
// indexes of its severity and service groups.
type sample struct {
	d   time.Duration
	sev int32
	svc int32
}

// acc accumulates one group (overall, a severity or a service).
type acc struct {
	total, n, seen int
	r50, r90       int
	sec, ns        int64 // the sum, split so that it cannot overflow
	p50, p90       time.Duration
}

// grouping holds the in-window incidents and their group accumulators:
// index 0 is overall, 1..5 the severities SEV? and SEV1..SEV4, then services.
type grouping struct {
	members  []member
	accs     []acc
	services []string
	svcIndex map[string]int32

	cellN      []int     // scratch for samples
	vals, cnts []float64 // the backing arrays of Summary.Samples
}

// member is an in-window incident: its index in incs and its groups.
type member struct{ i, sev, svc int32 }

const firstService = 6

func newGrouping(incs []incident.Incident, since, until time.Time, service string) *grouping {
	g := &grouping{accs: make([]acc, firstService), svcIndex: map[string]int32{}, members: make([]member, 0, len(incs))}
	for i := range incs {
		inc := &incs[i]
		if service != "" && inc.Service != service {
			continue
		}
		if !inWindow(anchor(inc.Timestamps), since, until) {
			continue
		}
		m := member{i: int32(i), sev: sevGroup(inc.Severity), svc: g.serviceGroup(inc.Service)}
		g.members = append(g.members, m)
		g.accs[0].total++
		g.accs[m.sev].total++
		g.accs[m.svc].total++
	}
	return g
}

func sevGroup(s incident.Severity) int32 {
	if !s.Valid() {
		return 1
	}
	return 1 + int32(s)
}

func (g *grouping) serviceGroup(name string) int32 {
	if name == "" {
		name = NoService
	}
	if i, ok := g.svcIndex[name]; ok {
		return i
	}
	i := int32(len(g.accs))
	g.svcIndex[name] = i
	g.services = append(g.services, name)
	g.accs = append(g.accs, acc{})
	return i
}

// measure appends the metric of every member that has it.
func (g *grouping) measure(incs []incident.Incident, metric string, buf []sample) []sample {
	for i := range g.accs {
		g.accs[i] = acc{total: g.accs[i].total}
	}
	for _, m := range g.members {
		if d, ok := incs[m.i].Duration(metric); ok {
			buf = append(buf, sample{d: d, sev: m.sev, svc: m.svc})
		}
	}
	return buf
}

// accumulate walks the sorted samples once, feeding each group its sums and
// picking its nearest-rank percentiles as their ranks go by.
func (g *grouping) accumulate(sorted []sample) {
	for _, x := range sorted {
		g.accs[0].n++
		g.accs[x.sev].n++
		g.accs[x.svc].n++
	}
	for i := range g.accs {
		a := &g.accs[i]
		a.r50, a.r90 = rank(50, a.n), rank(90, a.n)
	}
	for _, x := range sorted {
		g.accs[0].add(x.d)
		g.accs[x.sev].add(x.d)
		g.accs[x.svc].add(x.d)
	}
}

// rank is the nearest rank of the p-th percentile of n values: ceil(p×n/100).
func rank(p, n int) int {
	return (p*n + 99) / 100
}

func (a *acc) add(d time.Duration) {
	a.seen++
	if a.seen == a.r50 {
		a.p50 = d
	}
	if a.seen == a.r90 {
		a.p90 = d
	}
	a.sec += int64(d / time.Second)
	a.ns += int64(d % time.Second)
}

func (a *acc) stat() Stat {
	st := Stat{Count: a.n, Missing: a.total - a.n, P50: a.p50, P90: a.p90}
	if a.n > 0 {
		n := int64(a.n)
		st.Mean = time.Duration(a.sec/n)*time.Second + time.Duration(((a.sec%n)*int64(time.Second)+a.ns)/n)
	}
	return st
}

// store writes the groups' stats for metric into s.
func (g *grouping) store(s *Summary, metric string) {
	s.Overall[metric] = g.accs[0].stat()
	for i := int32(1); i < firstService; i++ {
		if g.accs[i].total > 0 {
			put(s.BySeverity, incident.Severity(i-1).String(), metric, g.accs[i].stat())
		}
	}
	for i, name := range g.services {
		put(s.ByService, name, metric, g.accs[firstService+i].stat())
	}
}

func put(m map[string]map[string]Stat, group, metric string, st Stat) {
	if m[group] == nil {
		m[group] = make(map[string]Stat, 4)
	}
	m[group][metric] = st
}
