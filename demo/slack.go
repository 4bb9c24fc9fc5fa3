package demo

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/tocsin-dev/tocsin/bot"
	"github.com/tocsin-dev/tocsin/sim"
)

// This file is the demo's Slack client side: what Slack itself sends to
// tocsin when a person types /incident or clicks a button, signed with the
// app's signing secret as Slack signs it.

// slash sends "/incident text" typed by user in a channel, as Slack's
// signed slash-command request, and returns the immediate answer and the
// id of the response_url the real answer will be posted to.
func (w *demoWorld) slash(user demoUser, channelID, text string) (immediate, responseID string, err error) {
	n := w.next()
	responseID = fmt.Sprintf("%s-%d", user.Name, n)
	form := url.Values{
		"command": {"/incident"}, "text": {text}, "user_id": {user.ID}, "user_name": {user.Name},
		"channel_id": {channelID}, "channel_name": {w.channelName(channelID)}, "team_id": {sim.SlackTeamID},
		"team_domain": {sim.SlackTeamName}, "trigger_id": {fmt.Sprintf("%d.%d.demo", time.Now().Unix(), n)},
		"response_url": {w.slack.ResponseURL(responseID)}, "api_app_id": {"A0TOCSINDEMO"},
	}
	body, err := w.postSigned("/slack/commands", form)
	if err != nil {
		return "", "", err
	}
	var reply struct {
		Text string `json:"text"`
	}
	_ = json.Unmarshal(body, &reply)
	return reply.Text, responseID, nil
}

// click sends the block_actions interaction of user clicking b.
func (w *demoWorld) click(user demoUser, b demoButton) (responseID string, err error) {
	n := w.next()
	responseID = fmt.Sprintf("%s-%d", user.Name, n)
	action := map[string]any{"type": b.Kind, "action_id": b.ActionID, "block_id": b.BlockID,
		"action_ts": fmt.Sprintf("%d.%06d", time.Now().Unix(), n)}
	if b.Kind == "checkboxes" {
		var selected []map[string]any
		if !b.Checked { // the click ticks the box
			selected = append(selected, map[string]any{"value": b.Value, "text": map[string]string{"type": "mrkdwn", "text": "done"}})
		}
		action["selected_options"] = selected
	} else {
		action["value"] = b.Value
		action["text"] = map[string]any{"type": "plain_text", "text": b.Label}
	}
	payload := map[string]any{
		"type": "block_actions", "api_app_id": "A0TOCSINDEMO", "token": "unused",
		"user":       map[string]string{"id": user.ID, "username": user.Name, "team_id": sim.SlackTeamID},
		"team":       map[string]string{"id": sim.SlackTeamID, "domain": sim.SlackTeamName},
		"channel":    map[string]string{"id": b.Channel, "name": w.channelName(b.Channel)},
		"container":  map[string]any{"type": "message", "message_ts": b.TS, "channel_id": b.Channel, "is_ephemeral": false},
		"message":    map[string]any{"type": "message", "ts": b.TS, "user": sim.SlackBotUserID},
		"trigger_id": fmt.Sprintf("%d.%d.demo", time.Now().Unix(), n), "response_url": w.slack.ResponseURL(responseID),
		"actions": []any{action},
	}
	raw, err := json.Marshal(payload)
	if err != nil {
		return "", err
	}
	_, err = w.postSigned("/slack/interactions", url.Values{"payload": {string(raw)}})
	return responseID, err
}

// postSigned POSTs a form to tocsin with Slack's v0 signature.
func (w *demoWorld) postSigned(path string, form url.Values) ([]byte, error) {
	body := form.Encode()
	ts, sig := bot.Sign(w.creds.signingSecret, time.Now(), []byte(body))
	req, err := http.NewRequest(http.MethodPost, w.base+path, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", sig)
	resp, err := w.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("POST %s: %w", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("POST %s: %s: %s", path, resp.Status, strings.TrimSpace(string(b)))
	}
	return b, nil
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
	s = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&", "*", "", "`", "").Replace(s)
	s = leadingEmoji.ReplaceAllString(strings.TrimSpace(s), "")
	return strings.Join(strings.Fields(s), " ")
}
