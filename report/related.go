package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
)

// Related incidents: those that shared an alarm, a group key or the
// service with an incident, and started within relatedWindow of it on
// either side; the relatedMax closest in time.
const (
	relatedWindow = 30 * 24 * time.Hour
	relatedMax    = 5
)

// Related picks the incidents of all related to inc (see relatedWindow),
// closest in time first.
func Related(inc incident.Incident, all []incident.Incident) []incident.Incident {
	start := startOf(inc)
	var out []incident.Incident
	for _, o := range all {
		if o.ID == inc.ID || relation(inc, o) == "" {
			continue
		}
		if d := startOf(o).Sub(start); d > relatedWindow || d < -relatedWindow {
			continue
		}
		out = append(out, o)
	}
	slices.SortFunc(out, func(a, b incident.Incident) int {
		return cmp.Or(cmp.Compare(absDuration(startOf(a).Sub(start)), absDuration(startOf(b).Sub(start))), cmp.Compare(a.ID, b.ID))
	})
	return out[:min(len(out), relatedMax)]
}

// relation says what two incidents share, or "".
func relation(a, b incident.Incident) string {
	for _, x := range a.Alarms {
		for _, y := range b.Alarms {
			if x.ARN != "" && x.ARN == y.ARN {
				return "the alarm " + x.Name
			}
		}
	}
	switch {
	case a.GroupKey != "" && a.GroupKey == b.GroupKey:
		return "the group key " + a.GroupKey
	case a.Service != "" && a.Service == b.Service:
		return "the service " + a.Service
	}
	return ""
}

// startOf is when an incident's impact began, else when it was detected.
func startOf(inc incident.Incident) time.Time {
	if !inc.StartedAt.IsZero() {
		return inc.StartedAt
	}
	return inc.DetectedAt
}

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// IncidentURL is where the dashboard shows an incident: base (the
// dashboard's URL, TOCSIN_PUBLIC_URL) + /incidents/{n}; a path on the
// dashboard when base is empty.
func IncidentURL(base string, id incident.ID) string {
	return fmt.Sprintf("%s/incidents/%d", strings.TrimSuffix(base, "/"), uint64(id))
}

func (r *reviewer) related(b *strings.Builder) {
	b.WriteString("## Related incidents\n\n")
	if len(r.opts.Related) == 0 {
		fmt.Fprintf(b, "_No other incident shared an alarm, the group key or the service within %d days._\n\n", int(relatedWindow.Hours()/24))
		return
	}
	start := startOf(r.inc)
	for _, o := range r.opts.Related {
		when := "at the same time"
		switch d := startOf(o).Sub(start).Round(time.Minute); {
		case d < 0:
			when = formatDuration(-d) + " before"
		case d > 0:
			when = formatDuration(d) + " after"
		}
		fmt.Fprintf(b, "- [%s](%s) %s (%s, %s), %s; shared %s\n", o.ID, IncidentURL(r.opts.Dashboard, o.ID),
			mdOr(o.Title, "(untitled)"), o.Severity, o.Status, when, md(relation(r.inc, o)))
	}
	b.WriteString("\n")
}
