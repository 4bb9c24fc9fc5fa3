package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/tocsin-dev/tocsin/sim"
)

// This file is the demo's Slack client side: what Slack itself sends to
// tocsin when a person types /incident or clicks a button, signed with the
// app's signing secret as Slack signs it.

// slash sends "/incident text" typed by user in a channel, as Slack's
// signed slash-command request, and returns the immediate answer's lines
// and the id of the response_url the real answer will be posted to.
func (w *demoWorld) slash(user demoUser, channelID, text string) (immediate []string, responseID string, err error) {
	responseID = fmt.Sprintf("%s-%d", user.Name, w.next())
	body, err := w.postSigned("/slack/commands", sim.SlashCommand{Text: text, UserID: user.ID, UserName: user.Name,
		ChannelID: channelID, ChannelName: w.channelName(channelID), APIAppID: demoAppID,
		ResponseURL: w.slack.ResponseURL(responseID)}.Form())
	if err != nil {
		return nil, "", err
	}
	return w.answerLines(body), responseID, nil
}

// click sends the block_actions interaction of user clicking b.
func (w *demoWorld) click(user demoUser, b demoButton) (responseID string, err error) {
	responseID = fmt.Sprintf("%s-%d", user.Name, w.next())
	action := sim.SlackAction{Type: b.Kind, ActionID: b.ActionID, BlockID: b.BlockID, Value: b.Value, Text: b.Label}
	if b.Kind == "checkboxes" && !b.Checked { // the click ticks the box
		action.Selected = []string{b.Value}
	}
	_, err = w.postSigned("/slack/interactions", sim.SlackClick{UserID: user.ID, UserName: user.Name,
		ChannelID: b.Channel, ChannelName: w.channelName(b.Channel), MessageTS: b.TS, MessageUser: sim.SlackBotUserID,
		APIAppID: demoAppID, ResponseURL: w.slack.ResponseURL(responseID), Action: action}.Form())
	return responseID, err
}

// demoAppID is the Slack app the demo's requests come from.
const demoAppID = "A0TOCSINDEMO"

// postSigned POSTs a form to tocsin with Slack's v0 signature.
func (w *demoWorld) postSigned(path, body string) ([]byte, error) {
	code, answer, err := sim.PostSlack(context.Background(), w.client, w.base+path, w.creds.signingSecret, time.Now(), body)
	if err != nil {
		return nil, err
	}
	if code != http.StatusOK {
		return nil, fmt.Errorf("POST %s: %d %s: %s", path, code, http.StatusText(code), strings.TrimSpace(string(answer)))
	}
	return answer, nil
}

// reply returns the answer posted to a response_url, if it has come.
func (w *demoWorld) reply(responseID string) (sim.SlackResponsePost, bool) {
	for _, p := range w.slack.ResponseURLPosts() {
		if p.ID == responseID {
			return p, true
		}
	}
	return sim.SlackResponsePost{}, false
}

// demoButton is one clickable element of a message tocsin posted.
type demoButton struct {
	Channel, TS              string
	Kind                     string // "button" or "checkboxes"
	ActionID, BlockID, Value string
	Label                    string
	Checked                  bool
}

// block is the part of a Block Kit block the demo reads buttons from.
type block struct {
	Type      string          `json:"type"`
	BlockID   string          `json:"block_id"`
	Text      json.RawMessage `json:"text"`
	Elements  []element       `json:"elements"`
	Accessory *element        `json:"accessory"`
}

type element struct {
	Type     string          `json:"type"`
	ActionID string          `json:"action_id"`
	Value    string          `json:"value"`
	Text     json.RawMessage `json:"text"` // an object for buttons, a string in context blocks
	Options  []struct {
		Value string `json:"value"`
	} `json:"options"`
	InitialOptions []struct {
		Value string `json:"value"`
	} `json:"initial_options"`
}

// buttons lists the buttons and checkboxes of a message, in order.
func buttons(channel string, m sim.SlackMessage) []demoButton {
	var bs []block
	if len(m.Blocks) == 0 || json.Unmarshal(m.Blocks, &bs) != nil {
		return nil
	}
	var out []demoButton
	for _, b := range bs {
		for _, e := range b.Elements {
			if e.Type == "button" {
				out = append(out, demoButton{Channel: channel, TS: m.TS, Kind: "button", ActionID: e.ActionID,
					BlockID: b.BlockID, Value: e.Value, Label: textOf(e.Text)})
			}
		}
		if a := b.Accessory; a != nil && a.Type == "checkboxes" && len(a.Options) > 0 {
			checked, box := len(a.InitialOptions) > 0, "☐ "
			if checked {
				box = "☑ "
			}
			out = append(out, demoButton{Channel: channel, TS: m.TS, Kind: "checkboxes", ActionID: a.ActionID,
				BlockID: b.BlockID, Value: a.Options[0].Value, Label: box + textOf(b.Text), Checked: checked})
		}
	}
	return out
}

func textOf(raw json.RawMessage) string {
	var t struct {
		Text string `json:"text"`
	}
	_ = json.Unmarshal(raw, &t)
	return t.Text
}

// channelName is a channel's name (without #), or its id when unknown.
func (w *demoWorld) channelName(id string) string {
	for _, c := range w.slack.Channels() {
		if c.ID == id {
			return c.Name
		}
	}
	return id
}

var (
	userMention    = regexp.MustCompile(`<@(U[A-Z0-9]+)(\|[^>]*)?>`)
	groupMention   = regexp.MustCompile(`<!subteam\^(S[A-Z0-9]+)(\|[^>]*)?>`)
	channelMention = regexp.MustCompile(`<#(C[A-Z0-9]+)(\|[^>]*)?>`)
	linkMarkup     = regexp.MustCompile(`<(https?://[^|>]+)\|([^>]+)>`)
	dateMarkup     = regexp.MustCompile(`<!date\^[0-9]+\^[^|>]*\|([^>]+)>`) // Slack's date formatting: its fallback
	leadingEmoji   = regexp.MustCompile(`^(:[a-z0-9_+-]+:\s*)+`)
)

// readable renders Slack mrkdwn for the terminal: mentions by name, links by
// text, no leading emoji codes, one line.
func (w *demoWorld) readable(s string) string {
	s = userMention.ReplaceAllStringFunc(s, func(m string) string {
		id := userMention.FindStringSubmatch(m)[1]
		for _, u := range demoUsers {
			if u.ID == id {
				return "@" + u.Name
			}
		}
		return "@" + id
	})
	s = groupMention.ReplaceAllStringFunc(s, func(m string) string {
		if groupMention.FindStringSubmatch(m)[1] == demoOnCall {
			return "@oncall"
		}
		return "@" + groupMention.FindStringSubmatch(m)[1]
	})
	s = channelMention.ReplaceAllStringFunc(s, func(m string) string {
		return "#" + w.channelName(channelMention.FindStringSubmatch(m)[1])
	})
	s = linkMarkup.ReplaceAllString(s, "$2")
	s = dateMarkup.ReplaceAllString(s, "$1")
	s = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&", "*", "", "`", "").Replace(s)
	s = leadingEmoji.ReplaceAllString(strings.TrimSpace(s), "")
	return strings.Join(strings.Fields(s), " ")
}
