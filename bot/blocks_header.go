package bot

import (
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/tocsin-dev/tocsin/incident"
)

// The header is what a responder reads first: where the incident stands,
// what to do next, who leads it, how long it has been open, what is firing
// and the last update. Fields that are not known are left out rather than
// shown as dashes, and times use Slack's <!date^…> so that each reader
// sees them in their own time zone.

// HeaderBlocks renders the pinned header of an incident: its title, the
// glance (status, next step, severity, people, times, last update), the
// alarms firing first, the buttons that apply to its status, and where it
// came from. Every supplied string is escaped.
func HeaderBlocks(inc incident.Incident) []slack.Block {
	blocks := []slack.Block{slack.NewHeaderBlock(plain(truncate(summaryPlain(inc), 150)),
		slack.HeaderBlockOptionBlockID(blockID(inc.ID, "header")))}
	blocks = append(blocks, glanceBlocks(inc)...)
	if len(inc.Alarms) > 0 {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(alarmLines(inc.Alarms)), nil, nil))
	}
	if acts := headerActions(inc); len(acts) > 0 {
		blocks = append(blocks, slack.NewActionBlock(blockID(inc.ID, ""), acts...))
	}
	return append(blocks, slack.NewContextBlock("", mrkdwn(headerContext(inc))))
}

// glanceBlocks are where the incident stands, in the header and in the
// answer to /incident status: the status and next step, the fields that
// are known, and the last status update.
func glanceBlocks(inc incident.Incident) []slack.Block {
	blocks := []slack.Block{
		slack.NewSectionBlock(mrkdwn(statusLine(inc)+"\n*Next:* "+nextStep(inc)), nil, nil),
		slack.NewSectionBlock(nil, glanceFields(inc), nil),
	}
	if u := inc.LastUpdate; u.Text != "" {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(fmt.Sprintf("*Last update* (%s, %s): %s",
			when(u.At), mention(u.By), Escape(truncate(u.Text, 500)))), nil, nil))
	}
	return blocks
}

// summaryPlain is "INC-42 · SEV2 · title" as plain text.
func summaryPlain(inc incident.Incident) string {
	return fmt.Sprintf("%s · %s · %s", inc.ID, inc.Severity, inc.Title)
}

// statusLine says where the incident stands, in words.
func statusLine(inc incident.Incident) string {
	var line string
	switch inc.Status {
	case incident.StatusDetected, incident.StatusDeclared:
		line = ":red_circle: *" + capital(string(inc.Status)) + "*, not acknowledged yet"
	case incident.StatusAcknowledged:
		line = ":large_orange_circle: *Acknowledged*: being worked on"
	case incident.StatusMitigated:
		line = ":large_yellow_circle: *Mitigated*: the impact has stopped"
	case incident.StatusResolved:
		line = ":large_green_circle: *Resolved*"
	case incident.StatusClosed:
		line = ":white_circle: *Closed*"
	default:
		line = "*" + Escape(capital(string(inc.Status))) + "*"
	}
	if inc.Recovered && inc.Open() && len(inc.Alarms) > 0 {
		line += " · every alarm is OK again"
	}
	return line
}

// nextStep is what the responders should do now.
func nextStep(inc incident.Incident) string {
	switch {
	case inc.Status == incident.StatusDetected || inc.Status == incident.StatusDeclared:
		return "acknowledge it to stop the escalation; whoever does leads it unless someone already does."
	case inc.Status == incident.StatusAcknowledged && inc.Recovered && len(inc.Alarms) > 0:
		return "if the impact is over, mark it Mitigated; then Resolve it when you are sure."
	case inc.Status == incident.StatusAcknowledged:
		return "stop the impact (the runbooks below can help), post `/incident status` updates, then mark it Mitigated."
	case inc.Status == incident.StatusMitigated:
		return "make sure the impact stays gone, then Resolve it with a summary of what fixed it."
	case inc.Status == incident.StatusResolved:
		return "write the review: `/incident review` posts the draft; `/incident close` when it is done."
	case inc.Status == incident.StatusClosed:
		return "nothing: the channel is archived after a quiet period. `/incident reopen` if it comes back."
	}
	return "see `/incident help`."
}

// glanceFields are the facts that are known: severity, the people in each
// role, the service, how long it has been open and when the impact began.
func glanceFields(inc incident.Incident) []*slack.TextBlockObject {
	fields := []*slack.TextBlockObject{field("Severity", inc.Severity.String())}
	for _, r := range []struct {
		role  incident.Role
		label string
	}{{incident.RoleCommander, "Commander"}, {incident.RoleComms, "Comms"}, {incident.RoleScribe, "Scribe"}} {
		if u := inc.RoleHolder(r.role); u != "" {
			fields = append(fields, field(r.label, mention(u)))
		}
	}
	if inc.Service != "" {
		fields = append(fields, field("Service", Escape(inc.Service)))
	}
	if open := openedAt(inc); !open.IsZero() {
		fields = append(fields, field("Open", openFor(inc, open)))
	}
	if !inc.StartedAt.IsZero() {
		fields = append(fields, field("Impact began", when(inc.StartedAt)+"\n_"+startNote(inc.StartMethod)+"_"))
	}
	return fields
}

// openedAt is when tocsin learned of the incident.
func openedAt(inc incident.Incident) time.Time {
	if !inc.DetectedAt.IsZero() {
		return inc.DetectedAt
	}
	return inc.StartedAt
}

