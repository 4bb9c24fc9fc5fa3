package bot

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/tocsin-dev/tocsin/incident"
)

// ApprovalBlocks ask for approval of a run. They list exactly the document,
// every target and every parameter value, as plain text (never formatted, so
// what the approver reads is what will run), and Approve / Deny buttons whose
// value is the run id.
func ApprovalBlocks(run RunView) []slack.Block {
	intro := fmt.Sprintf(":raised_hand: *Approval needed* to run *%s* for %s, requested by %s.",
		Escape(run.Runbook), run.Incident, mention(run.RequestedBy))
	if !run.Expires.IsZero() {
		intro += "\nThe request expires " + when(run.Expires) + "."
	}
	blocks := []slack.Block{
		// The first block's id finds the request again when it is decided.
		slack.NewSectionBlock(mrkdwn(intro), nil, nil, slack.SectionBlockOptionBlockID(blockID(run.Incident, "approval:"+run.ID))),
		slack.NewSectionBlock(nil, []*slack.TextBlockObject{
			plain("Document: " + orDash(run.Document)),
			plain("Run: " + run.ID),
		}, nil),
	}
	targets := run.Targets
	if len(targets) == 0 && len(run.Params) > 0 { // an automation takes its targets as a parameter
		targets = []string{"given by the parameters below"}
	}
	blocks = append(blocks, plainList("Targets", targets)...)
	blocks = append(blocks, plainList("Parameters", paramLines(run.Params))...)
	approve := button(ActionApprove, run.ID, "Approve", slack.StylePrimary)
	approve.Confirm = slack.NewConfirmationBlockObject(plain("Approve this run?"),
		plain(truncate("Run "+run.Runbook+" ("+run.ID+") "+targetCount(run)+".", 300)),
		plain("Approve"), plain("Cancel"))
	deny := button(ActionDeny, run.ID, "Deny", slack.StyleDanger)
	return append(blocks, slack.NewActionBlock(blockID(run.Incident, "run"), approve, deny))
}

// DecidedApprovalBlocks are an approval request once it is decided
// (approved, denied, expired or cancelled): what was asked, exactly as it
// was shown, then how and by whom it was decided, and no buttons.
func DecidedApprovalBlocks(run RunView, decision, by string, at time.Time) []slack.Block {
	asked := ApprovalBlocks(run)
	blocks := asked[:len(asked)-1] // without the buttons
	var head, line string
	switch decision {
	case "approved":
		head, line = ":white_check_mark: *Approved*", "Approved by "+mention(by)
	case "denied":
		head, line = ":no_entry: *Denied*", "Denied by "+mention(by)+". Nothing was run."
	case "cancelled":
		head, line = ":x: *Cancelled*", "Cancelled by "+mention(by)+". Nothing was run."
	default:
		head, line = ":hourglass: *Expired*", "Expired without enough approvals. Nothing was run."
	}
	if !at.IsZero() {
		line += " · " + when(at)
	}
	intro := fmt.Sprintf("%s: run *%s* for %s, requested by %s.", head, Escape(run.Runbook), run.Incident, mention(run.RequestedBy))
	blocks[0] = slack.NewSectionBlock(mrkdwn(intro), nil, nil, slack.SectionBlockOptionBlockID(blockID(run.Incident, "approval:"+run.ID)))
	return append(blocks, slack.NewContextBlock("", mrkdwn(line)))
}

// paramLines renders parameters as "key = value", sorted by key.
func paramLines(params map[string]string) []string {
	keys := slices.Sorted(maps.Keys(params))
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k + " = " + params[k]
	}
	return out
}

// plainList renders a titled list of plain-text lines, or "none": one line
// a field, ten fields a section; a long list is packed into fields of up to
// 2,000 characters so that even hundreds of targets fit in one message.
func plainList(title string, lines []string) []slack.Block {
	if len(lines) == 0 {
		return []slack.Block{slack.NewSectionBlock(plain(title+": none"), nil, nil)}
	}
	out := []slack.Block{slack.NewSectionBlock(plain(fmt.Sprintf("%s (%d):", title, len(lines))), nil, nil)}
	fieldTexts := lines
	if len(lines) > 30 {
		fieldTexts = packLines(lines, 2000)
	}
	for chunk := range slices.Chunk(fieldTexts, 10) {
		fields := make([]*slack.TextBlockObject, len(chunk))
		for i, f := range chunk {
			fields[i] = plain(truncate(f, 2000))
		}
		out = append(out, slack.NewSectionBlock(nil, fields, nil))
	}
	return out
}

