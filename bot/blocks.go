package bot

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/tocsin-dev/tocsin/incident"
)

// Action ids of tocsin's buttons, checkboxes, modal and message shortcut.
// Runbook buttons carry a ":n" suffix because action ids must be unique
// within a block; the part before ':' names the action.
const (
	ActionAck           = "tocsin_ack"
	ActionMitigated     = "tocsin_mitigated"
	ActionResolve       = "tocsin_resolve"
	ActionRunbook       = "tocsin_runbook"
	ActionNote          = "tocsin_note"
	ActionApprove       = "tocsin_approve"
	ActionDeny          = "tocsin_deny"
	ActionCheck         = "tocsin_check"
	ShortcutAddTimeline = "tocsin_add_to_timeline"
	ViewNote            = "tocsin_note_modal"
	ViewResolve         = "tocsin_resolve_modal"
)

// maxListed bounds how many alarms or incidents one block lists.
const maxListed = 10

// HeaderBlocks renders the pinned header of an incident: title with id and
// severity, status, service, roles, linked alarms with their counts and
// flaps, the lifecycle times in UTC with the start method, and the buttons
// that apply to its status. Every supplied string is escaped.
func HeaderBlocks(inc incident.Incident) []slack.Block {
	blocks := []slack.Block{
		slack.NewHeaderBlock(plain(truncate(fmt.Sprintf("%s · %s · %s", inc.ID, inc.Severity, inc.Title), 150)),
			slack.HeaderBlockOptionBlockID(blockID(inc.ID, "header"))),
		slack.NewSectionBlock(nil, []*slack.TextBlockObject{
			field("Status", Escape(string(inc.Status))),
			field("Service", orDash(Escape(inc.Service))),
			field("Commander", mention(inc.RoleHolder(incident.RoleCommander))),
			field("Comms", mention(inc.RoleHolder(incident.RoleComms))),
			field("Scribe", mention(inc.RoleHolder(incident.RoleScribe))),
			field("Channel", channelRef(inc.Channel)),
		}, nil),
	}
	if len(inc.Alarms) > 0 {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(alarmLines(inc.Alarms)), nil, nil))
	}
	blocks = append(blocks, slack.NewSectionBlock(nil, timeFields(inc), nil))
	if acts := headerActions(inc); len(acts) > 0 {
		blocks = append(blocks, slack.NewActionBlock(blockID(inc.ID, ""), acts...))
	}
	return append(blocks, slack.NewContextBlock("", mrkdwn(headerContext(inc))))
}