// openFor says how long the incident has been open: since when, while it
// is; for how long, once resolved.
func openFor(inc incident.Incident, open time.Time) string {
	if inc.ResolvedAt.IsZero() {
		return "since " + when(open)
	}
	return fmt.Sprintf("%s, resolved %s", span(inc.ResolvedAt.Sub(open)), when(inc.ResolvedAt))
}

// startNote says in plain words how the start of impact was found.
func startNote(method string) string {
	switch {
	case method == "":
		return "when tocsin heard of it"
	case strings.HasPrefix(method, "declared by "):
		return "when it was declared"
	case strings.HasPrefix(method, "corrected by "):
		return "as corrected by " + mention(strings.TrimPrefix(method, "corrected by "))
	case method == "state change time":
		return "when the alarm fired"
	case strings.Contains(method, "breaching datapoint"):
		return "at the first breaching datapoint"
	case strings.Contains(method, "period"):
		return "estimated: the alarm's evaluation periods before it fired"
	}
	return "estimated (" + Escape(method) + ")"
}

// alarmLines lists linked alarms, firing ones first in the order they joined.
func alarmLines(alarms []incident.LinkedAlarm) string {
	var firing, quiet []string
	for _, a := range alarms {
		line := "• " + Escape(a.Name)
		if a.State == incident.StateAlarm {
			line += " — firing since " + when(a.ChangedAt)
		} else {
			line += " — " + Escape(strings.ToLower(strings.ReplaceAll(string(a.State), "_", " "))) + " since " + when(a.ChangedAt)
		}
		if a.Alarms > 1 {
			line += fmt.Sprintf(" · fired %d×", a.Alarms)
		}
		if a.Flaps > 0 {
			line += " · " + plural(a.Flaps, "flap")
		}
		if a.State == incident.StateAlarm {
			firing = append(firing, line)
		} else {
			quiet = append(quiet, line)
		}
	}
	lines := append(firing, quiet...)
	more := ""
	if len(lines) > maxListed {
		more = fmt.Sprintf("\n…and %d more", len(lines)-maxListed)
		lines = lines[:maxListed]
	}
	return fmt.Sprintf("*Firing alarms:* %d of %d\n%s%s", len(firing), len(alarms), strings.Join(lines, "\n"), more)
}

// headerContext says where the incident came from and when it last changed.
func headerContext(inc incident.Incident) string {
	var parts []string
	switch {
	case inc.Source == "declared" && strings.HasPrefix(inc.StartMethod, "declared by "):
		parts = append(parts, "Declared by "+mention(strings.TrimPrefix(inc.StartMethod, "declared by ")))
	case inc.Source == "declared":
		parts = append(parts, "Declared")
	case inc.Source == "alarm":
		parts = append(parts, "Opened by a CloudWatch alarm")
	}
	if inc.Playbook != "" {
		parts = append(parts, "playbook "+Escape(inc.Playbook))
	}
	if inc.Reopens > 0 {
		parts = append(parts, "reopened "+plural(inc.Reopens, "time"))
	}
	if !inc.UpdatedAt.IsZero() {
		parts = append(parts, "updated "+when(inc.UpdatedAt))
	}
	return strings.Join(parts, " · ")
}

// announcementBlocks announce an incident in the announcements channel,
// and are kept up to date there: where it stands, who leads it, the
// channel to join, and the last update. text, if any, is an extra line of
// mrkdwn from dispatch (a broadcast status update), passed through
// SafeMrkdwn.
func announcementBlocks(inc incident.Incident, text string) []slack.Block {
	icon := ":rotating_light:"
	if !inc.Open() {
		icon = ":white_check_mark:"
	}
	lines := []string{icon + " *" + Escape(summaryPlain(inc)) + "*", statusLine(inc)}
	var facts []string
	if c := inc.RoleHolder(incident.RoleCommander); c != "" {
		facts = append(facts, "Commander "+mention(c))
	}
	if inc.Service != "" {
		facts = append(facts, "Service "+Escape(inc.Service))
	}
	if ref := channelRef(inc.Channel); ref != "—" {
		facts = append(facts, "Join "+ref)
	}
	if len(facts) > 0 {
		lines = append(lines, strings.Join(facts, " · "))
	}
	if u := inc.LastUpdate; u.Text != "" && text == "" {
		lines = append(lines, "*Last update* ("+when(u.At)+"): "+Escape(truncate(u.Text, 300)))
	}
	if text != "" {
		lines = append(lines, SafeMrkdwn(text))
	}
	blocks := []slack.Block{slack.NewSectionBlock(mrkdwn(strings.Join(lines, "\n")), nil, nil,
		slack.SectionBlockOptionBlockID(blockID(inc.ID, "announce")))}
	if open := openedAt(inc); !open.IsZero() {
		blocks = append(blocks, slack.NewContextBlock("", mrkdwn("Open "+openFor(inc, open))))
	}
	return blocks
}

// span says a duration the way people do: 45 s, 12 min, 1 h 5 min, 2 d 3 h.
func span(d time.Duration) string {
	switch d = d.Round(time.Second); {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 24*time.Hour:
		return fmt.Sprintf("%d h %d min", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%d d %d h", int(d.Hours())/24, int(d.Hours())%24)
}

// capital upper-cases the first letter.
func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
