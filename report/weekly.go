package report

import (
	"time"

	"github.com/tocsin-dev/tocsin/incident"
)

// Week is one week of a trend: the incidents placed in [Start, End) and
// their metrics (see Summarize).
type Week struct {
	Start, End time.Time
	Summary    Summary
}

// Weekly summarises each of the n weeks before end (oldest first), for
// one service or all (""). It sets aside the incidents of those weeks
// first, so n weeks cost one pass over incs, not n.
func Weekly(incs []incident.Incident, end time.Time, n int, service string) []Week {
	start := end.AddDate(0, 0, -7*n)
	var in []incident.Incident
	for i := range incs {
		if inWindow(anchor(incs[i].Timestamps), start, end) && (service == "" || incs[i].Service == service) {
			in = append(in, incs[i])
		}
	}
	weeks := make([]Week, 0, n)
	for i := n - 1; i >= 0; i-- {
		ws, we := end.AddDate(0, 0, -7*(i+1)), end.AddDate(0, 0, -7*i)
		weeks = append(weeks, Week{Start: ws, End: we, Summary: Summarize(in, ws, we, service)})
	}
	return weeks
}