// packLines joins lines with newlines into texts of at most limit runes; a
// longer line is cut with "…".
func packLines(lines []string, limit int) []string {
	var out []string
	cur := ""
	for _, l := range lines {
		l = truncate(l, limit)
		if cur != "" && len([]rune(cur))+1+len([]rune(l)) > limit {
			out = append(out, cur)
			cur = ""
		}
		if cur != "" {
			cur += "\n"
		}
		cur += l
	}
	return append(out, cur)
}

// runStatusBlocks show a run's progress; text is the latest step from
// dispatch (escaped here; its own mrkdwn such as `code` still renders).
func runStatusBlocks(run RunView, text string) []slack.Block {
	var blocks []slack.Block
	// The first block's id finds the message again after a restart.
	id := slack.SectionBlockOptionBlockID(blockID(run.Incident, "runstatus:"+run.ID))
	if run.Runbook != "" || run.Status != "" {
		head := fmt.Sprintf(":gear: Runbook *%s* (run %s) for %s: *%s*",
			orDash(Escape(run.Runbook)), Escape(run.ID), run.Incident, orDash(Escape(run.Status)))
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(head), nil, nil, id))
	}
	if text != "" || len(blocks) == 0 {
		var opts []slack.SectionBlockOption
		if len(blocks) == 0 {
			opts = append(opts, id)
		}
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(orDash(Escape(text))), nil, nil, opts...))
	}
	return blocks
}

// ChecklistItem is one item of a playbook's checklist.
type ChecklistItem struct {
	Text string `json:"text"`
	Done bool   `json:"done,omitempty"`
}

// parseChecklist reads a checklist effect's items: one item a line, or a
// JSON list of strings or of {"text", "done"} objects.
func parseChecklist(s string) ([]ChecklistItem, error) {
	s = strings.TrimSpace(s)
	var items []ChecklistItem
	switch {
	case s == "":
		return nil, errors.New("the checklist has no items")
	case !strings.HasPrefix(s, "["):
		for line := range strings.SplitSeq(s, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				items = append(items, ChecklistItem{Text: line})
			}
		}
		return items, nil
	}
	var names []string
	if err := json.Unmarshal([]byte(s), &names); err == nil {
		for _, n := range names {
			items = append(items, ChecklistItem{Text: n})
		}
		return items, nil
	}
	if err := json.Unmarshal([]byte(s), &items); err != nil {
		return nil, fmt.Errorf("read checklist items: %w", err)
	}
	return items, nil
}

// ChecklistBlocks render a checklist with one checkbox per item (at most 45,
// inside Slack's 50 blocks). Each item's block id is inc:42:item:<index>.
func ChecklistBlocks(id incident.ID, items []ChecklistItem) []slack.Block {
	blocks := []slack.Block{slack.NewSectionBlock(mrkdwn(fmt.Sprintf(":ballot_box_with_check: *Checklist for %s*", id)), nil, nil,
		slack.SectionBlockOptionBlockID(blockID(id, "checklist")))}
	for i, it := range items {
		if i == 45 {
			break
		}
		idx := strconv.Itoa(i)
		opt := slack.NewOptionBlockObject(idx, mrkdwn("done"), nil)
		box := slack.NewCheckboxGroupsBlockElement(ActionCheck, opt)
		if it.Done {
			box.InitialOptions = []*slack.OptionBlockObject{opt}
		}
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(Escape(it.Text)), nil, slack.NewAccessory(box),
			slack.SectionBlockOptionBlockID(blockID(id, "item:"+idx))))
	}
	return blocks
}

// targetCount says where a run will act, for the confirmation dialog.
func targetCount(run RunView) string {
	if len(run.Targets) == 0 {
		return "on the targets in its parameters"
	}
	return "on " + strconv.Itoa(len(run.Targets)) + " target(s)"
}
