package report

import (
	"fmt"
	"image"
	"net/url"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// digestFollowups is how many follow-ups the digest lists before "and N more".
const digestFollowups = 10

// Markdown renders the digest as Slack mrkdwn: *bold* headings and "•"
// bullet lines. Names and text people typed are escaped (&, <, >), so an
// alarm called "<!channel>" notifies no one.
func (d Digest) Markdown() string {
	var b strings.Builder
	for _, section := range []func(*strings.Builder){
		d.mdHeader, d.mdListed, d.mdResponse, d.mdAlarms, d.mdRunbooks, d.mdFollowups, d.mdTrend,
	} {
		section(&b)
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

func (d Digest) mdHeader(b *strings.Builder) {
	const layout = "Mon 2 Jan 2006 15:04"
	fmt.Fprintf(b, "*Incident digest* · %s – %s %s\n\n", d.WeekStart.Format(layout), d.WeekEnd.Format(layout), d.WeekEnd.Format("MST"))
	fmt.Fprintf(b, "*Incidents:* %d this week, %d the week before\n", d.Incidents, d.LastWeekIncidents)
	if d.Incidents > 0 {
		fmt.Fprintf(b, "• By severity: %s\n• By service: %s\n", countList(d.BySeverity), countList(d.ByService))
	}
	b.WriteString("\n")
}

func countList(cs []Count) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = fmt.Sprintf("%s %d", slackText(c.Name), c.N)
	}
	return strings.Join(parts, ", ")
}

func (d Digest) mdResponse(b *strings.Builder) {
	b.WriteString("*Response times* (mean this week; change from last week)\n")
	for _, m := range d.Metrics {
		fmt.Fprintf(b, "• %s: %s", m.Metric, statLine(m.This))
		switch change, ok := m.Change(); {
		case ok:
			fmt.Fprintf(b, "; last week %s, %s\n", formatDuration(m.Last.Mean), changeWord(change))
		case m.Last.Count == 0:
			b.WriteString("; last week none measured\n")
		default:
			fmt.Fprintf(b, "; last week %s\n", formatDuration(m.Last.Mean))
		}
	}
	b.WriteString("\n")
}

// statLine renders a week's stat: mean, median and how many were measured.
func statLine(st Stat) string {
	if st.Count == 0 {
		return fmt.Sprintf("none measured (%d missing)", st.Missing)
	}
	return fmt.Sprintf("%s (median %s; %d measured, %d missing)", formatDuration(st.Mean), formatDuration(st.P50), st.Count, st.Missing)
}

func changeWord(change time.Duration) string {
	switch {
	case change < 0:
		return formatDuration(-change) + " faster"
	case change > 0:
		return formatDuration(change) + " slower"
	}
	return "no change"
}

func (d Digest) mdAlarms(b *strings.Builder) {
	b.WriteString("*Noisiest alarms* (firings in incidents that led to no action: not acknowledged, or acknowledged " +
		"without anyone mitigating or running a runbook)\n")
	if len(d.NoisyAlarms) == 0 {
		b.WriteString("• None: every alarm that fired led to action, or none fired.\n")
	}
	for _, a := range d.NoisyAlarms {
		fmt.Fprintf(b, "• %s: %d firing%s led to no action (fired %d× in %d incident%s, %d acted on)\n",
			slackText(a.Name), a.Noise, plural(a.Noise), a.Fired, a.Incidents, plural(a.Incidents), a.Actioned)
	}
	b.WriteString("\n")
}

// digestListed is how many of the week's incidents the digest lists.
const digestListed = 15

func (d Digest) mdListed(b *strings.Builder) {
	if len(d.Listed) == 0 {
		return
	}
	fmt.Fprintf(b, "*This week's incidents* (%d, newest first)\n", len(d.Listed))
	for i, l := range d.Listed {
		if i == digestListed {
			fmt.Fprintf(b, "• … and %d more", len(d.Listed)-i)
			if d.Dashboard != "" {
				q := url.Values{"since": {d.WeekStart.UTC().Format(time.RFC3339)}, "until": {d.WeekEnd.UTC().Format(time.RFC3339)}}
				fmt.Fprintf(b, " in %s", Link(d.Dashboard+"/?"+q.Encode()))
			}
			b.WriteString("\n")
			break
		}
		id := l.ID.String()
		if l.URL != "" {
			id = Link(l.URL) // labelled INC-n by bot
		}
		fmt.Fprintf(b, "• %s %s · %s · %s", id, l.Severity, l.Status, slackText(mdFallback(l.Title, "(untitled)")))
		if l.Service != "" {
			fmt.Fprintf(b, " · %s", slackText(l.Service))
		}
		if l.Commander != "" {
			fmt.Fprintf(b, " · commander %s", slackText(l.Commander))
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
}

// Link is tocsin's notation for a link to a page of its own dashboard:
// bot turns it into a Slack link labelled by the page (INC-42, "the
// metrics view", "the incident list"). Text people typed can never write
// one: slackText escapes its '<'.
func Link(u string) string { return "<link:" + u + ">" }

func mdFallback(s, fallback string) string {
	if strings.TrimSpace(s) == "" {
		return fallback
	}
	return s
}
func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func (d Digest) mdRunbooks(b *strings.Builder) {
	r := d.Runbooks
	if r.Runs == 0 {
		b.WriteString("*Runbooks:* none ran.\n\n")
		return
	}
	fmt.Fprintf(b, "*Runbooks:* %d run%s: %d succeeded, %d failed", r.Runs, plural(r.Runs), r.Succeeded, r.Failed)
	if rate, ok := r.SuccessRate(); ok {
		fmt.Fprintf(b, " (%.0f%% success)", rate*100)
	}
	b.WriteString("\n\n")
}

func (d Digest) mdFollowups(b *strings.Builder) {
	fmt.Fprintf(b, "*Open follow-ups* (%d)\n", len(d.Followups))
	for i, f := range d.Followups {
		if i == digestFollowups {
			fmt.Fprintf(b, "• … and %d more\n", len(d.Followups)-i)
			break
		}
		fmt.Fprintf(b, "• %s (%s): %s\n", f.Incident, slackText(f.Title), slackText(f.Text))
	}
	if len(d.Followups) == 0 {
		b.WriteString("• None.\n")
	}
	b.WriteString("\n")
}

func (d Digest) mdTrend(b *strings.Builder) {
	fmt.Fprintf(b, "*Trend* (%d weeks, oldest first)\n", len(d.Trend))
	for _, w := range d.Trend {
		fmt.Fprintf(b, "• Week of %s: %d incident%s", w.Start.Format("2 Jan"), w.Incidents, plural(w.Incidents))
		if w.MTTR.Count > 0 {
			fmt.Fprintf(b, ", MTTR %s", formatDuration(w.MTTR.Mean))
		}
		b.WriteString("\n")
	}
}

// TrendPNG draws the trend as an 800×400 PNG: weekly MTTR (mean, minutes)
// above, incidents per week below, over the same weeks.
func (d Digest) TrendPNG() ([]byte, error) {
	labels := make([]string, len(d.Trend))
	var mttr, count plotter.XYs
	for i, w := range d.Trend {
		labels[i] = w.Start.Format("2 Jan")
		count = append(count, plotter.XY{X: float64(i), Y: float64(w.Incidents)})
		if w.MTTR.Count > 0 {
			mttr = append(mttr, plotter.XY{X: float64(i), Y: w.MTTR.Mean.Minutes()})
		}
	}
	top, err := weeklyPlot("MTTR per week (mean, minutes)", mttr, labels, colorSeries)
	if err != nil {
		return nil, err
	}
	bottom, err := weeklyPlot("Incidents per week", count, labels, colorSecond)
	if err != nil {
		return nil, err
	}
	bottom.Y.Tick.Marker = intTicks{}
	return renderPNG(image.Pt(800, 400), func(dc draw.Canvas) {
		tiles := draw.Tiles{Rows: 2, Cols: 1, PadTop: vg.Millimeter, PadBottom: vg.Millimeter,
			PadLeft: 2 * vg.Millimeter, PadRight: 4 * vg.Millimeter, PadY: 2 * vg.Millimeter}
		cs := plot.Align([][]*plot.Plot{{top}, {bottom}}, tiles, dc)
		top.Draw(cs[0][0])
		bottom.Draw(cs[1][0])
	})
}
