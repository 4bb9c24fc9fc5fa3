package sim

import (
	"encoding/json"
	"io"
	"maps"
	"math"
	"net/http"
	"strconv"
	"time"
)

// slackWrite sends a reply the way Slack does: JSON with "ok", a Retry-After header
// on 429s, or a plain-text body for the rare non-JSON answers.
func slackWrite(w http.ResponseWriter, rep slackReply) {
	if rep.retryAfter > 0 {
		secs := max(1, int(math.Ceil(rep.retryAfter.Seconds())))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
	}
	if rep.text != "" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(rep.httpStatus())
		_, _ = io.WriteString(w, rep.text)
		return
	}
	body := map[string]any{}
	maps.Copy(body, rep.fields)
	body["ok"] = rep.err == ""
	if rep.err != "" {
		body["error"] = rep.err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(rep.httpStatus())
	_ = json.NewEncoder(w).Encode(body)
}

// slackHijackClose drops the connection without a response, as a crashed proxy would.
func slackHijackClose(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		// Only HTTP/1 connections can be hijacked; the stand-in serves nothing else.
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	_ = conn.Close()
}

// slackChannelJSON renders a channel as conversations.info does.
func slackChannelJSON(c *slackChannel) map[string]any {
	return map[string]any{
		"id":              c.ID,
		"name":            c.Name,
		"name_normalized": c.Name,
		"is_channel":      !c.Private,
		"is_group":        c.Private,
		"is_im":           false,
		"is_mpim":         false,
		"is_private":      c.Private,
		"is_archived":     c.Archived,
		"is_general":      false,
		"is_shared":       false,
		"is_ext_shared":   false,
		"is_org_shared":   false,
		"is_member":       c.isMember(SlackBotUserID),
		"created":         c.Created.Unix(),
		"creator":         c.Creator,
		"context_team_id": SlackTeamID,
		"num_members":     len(c.Members),
		"topic":           slackTopicJSON(c.Topic, c.topicSet),
		"purpose":         slackTopicJSON(c.Purpose, c.purposeSet),
	}
}

func slackTopicJSON(value string, set time.Time) map[string]any {
	out := map[string]any{"value": value, "creator": "", "last_set": 0}
	if !set.IsZero() {
		out["creator"], out["last_set"] = SlackBotUserID, set.Unix()
	}
	return out
}

// slackMessageJSON renders a message as conversations.history does.
func slackMessageJSON(ws *slackWorkspace, c *slackChannel, m *SlackMessage) map[string]any {
	out := map[string]any{"type": "message", "user": m.User, "text": m.Text, "ts": m.TS, "team": SlackTeamID}
	if m.User == SlackBotUserID {
		out["bot_id"] = SlackBotID
	}
	if m.ThreadTS != "" {
		out["thread_ts"] = m.ThreadTS
	}
	if replies := c.replyCount(m.TS); replies > 0 {
		out["thread_ts"], out["reply_count"] = m.TS, replies
	}
	if len(m.Blocks) > 0 {
		out["blocks"] = m.Blocks
	}
	if m.Edited > 0 {
		out["edited"] = map[string]any{"user": m.User, "ts": m.TS}
	}
	if m.Pinned {
		out["pinned_to"] = []string{c.ID}
	}
	if len(m.Reactions) > 0 {
		out["reactions"] = slackReactionsJSON(m.Reactions)
	}
	if len(m.Files) > 0 {
		files := make([]map[string]any, 0, len(m.Files))
		for _, id := range m.Files {
			f := map[string]any{"id": id, "user": m.User}
			if up := ws.uploads[id]; up != nil {
				f["name"], f["title"] = up.file.Name, up.file.Title
			}
			files = append(files, f)
		}
		out["files"] = files
	}
	return out
}

// slackReactionsJSON renders reactions; only the bot reacts through the API, and
// reactions.add refuses a second identical one, so each count is 1.
func slackReactionsJSON(names []string) []map[string]any {
	out := make([]map[string]any, 0, len(names))
	for _, n := range names {
		out = append(out, map[string]any{"name": n, "users": []string{SlackBotUserID}, "count": 1})
	}
	return out
}

func (c *slackChannel) replyCount(ts string) int {
	n := 0
	for _, m := range c.messages {
		if m.ThreadTS == ts && m.TS != ts && !m.Deleted {
			n++
		}
	}
	return n
}

// slackUserJSON renders a user as users.info and users.list do, with the
// fields of Slack's documented users.info example. The stand-in's users
// have no avatars or status; their display name is their username and
// their time zone UTC; the e-mail is there when the user has one.
func slackUserJSON(u SlackUser) map[string]any {
	profile := map[string]any{
		"avatar_hash": "", "status_text": "", "status_emoji": "",
		"real_name": u.RealName, "display_name": u.Name,
		"real_name_normalized": u.RealName, "display_name_normalized": u.Name,
		"team": SlackTeamID,
	}
	if u.Email != "" {
		profile["email"] = u.Email
	}
	return map[string]any{
		"id": u.ID, "team_id": SlackTeamID, "name": u.Name, "deleted": false, "color": "9f69e7",
		"real_name": u.RealName, "tz": "Etc/UTC", "tz_label": "Coordinated Universal Time", "tz_offset": 0,
		"profile":  profile,
		"is_admin": false, "is_owner": false, "is_primary_owner": false, "is_restricted": false,
		"is_ultra_restricted": false, "is_bot": u.ID == SlackBotUserID, "is_app_user": false, "updated": 0,
	}
}
