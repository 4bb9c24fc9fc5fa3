package bot

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/tocsin-dev/tocsin/incident"
)

// maxTopic is Slack's limit on a channel topic.
const maxTopic = 250

// Topic is the incident channel's topic: severity, status, service,
// commander and title, at most 250 characters.
func Topic(inc incident.Incident) string {
	parts := []string{inc.Severity.String(), string(inc.Status)}
	if inc.Service != "" {
		parts = append(parts, Escape(inc.Service))
	}
	if c := inc.RoleHolder(incident.RoleCommander); c != "" {
		parts = append(parts, "IC "+mention(c))
	}
	parts = append(parts, inc.ID.String()+": "+Escape(inc.Title))
	return truncate(strings.Join(parts, " · "), maxTopic)
}

// Purpose is the channel purpose tocsin sets right after creating a
// channel. Its marker (tocsin:INC-42) is how a retry recognises a channel an
// earlier attempt created but did not record.
func Purpose(inc incident.Incident) string {
	return truncate(purposeMarker(inc.ID)+" "+Escape(inc.Title), maxTopic)
}

func purposeMarker(id incident.ID) string { return "tocsin:" + id.String() }

// hasMarker reports whether a purpose carries exactly this incident's marker
// (tocsin:INC-4 must not match tocsin:INC-42).
func hasMarker(purpose string, id incident.ID) bool {
	m := purposeMarker(id)
	for _, w := range strings.Fields(purpose) {
		if w == m {
			return true
		}
	}
	return false
}

// timelineText renders a timeline as mrkdwn lines, one per event, with
// times in UTC. Actors are rendered as mentions only when they are Slack ids.
func timelineText(events []incident.Event) string {
	if len(events) == 0 {
		return "The timeline is empty."
	}
	var b strings.Builder
	for _, e := range events {
		fmt.Fprintf(&b, "`%s` *%s*", e.At.UTC().Format("2006-01-02 15:04:05"), Escape(string(e.Type)))
		if e.Actor != "" {
			b.WriteString(" by " + mention(e.Actor))
		}
		if d := eventDetail(e); d != "" {
			b.WriteString(" — " + Escape(d))
		}
		b.WriteByte('\n')
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// eventDetail is the one-line gist of an event.
func eventDetail(e incident.Event) string {
	if e.Text != "" {
		return truncate(strings.ReplaceAll(e.Text, "\n", " "), 300)
	}
	for _, k := range []string{"title", "alarm_name", "severity", "role", "runbook", "field", "channel_name", "item"} {
		if v := e.Data[k]; v != "" {
			extra := ""
			switch k {
			case "alarm_name":
				extra = " " + e.Data["state"]
			case "role":
				extra = " " + e.Data["user"]
			case "runbook":
				extra = " " + e.Data["step"]
			case "field":
				extra = " " + e.Data["at"]
			}
			return strings.TrimSpace(v + extra)
		}
	}
	return ""
}

// timelineBlocks split a timeline into sections that fit Slack's limits.
func timelineBlocks(id incident.ID, events []incident.Event) []slack.Block {
	blocks := []slack.Block{slack.NewSectionBlock(mrkdwn(fmt.Sprintf("*Timeline of %s*", id)), nil, nil)}
	return append(blocks, textSections(timelineText(events), 48)...)
}

// listBlocks list incidents, one line each.
func listBlocks(incs []incident.Incident) []slack.Block {
	if len(incs) == 0 {
		return []slack.Block{slack.NewSectionBlock(mrkdwn("No incidents."), nil, nil)}
	}
	lines := make([]string, len(incs))
	for i, inc := range incs {
		lines[i] = fmt.Sprintf("*%s* · %s · %s · %s · %s", inc.ID, inc.Severity, Escape(string(inc.Status)),
			Escape(truncate(inc.Title, 80)), channelRef(inc.Channel))
	}
	return textSections(strings.Join(lines, "\n"), 49)
}

// helpBlocks show the usage of /incident.
func helpBlocks() []slack.Block {
	return []slack.Block{slack.NewSectionBlock(mrkdwn("```"+Escape(Usage())+"```"), nil, nil)}
}

// textSections cuts mrkdwn text at line ends into sections of at most
// 3,000 characters, and at most max sections.
func textSections(text string, max int) []slack.Block {
	var out []slack.Block
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 && len(out) < max {
			out = append(out, slack.NewSectionBlock(mrkdwn(cur.String()), nil, nil))
		}
		cur.Reset()
	}
	for line := range strings.SplitSeq(text, "\n") {
		line = truncate(line, 2900)
		if len([]rune(cur.String()))+len([]rune(line))+1 > 3000 {
			flush()
		}
		if cur.Len() > 0 {
			cur.WriteByte('\n')
		}
		cur.WriteString(line)
	}
	flush()
	return out
}
