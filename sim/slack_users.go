package sim

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"maps"
	"mime"
	"net/url"
	"slices"
	"strings"
	"time"
)

func slackAuthTest(*Slack, *slackRequest) slackReply {
	return slackOK(map[string]any{
		"url": "https://" + SlackTeamName + ".slack.com/", "team": SlackTeamName,
		"user": SlackBotName, "team_id": SlackTeamID, "user_id": SlackBotUserID,
		"bot_id": SlackBotID, "is_enterprise_install": false,
	})
}

func slackUsersInfo(s *Slack, q *slackRequest) slackReply {
	u, ok := s.ws.users[q.params["user"]]
	if !ok {
		return slackFail("user_not_found")
	}
	return slackOK(map[string]any{"user": slackUserJSON(u)})
}

// slackUsersLookupByEmail finds a user by e-mail, case-insensitively as
// Slack does; users_not_found when nobody has it.
func slackUsersLookupByEmail(s *Slack, q *slackRequest) slackReply {
	email := strings.TrimSpace(q.params["email"])
	if email == "" {
		return slackFail("invalid_email")
	}
	for _, u := range s.ws.users {
		if u.Email != "" && strings.EqualFold(u.Email, email) {
			return slackOK(map[string]any{"user": slackUserJSON(u)})
		}
	}
	return slackFail("users_not_found")
}

// slackUsersList answers users.list like Slack: every user (the bot
// included), sorted by id, in pages of limit (no limit: all at once, which
// Slack allows for small workspaces) with a cursor naming the next user.
func slackUsersList(s *Slack, q *slackRequest) slackReply {
	ids := slices.Sorted(maps.Keys(s.ws.users))
	start := 0
	if c := q.params["cursor"]; c != "" {
		raw, err := base64.StdEncoding.DecodeString(c)
		id, ok := strings.CutPrefix(string(raw), "user:")
		if start = slices.Index(ids, id); err != nil || !ok || start < 0 {
			return slackFail("invalid_cursor")
		}
	}
	end := min(len(ids), start+slackLimit(q.params["limit"], len(ids), 1000))
	if q.params["limit"] == "0" || q.params["limit"] == "" {
		end = len(ids)
	}
	members := make([]map[string]any, 0, end-start)
	for _, id := range ids[start:end] {
		members = append(members, slackUserJSON(s.ws.users[id]))
	}
	next := ""
	if end < len(ids) {
		next = base64.StdEncoding.EncodeToString([]byte("user:" + ids[end]))
	}
	return slackOK(map[string]any{"members": members, "cache_ts": s.slackNow().Unix(),
		"response_metadata": map[string]any{"next_cursor": next}})
}

func slackUsergroupsUsersList(s *Slack, q *slackRequest) slackReply {
	members, ok := s.ws.groups[q.params["usergroup"]]
	if !ok {
		return slackFail("no_such_subteam")
	}
	return slackOK(map[string]any{"users": slices.Clone(members)})
}

// slackViewsOpen records a modal. A trigger_id can be exchanged only once; the
// stand-in does not model its 3-second expiry.
func slackViewsOpen(s *Slack, q *slackRequest) slackReply {
	trigger := q.params["trigger_id"]
	var view map[string]any
	if err := json.Unmarshal([]byte(q.params["view"]), &view); err != nil || trigger == "" {
		return slackFail("invalid_arguments")
	}
	if view["type"] != "modal" {
		return slackFail("invalid_arguments")
	}
	if s.ws.triggers[trigger] {
		return slackFail("exchanged_trigger_id")
	}
	s.ws.triggers[trigger] = true
	v := SlackView{ID: s.ws.nextID("V"), TriggerID: trigger, View: json.RawMessage(q.params["view"])}
	s.ws.views = append(s.ws.views, v)
	view["id"], view["team_id"], view["app_id"], view["bot_id"] = v.ID, SlackTeamID, "A0TOCSIN", SlackBotID
	view["state"] = map[string]any{"values": map[string]any{}}
	view["hash"] = v.ID + ".hash"
	return slackOK(map[string]any{"view": view})
}

// SlackResponsePost is a JSON message posted to a response_url.
type SlackResponsePost struct {
	ID              string // the id given to [Slack.ResponseURL]
	Body            json.RawMessage
	Text            string
	ResponseType    string // "ephemeral" or "in_channel"
	ReplaceOriginal bool
	DeleteOriginal  bool
	At              time.Time
}

// ResponseURL returns a response_url on this server, to put in simulated slash
// commands and interactions; what is posted to it is kept for ResponseURLPosts.
func (s *Slack) ResponseURL(id string) string {
	return strings.TrimSuffix(s.URL(), "/") + slackResponsePath + url.PathEscape(id)
}

// ResponseURLPosts returns what was posted to response URLs, oldest first.
func (s *Slack) ResponseURLPosts() []SlackResponsePost {
	s.mu.Lock()
	defer s.mu.Unlock()
	return cloneEach(s.ws.responses, func(r *SlackResponsePost) { r.Body = bytes.Clone(r.Body) })
}

func slackResponseURLPost(s *Slack, q *slackRequest) slackReply {
	var msg struct {
		Text            string `json:"text"`
		ResponseType    string `json:"response_type"`
		ReplaceOriginal bool   `json:"replace_original"`
		DeleteOriginal  bool   `json:"delete_original"`
	}
	mt, _, _ := mime.ParseMediaType(q.contentType)
	if mt != "application/json" || json.Unmarshal(q.body, &msg) != nil {
		return slackFail("invalid_payload")
	}
	s.ws.responses = append(s.ws.responses, SlackResponsePost{
		ID: q.pathID, Body: bytes.Clone(q.body), Text: msg.Text, ResponseType: msg.ResponseType,
		ReplaceOriginal: msg.ReplaceOriginal, DeleteOriginal: msg.DeleteOriginal, At: s.slackNow(),
	})
	return slackOK(nil)
}

// AddUser adds a person to the workspace (or changes their names), as
// someone joining Slack or editing their profile would.
func (s *Slack) AddUser(u SlackUser) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ws.users[u.ID] = u
}
