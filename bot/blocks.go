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
