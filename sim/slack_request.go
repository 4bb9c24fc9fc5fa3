package sim

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// This file is Slack's other side: the requests Slack sends an app when a
// person types a slash command or clicks a button, signed with the app's
// signing secret (PROTOCOLS.md 4.1-4.3). Tests, the demo and the benchmark
// drive tocsin's /slack/* routes with them.

// SlackSignature returns the X-Slack-Request-Timestamp and
// X-Slack-Signature values of body sent at at: "v0=" and the hex
// HMAC-SHA256, keyed with secret, of "v0:<timestamp>:<body>".
func SlackSignature(secret string, at time.Time, body []byte) (timestamp, signature string) {
	timestamp = strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + timestamp + ":"))
	mac.Write(body)
	return timestamp, "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// SlackRequestHeader is the header Slack sends body with: a form content
// type and, unless secret is empty, the signature of body at at.
func SlackRequestHeader(secret string, at time.Time, body string) http.Header {
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	if secret != "" {
		ts, sig := SlackSignature(secret, at, []byte(body))
		h.Set("X-Slack-Request-Timestamp", ts)
		h.Set("X-Slack-Signature", sig)
	}
	return h
}

// PostSlack sends body to endpoint as Slack does, signed with secret at at,
// and returns the status and the app's immediate answer. client nil means
// http.DefaultClient.
func PostSlack(ctx context.Context, client *http.Client, endpoint, secret string, at time.Time, body string) (int, []byte, error) {
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header = SlackRequestHeader(secret, at, body)
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("POST %s: %w", endpoint, err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, answer, err
}

// SlashCommand is a slash command as Slack posts it to the app. Empty
// fields are left out, but for the defaults named.
type SlashCommand struct {
	Command     string // /incident, tocsin's
	Text        string
	UserID      string
	UserName    string
	ChannelID   string
	ChannelName string
	TeamID      string // SlackTeamID
	TeamDomain  string // SlackTeamName
	APIAppID    string
	TriggerID   string // a fresh one: tocsin dedupes commands on it
	ResponseURL string // where the app's later answers go (see [Slack.ResponseURL])
}

// Form returns the command's form-encoded body.
func (c SlashCommand) Form() string {
	if c.Command == "" {
		c.Command = "/incident"
	}
	v := url.Values{"command": {c.Command}, "text": {c.Text}}
	for k, s := range map[string]string{
		"user_id": c.UserID, "user_name": c.UserName, "channel_id": c.ChannelID, "channel_name": c.ChannelName,
		"team_id": or(c.TeamID, SlackTeamID), "team_domain": or(c.TeamDomain, SlackTeamName), "api_app_id": c.APIAppID,
		"trigger_id": or(c.TriggerID, NewTriggerID()), "response_url": c.ResponseURL,
	} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v.Encode()
}

// SlackClick is the block_actions interaction of a person clicking one
// element of a message.
type SlackClick struct {
	UserID, UserName       string
	ChannelID, ChannelName string
	// MessageTS is the clicked message's ts; with it the payload carries the
	// container and the message, whose text and author are MessageText and
	// MessageUser (what the payload claims; only the signed user.id counts).
	MessageTS                string
	MessageText, MessageUser string
	APIAppID                 string
	TriggerID                string // a fresh one when empty
	ResponseURL              string
	Action                   SlackAction
}

// SlackAction is the element clicked.
type SlackAction struct {
	Type     string // button (the default) or checkboxes
	ActionID string
	BlockID  string
	Value    string // a button's value
	Text     string // a button's label
	// Selected are a checkbox group's ticked values after the click.
	Selected []string
	ActionTS string // a fresh one when empty: tocsin dedupes clicks on it
}

// Form returns the click's body: payload=<the JSON>, form-encoded.
func (c SlackClick) Form() string {
	p := map[string]any{
		"type": "block_actions", "team": map[string]string{"id": SlackTeamID, "domain": SlackTeamName},
		"user":       map[string]string{"id": c.UserID, "username": c.UserName, "name": c.UserName, "team_id": SlackTeamID},
		"channel":    map[string]string{"id": c.ChannelID, "name": c.ChannelName},
		"trigger_id": or(c.TriggerID, NewTriggerID()), "response_url": c.ResponseURL,
		"actions": []map[string]any{c.Action.payload()},
	}
	if c.APIAppID != "" {
		p["api_app_id"] = c.APIAppID
	}
	if c.MessageTS != "" {
		p["container"] = map[string]any{"type": "message", "message_ts": c.MessageTS, "channel_id": c.ChannelID, "is_ephemeral": false}
		p["message"] = map[string]any{"type": "message", "ts": c.MessageTS, "user": c.MessageUser, "text": c.MessageText}
	}
	raw, _ := json.Marshal(p) // strings and maps of them always encode
	return url.Values{"payload": {string(raw)}}.Encode()
}

func (a SlackAction) payload() map[string]any {
	out := map[string]any{"type": or(a.Type, "button"), "action_id": a.ActionID, "block_id": a.BlockID,
		"action_ts": or(a.ActionTS, newActionTS())}
	if out["type"] == "checkboxes" {
		selected := []map[string]any{}
		for _, v := range a.Selected {
			selected = append(selected, map[string]any{"value": v, "text": map[string]string{"type": "mrkdwn", "text": v}})
		}
		out["selected_options"] = selected
		return out
	}
	out["value"] = a.Value
	if a.Text != "" {
		out["text"] = map[string]string{"type": "plain_text", "text": a.Text}
	}
	return out
}

// NewTriggerID returns a fresh trigger_id of the shape Slack's have.
func NewTriggerID() string {
	return fmt.Sprintf("%d.%d.%s", time.Now().Unix(), randomInt(1e9), randomHex(16))
}

// newActionTS returns a fresh action_ts: a Slack timestamp.
func newActionTS() string {
	return fmt.Sprintf("%d.%06d", time.Now().Unix(), randomInt(1e6))
}

func randomInt(n int64) int64 {
	v, _ := rand.Int(rand.Reader, big.NewInt(n))
	return v.Int64()
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
