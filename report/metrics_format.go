package report

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
)

// ParseWindow parses a look-back window: a number of days ("7d", "30d",
// "90d"), weeks ("2w") or anything time.ParseDuration accepts ("24h"). The
// window must be positive.
func ParseWindow(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	var d time.Duration
	var err error
	switch unit := t[max(len(t)-1, 0):]; unit {
	case "d", "w":
		var n int
		n, err = strconv.Atoi(t[:len(t)-1])
		if n > 100*366 { // beyond a century the arithmetic could overflow
			n = -1
		}
		d = time.Duration(n) * 24 * time.Hour
		if unit == "w" {
			d *= 7
		}
	default:
		d, err = time.ParseDuration(t)
	}
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%w: window %q must be a positive number of days (30d), weeks (2w) or hours (24h)", incident.ErrInvalid, s)
	}
	return d, nil
}

// statJSON is Stat on the wire: durations in seconds, null when no incident
// had the metric (missing is never zero).
type statJSON struct {
	Count   int      `json:"count"`
	Missing int      `json:"missing"`
	Mean    *float64 `json:"mean_seconds"`
	P50     *float64 `json:"p50_seconds"`
	P90     *float64 `json:"p90_seconds"`
}

// MarshalJSON writes the durations in seconds, and null for a metric no
// incident had.
func (s Stat) MarshalJSON() ([]byte, error) {
	j := statJSON{Count: s.Count, Missing: s.Missing}
	if s.Count > 0 {
		mean, p50, p90 := s.Mean.Seconds(), s.P50.Seconds(), s.P90.Seconds()
		j.Mean, j.P50, j.P90 = &mean, &p50, &p90
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (s *Stat) UnmarshalJSON(b []byte) error {
	var j statJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	if j.Count > 0 && (j.Mean == nil || j.P50 == nil || j.P90 == nil) {
		return errors.New("decode metric stat: count without durations")
	}
	*s = Stat{Count: j.Count, Missing: j.Missing}
	if j.Count > 0 {
		s.Mean, s.P50, s.P90 = seconds(*j.Mean), seconds(*j.P50), seconds(*j.P90)
	}
	return nil
}

func seconds(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }

// Table renders the summary as plain-text columns for the CLI: one row per
// group and metric, overall first, then severities, then services.
func (s Summary) Table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Incidents %s to %s UTC", s.Since.UTC().Format(tableTime), s.Until.UTC().Format(tableTime))
	if s.Service != "" {
		fmt.Fprintf(&b, ", service %s", s.Service)
	}
	fmt.Fprintf(&b, ": %d\n\n", s.Incidents)
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "GROUP\tMETRIC\tCOUNT\tMISSING\tMEAN\tP50\tP90")
	tableRows(w, "all", s.Overall)
	for _, k := range slices.SortedFunc(maps.Keys(s.BySeverity), severityOrder) {
		tableRows(w, k, s.BySeverity[k])
	}
	for _, k := range slices.SortedFunc(maps.Keys(s.ByService), strings.Compare) {
		tableRows(w, "service "+k, s.ByService[k])
	}
	w.Flush()
	return b.String()
}

const tableTime = "2006-01-02 15:04"

func tableRows(w *tabwriter.Writer, group string, stats map[string]Stat) {
	for _, m := range incident.MetricNames() {
		st, ok := stats[m]
		if !ok {
			continue
		}
		fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%s\t%s\t%s\n", group, m, st.Count, st.Missing,
			statDuration(st, st.Mean), statDuration(st, st.P50), statDuration(st, st.P90))
	}
}

// severityOrder sorts SEV1..SEV4 first and the unset "SEV?" last.
func severityOrder(a, b string) int {
	unset := func(s string) int {
		if s == "SEV?" {
			return 1
		}
		return 0
	}
	return cmp.Or(cmp.Compare(unset(a), unset(b)), strings.Compare(a, b))
}

// statDuration renders d, or "missing" when no incident had the metric.
func statDuration(st Stat, d time.Duration) string {
	if st.Count == 0 {
		return "missing"
	}
	return formatDuration(d)
}

// formatDuration renders a duration for people, to the second below an hour
// and to the minute above: 45s, 4m05s, 1h02m, 2d03h.
func formatDuration(d time.Duration) string {
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	d = d.Round(time.Second)
	h, m, s := int(d/time.Hour), int(d/time.Minute)%60, int(d/time.Second)%60
	switch {
	case h >= 24:
		return fmt.Sprintf("%s%dd%02dh", sign, h/24, h%24)
	case h > 0:
		return fmt.Sprintf("%s%dh%02dm", sign, h, m)
	case m > 0:
		return fmt.Sprintf("%s%dm%02ds", sign, m, s)
	}
	return fmt.Sprintf("%s%ds", sign, s)
}

// Brief is the summary in two lines of Slack mrkdwn, for /incident metrics:
// how many incidents started in the window and each metric's median
// ("missing" when no incident had it). label names the window ("the last
// 30 days").
func (s Summary) Brief(label string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*%s* (%s – %s UTC): %d incident%s.", slackText(label), s.Since.UTC().Format("2 Jan 15:04"),
		s.Until.UTC().Format("2 Jan 15:04"), s.Incidents, plural(s.Incidents))
	if s.Incidents == 0 {
		return b.String()
	}
	b.WriteString("\nMedians: ")
	for i, m := range incident.MetricNames() {
		if i > 0 {
			b.WriteString(" · ")
		}
		st := s.Overall[m]
		v := "missing"
		if st.Count > 0 {
			v = formatDuration(st.P50)
		}
		fmt.Fprintf(&b, "%s %s", m, v)
	}
	return b.String()
}

// WindowLabel names a look-back window for people: "the last 30 days",
// "the last 2 weeks", "the last 12h0m0s".
func WindowLabel(d time.Duration) string {
	switch days := int(d / (24 * time.Hour)); {
	case d%(7*24*time.Hour) == 0 && days%7 == 0 && days > 7:
		return fmt.Sprintf("The last %d weeks", days/7)
	case d%(24*time.Hour) == 0 && days == 1:
		return "The last day"
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("The last %d days", days)
	}
	return "The last " + d.String()
}
