package sim

import (
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Slack's documented limits for channel names and topics.
const (
	slackMaxNameLen  = 80
	slackMaxTopicLen = 250
)

func slackConversationsCreate(s *Slack, q *slackRequest) slackReply {
	name := q.params["name"]
	if errCode := slackValidName(name); errCode != "" {
		return slackFail(errCode)
	}
	for _, c := range s.ws.channels {
		if c.Name == name {
			return slackFail("name_taken")
		}
	}
	c := s.ws.addChannel(name, q.params["is_private"] == "true", s.slackNow())
	return slackOK(map[string]any{"channel": slackChannelJSON(c)})
}

// slackConversationsRename: only the channel's creator (or an admin, which
// the bot never is) may rename it; the name follows the create rules.
func slackConversationsRename(s *Slack, q *slackRequest) slackReply {
	c, errCode := s.ws.writable(q.params["channel"])
	name := q.params["name"]
	switch {
	case errCode != "":
		return slackFail(errCode)
	case !c.isMember(SlackBotUserID):
		return slackFail("not_in_channel")
	case c.Creator != SlackBotUserID:
		return slackFail("not_authorized")
	}
	if errCode := slackValidName(name); errCode != "" {
		return slackFail(errCode)
	}
	for _, other := range s.ws.channels {
		if other.Name == name && other != c {
			return slackFail("name_taken")
		}
	}
	c.Name = name
	return slackOK(map[string]any{"channel": slackChannelJSON(c)})
}

// slackValidName applies Slack's channel name rules: lower case letters, digits,
// hyphens and underscores, at most 80 characters, not only punctuation.
func slackValidName(name string) string {
	switch {
	case name == "":
		return "invalid_name_required"
	case utf8.RuneCountInString(name) > slackMaxNameLen:
		return "invalid_name_maxlength"
	}
	punctuation := true
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			punctuation = false
		case r == '-', r == '_':
		default:
			return "invalid_name_specials"
		}
	}
	if punctuation {
		return "invalid_name_punctuation"
	}
	return ""
}

// visible finds a channel the bot can see: private channels only when a member.
func (w *slackWorkspace) visible(ref string) (*slackChannel, string) {
	c, errCode := w.channel(ref)
	if errCode == "" && c.Private && !c.isMember(SlackBotUserID) {
		return nil, "channel_not_found"
	}
	return c, errCode
}

func slackConversationsInfo(s *Slack, q *slackRequest) slackReply {
	c, errCode := s.ws.visible(q.params["channel"])
	if errCode != "" {
		return slackFail(errCode)
	}
	return slackOK(map[string]any{"channel": slackChannelJSON(c)})
}

func slackConversationsList(s *Slack, q *slackRequest) slackReply {
	types := strings.Split(slackOr(q.params["types"], "public_channel"), ",")
	excludeArchived := slackBool(q.params["exclude_archived"])
	var found []*slackChannel
	for _, c := range s.ws.channels {
		wanted := (!c.Private && slices.Contains(types, "public_channel")) ||
			(c.Private && slices.Contains(types, "private_channel") && c.isMember(SlackBotUserID))
		if wanted && !(excludeArchived && c.Archived) {
			found = append(found, c)
		}
	}
	start, ok := slackCursorStart(q.params["cursor"], found)
	if !ok {
		return slackFail("invalid_cursor")
	}
	end := min(len(found), start+slackLimit(q.params["limit"], 100, 1000))
	page := make([]map[string]any, 0, end-start)
	for _, c := range found[start:end] {
		page = append(page, slackChannelJSON(c))
	}
	next := ""
	if end < len(found) {
		next = base64.StdEncoding.EncodeToString([]byte("channel:" + found[end].ID))
	}
	return slackOK(map[string]any{"channels": page, "response_metadata": map[string]any{"next_cursor": next}})
}

// slackCursorStart decodes a conversations.list cursor: it names the next channel.
func slackCursorStart(cursor string, found []*slackChannel) (int, bool) {
	if cursor == "" {
		return 0, true
	}
	raw, err := base64.StdEncoding.DecodeString(cursor)
	id, ok := strings.CutPrefix(string(raw), "channel:")
	if err != nil || !ok {
		return 0, false
	}
	i := slices.IndexFunc(found, func(c *slackChannel) bool { return c.ID == id })
	return i, i >= 0
}

// slackLimit parses a "limit" parameter, with Slack's default and maximum.
func slackLimit(v string, def, most int) int {
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return def
	}
	return min(n, most)
}

func slackBool(v string) bool { return v == "true" || v == "1" }

func slackOr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func slackConversationsSetTopic(s *Slack, q *slackRequest) slackReply {
	return slackSetText(s, q, "topic", func(c *slackChannel, v string) { c.Topic, c.topicSet = v, s.slackNow() })
}

