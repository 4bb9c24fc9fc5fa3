package sim

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/tocsin-dev/tocsin/golden"
)

// TestSlack_ViewRendersBlockKit: the live view shows messages as Slack
// would — header, section text and two-column fields, a checkbox
// accessory, context, buttons in their styles, a divider, an image, and
// mrkdwn with names for mentions, links, emoji, code and dates — and
// escapes what was posted. The page is compared with a golden file.
func TestSlack_ViewRendersBlockKit(t *testing.T) {
	at := time.Date(2024, 5, 1, 14, 30, 0, 0, time.UTC)
	s, api := slackMustStart(t, SlackOptions{Now: func() time.Time { return at },
		Users: []SlackUser{{ID: "U0ALICE", Name: "alice", RealName: "Alice Adams"}, {ID: "U0BOB", Name: "bob"}}})
	ch := slackMustCreate(t, api, "inc-42-api-5xx")
	if _, err := api.SetTopicOfConversation(ch.ID, "SEV2 · acknowledged · IC <@U0ALICE>"); err != nil {
		t.Fatal(err)
	}
	txt := func(typ, s string) *slack.TextBlockObject { return slack.NewTextBlockObject(typ, s, false, false) }
	yesterday := "<!date^1714480200^{date_short_pretty} {time}|2024-04-30 12:30 UTC>"
	today := "<!date^1714572120^{date_short_pretty} {time}|2024-05-01 14:02 UTC>"
	ack := slack.NewButtonBlockElement("tocsin_ack", "inc:42", txt("plain_text", "Acknowledge"))
	ack.Style = slack.StylePrimary
	deny := slack.NewButtonBlockElement("tocsin_deny", "42-7", txt("plain_text", "Deny"))
	deny.Style = slack.StyleDanger
	opt := slack.NewOptionBlockObject("0", txt("mrkdwn", "done"), nil)
	box := slack.NewCheckboxGroupsBlockElement("tocsin_check", opt)
	box.InitialOptions = []*slack.OptionBlockObject{opt}
	blocks := slack.MsgOptionBlocks(
		slack.NewHeaderBlock(txt("plain_text", "INC-42 · SEV2 · API <5xx> & more")),
		slack.NewSectionBlock(txt("mrkdwn", ":large_orange_circle: *Acknowledged*: being worked on\n*Next:* post `/incident status` updates"), nil, nil),
		slack.NewSectionBlock(nil, []*slack.TextBlockObject{txt("mrkdwn", "*Commander*\n<@U0ALICE>"), txt("mrkdwn", "*Open*\nsince "+today),
			txt("mrkdwn", "*Service*\napi"), txt("mrkdwn", "*Impact began*\n"+yesterday+"\n_when the alarm fired_")}, nil),
		slack.NewSectionBlock(txt("mrkdwn", "Check the graph"), nil, slack.NewAccessory(box)),
		slack.NewDividerBlock(),
		slack.NewImageBlock("https://example.com/graph.png", "api-5xx around detection", "", txt("plain_text", "api-5xx")),
		slack.NewActionBlock("inc:42", ack, slack.NewButtonBlockElement("tocsin_note", "inc:42", txt("plain_text", "Add note")), deny),
		slack.NewContextBlock("", txt("mrkdwn", "Declared by <@U0BOB> · <!subteam^S0ONCALL> · <#"+ch.ID+"> · <https://example.com/runbook|runbook> · updated "+today)),
	)
	_, ts, err := api.PostMessage(ch.ID, slack.MsgOptionText("INC-42 · SEV2", false), blocks)
	if err != nil {
		t.Fatal(err)
	}
	if err := api.AddPin(ch.ID, slack.NewRefToMessage(ch.ID, ts)); err != nil {
		t.Fatal(err)
	}
	plain := "&lt;script&gt;alert(1)&lt;/script&gt; <script> *bold* _slanted_ ~struck~ `code` :rotating_light: :unknown_emoji:\n```uptime\n load 0.1```"
	if _, _, err := api.PostMessage(ch.ID, slack.MsgOptionText(plain, false), slack.MsgOptionTS(ts)); err != nil {
		t.Fatal(err)
	}
	var page bytes.Buffer
	if err := s.renderView(&page); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "slack-view.golden"), page.String())
}