// alarmLines lists linked alarms, firing ones first in the order they joined.
func alarmLines(alarms []incident.LinkedAlarm) string {
	var firing, quiet []string
	for _, a := range alarms {
		line := fmt.Sprintf("• %s — %s since %s · alarmed %d× · %s",
			Escape(a.Name), Escape(string(a.State)), clock(a.ChangedAt), a.Alarms, plural(a.Flaps, "flap"))
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
	return fmt.Sprintf("*Alarms* (%d firing)\n%s%s", len(firing), strings.Join(lines, "\n"), more)
}

func timeFields(inc incident.Incident) []*slack.TextBlockObject {
	started := stamp(inc.StartedAt)
	if inc.StartMethod != "" {
		started += "\n_" + Escape(inc.StartMethod) + "_"
	}
	return []*slack.TextBlockObject{
		field("Started", started),
		field("Detected", stamp(inc.DetectedAt)),
		field("Acknowledged", stamp(inc.AcknowledgedAt)),
		field("Mitigated", stamp(inc.MitigatedAt)),
		field("Resolved", stamp(inc.ResolvedAt)),
		field("Closed", stamp(inc.ClosedAt)),
	}
}

// headerActions are the buttons for what can happen next.
func headerActions(inc incident.Incident) []slack.BlockElement {
	ref := blockID(inc.ID, "")
	var out []slack.BlockElement
	if inc.Status == incident.StatusDetected || inc.Status == incident.StatusDeclared {
		out = append(out, button(ActionAck, ref, "Acknowledge", slack.StylePrimary))
	}
	if inc.Open() && incident.CanTransition(inc.Status, incident.StatusMitigated) == nil {
		out = append(out, button(ActionMitigated, ref, "Mitigated", ""))
	}
	if inc.Open() {
		// The value carries the severity, so that the resolve form can say how grave it is.
		out = append(out, button(ActionResolve, blockID(inc.ID, inc.Severity.String()), "Resolve", ""))
		for i, name := range suggestedRunbooks(inc) {
			out = append(out, button(ActionRunbook+":"+strconv.Itoa(i), name, "Run "+name, ""))
		}
	}
	return append(out, button(ActionNote, ref, "Add note", ""))
}

// suggestedRunbooks are the runbook names in inc.Extra["runbooks"]
// (comma-separated), at most 20 (a header's buttons are limited to 25).
func suggestedRunbooks(inc incident.Incident) []string {
	var out []string
	for n := range strings.SplitSeq(inc.Extra["runbooks"], ",") {
		if n = strings.TrimSpace(n); validName(n) && len(out) < 20 {
			out = append(out, n)
		}
	}
	return out
}

func headerContext(inc incident.Incident) string {
	parts := []string{"Source: " + orDash(Escape(inc.Source))}
	if inc.Playbook != "" {
		parts = append(parts, "Playbook: "+Escape(inc.Playbook))
	}
	if inc.Reopens > 0 {
		parts = append(parts, "Reopened "+plural(inc.Reopens, "time"))
	}
	if !inc.UpdatedAt.IsZero() {
		parts = append(parts, "Updated "+stamp(inc.UpdatedAt))
	}
	return strings.Join(parts, " · ")
}

// announcementBlocks announce an incident in the announcements channel.
// text, if any, is an extra line of mrkdwn from dispatch (a broadcast status
// update), passed through SafeMrkdwn.
func announcementBlocks(inc incident.Incident, text string) []slack.Block {
	body := fmt.Sprintf(":rotating_light: *%s · %s · %s*\nStatus: %s · Service: %s · Join %s",
		inc.ID, inc.Severity, Escape(inc.Title), Escape(string(inc.Status)), orDash(Escape(inc.Service)), channelRef(inc.Channel))
	if text != "" {
		body += "\n" + SafeMrkdwn(text)
	}
	return []slack.Block{
		slack.NewSectionBlock(mrkdwn(body), nil, nil, slack.SectionBlockOptionBlockID(blockID(inc.ID, "announce"))),
		slack.NewContextBlock("", mrkdwn("Started "+stamp(inc.StartedAt))),
	}
}

// blockID is the id of a block that belongs to an incident: "inc:42", or
// "inc:42:<suffix>". Button handlers read the incident back from it.
func blockID(id incident.ID, suffix string) string {
	s := "inc:" + strconv.FormatUint(uint64(id), 10)
	if suffix != "" {
		s += ":" + suffix
	}
	return s
}

// parseBlockID reads "inc:42[:rest]" (also a button value of that form).
func parseBlockID(s string) (incident.ID, string, bool) {
	num, ok := strings.CutPrefix(s, "inc:")
	if !ok {
		return 0, "", false
	}
	num, rest, _ := strings.Cut(num, ":")
	n, err := strconv.ParseUint(num, 10, 64)
	if err != nil || n == 0 {
		return 0, "", false
	}
	return incident.ID(n), rest, true
}

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

// mrkdwn is a mrkdwn text object; callers escape what they put in it.
func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, truncate(s, 3000), false, false)
}

// field is a section field; Slack allows 2,000 characters in one.
func field(label, value string) *slack.TextBlockObject {
	return mrkdwn(truncate("*"+label+"*\n"+value, 2000))
}

func button(actionID, value, label string, style slack.Style) *slack.ButtonBlockElement {
	b := slack.NewButtonBlockElement(actionID, value, plain(truncate(label, 75)))
	b.Style = style
	return b
}

func channelRef(c incident.Channel) string {
	if c.ID == "" || !channelIDPattern.MatchString(c.ID) {
		return "—"
	}
	return "<#" + c.ID + ">"
}

// stamp renders a time in UTC, or a dash when it is not known.
func stamp(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// when renders a time so that each reader sees it in their own time zone
// (Slack's <!date^…> formatting), with the time in UTC where a client
// cannot format it.
func when(t time.Time) string {
	return fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>", t.Unix(), t.UTC().Format("2006-01-02 15:04 UTC"))
}

func clock(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("15:04 UTC")
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