func slackConversationsSetPurpose(s *Slack, q *slackRequest) slackReply {
	return slackSetText(s, q, "purpose", func(c *slackChannel, v string) { c.Purpose, c.purposeSet = v, s.slackNow() })
}

func slackSetText(s *Slack, q *slackRequest, field string, set func(*slackChannel, string)) slackReply {
	c, errCode := s.ws.writable(q.params["channel"])
	switch {
	case errCode != "":
		return slackFail(errCode)
	case !c.isMember(SlackBotUserID):
		return slackFail("not_in_channel")
	case utf8.RuneCountInString(q.params[field]) > slackMaxTopicLen:
		return slackFail("too_long")
	}
	set(c, q.params[field])
	return slackOK(map[string]any{"channel": slackChannelJSON(c)})
}

func slackConversationsInvite(s *Slack, q *slackRequest) slackReply {
	c, errCode := s.ws.writable(q.params["channel"])
	if errCode == "" && !c.isMember(SlackBotUserID) {
		errCode = "not_in_channel"
	}
	if errCode != "" {
		return slackFail(errCode)
	}
	var users []string
	for u := range strings.SplitSeq(q.params["users"], ",") {
		if u = strings.TrimSpace(u); u != "" {
			users = append(users, u)
		}
	}
	if len(users) == 0 {
		return slackFail("no_user")
	}
	for _, u := range users {
		if errCode := s.ws.invitable(c, u); errCode != "" {
			return slackFail(errCode)
		}
	}
	for _, u := range users {
		if !c.isMember(u) {
			c.Members = append(c.Members, u)
		}
	}
	return slackOK(map[string]any{"channel": slackChannelJSON(c)})
}

func (w *slackWorkspace) invitable(c *slackChannel, user string) string {
	_, known := w.users[user]
	switch {
	case user == SlackBotUserID:
		return "cant_invite_self"
	case !known:
		return "user_not_found"
	case c.isMember(user):
		return "already_in_channel"
	}
	return ""
}

func slackConversationsJoin(s *Slack, q *slackRequest) slackReply {
	c, errCode := s.ws.visible(q.params["channel"])
	if errCode == "" && c.Archived {
		errCode = "is_archived"
	}
	if errCode != "" {
		return slackFail(errCode)
	}
	out := map[string]any{}
	if c.isMember(SlackBotUserID) {
		out["warning"] = "already_in_channel"
	} else {
		c.Members = append(c.Members, SlackBotUserID)
	}
	out["channel"] = slackChannelJSON(c)
	return slackOK(out)
}

func slackConversationsArchive(s *Slack, q *slackRequest) slackReply {
	return slackSetArchived(s, q, true, "already_archived")
}

func slackConversationsUnarchive(s *Slack, q *slackRequest) slackReply {
	return slackSetArchived(s, q, false, "not_archived")
}

// slackSetArchived archives or unarchives the channel q names, refusing
// with the code already when it is so already. Only a member may archive.
func slackSetArchived(s *Slack, q *slackRequest, archived bool, already string) slackReply {
	c, errCode := s.ws.visible(q.params["channel"])
	switch {
	case errCode != "":
		return slackFail(errCode)
	case c.Archived == archived:
		return slackFail(already)
	case archived && !c.isMember(SlackBotUserID):
		return slackFail("not_in_channel")
	}
	c.Archived = archived
	return slackOK(nil)
}

// slackConversationsHistory lists top-level messages, newest first, in pages.
func slackConversationsHistory(s *Slack, q *slackRequest) slackReply {
	c, errCode := s.ws.visible(q.params["channel"])
	if errCode != "" {
		return slackFail(errCode)
	}
	var top []*SlackMessage
	for _, m := range slices.Backward(c.messages) {
		if m.ThreadTS == "" && !m.Deleted {
			top = append(top, m)
		}
	}
	start, err := strconv.Atoi(slackOr(q.params["cursor"], "0"))
	if err != nil || start < 0 || start > len(top) {
		return slackFail("invalid_cursor")
	}
	end := min(len(top), start+slackLimit(q.params["limit"], 100, 999))
	msgs := make([]map[string]any, 0, end-start)
	for _, m := range top[start:end] {
		msgs = append(msgs, slackMessageJSON(s.ws, c, m))
	}
	next := ""
	if end < len(top) {
		next = strconv.Itoa(end)
	}
	return slackOK(map[string]any{
		"messages": msgs, "has_more": next != "", "pin_count": c.pinCount(),
		"response_metadata": map[string]any{"next_cursor": next},
	})
}

func (c *slackChannel) pinCount() int {
	n := 0
	for _, m := range c.messages {
		if m.Pinned && !m.Deleted {
			n++
		}
	}
	return n
}
