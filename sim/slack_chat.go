package sim

import (
	"encoding/json"
	"net/url"
	"unicode/utf8"
)

// Slack's documented message limits.
const (
	slackMaxTextLen = 40000
	slackMaxBlocks  = 50
)

func slackChatPostMessage(s *Slack, q *slackRequest) slackReply {
	c, errCode := s.ws.writable(q.params["channel"])
	if errCode != "" {
		return slackFail(errCode)
	}
	blocks, errCode := slackMessageContent(q.params)
	if errCode != "" {
		return slackFail(errCode)
	}
	m := &SlackMessage{
		TS: s.ws.nextTS(s.slackNow()), ThreadTS: q.params["thread_ts"],
		User: SlackBotUserID, Text: q.params["text"], Blocks: blocks,
	}
	c.messages = append(c.messages, m)
	return slackOK(map[string]any{"channel": c.ID, "ts": m.TS, "message": slackMessageJSON(s.ws, c, m)})
}

// slackMessageContent checks text and blocks: blocks come as a JSON array in a form
// field, and a message needs one or the other.
func slackMessageContent(params map[string]string) (json.RawMessage, string) {
	text, rawBlocks := params["text"], params["blocks"]
	if utf8.RuneCountInString(text) > slackMaxTextLen {
		return nil, "msg_too_long"
	}
	if rawBlocks == "" {
		if text == "" && params["attachments"] == "" {
			return nil, "no_text"
		}
		return nil, ""
	}
	var blocks []json.RawMessage
	if err := json.Unmarshal([]byte(rawBlocks), &blocks); err != nil {
		return nil, "invalid_blocks_format"
	}
	if len(blocks) > slackMaxBlocks {
		return nil, "invalid_blocks"
	}
	return json.RawMessage(rawBlocks), ""
}

// slackOwnMessage finds a message the bot posted, for chat.update and chat.delete.
func (s *Slack) slackOwnMessage(q *slackRequest, notOwn string) (*slackChannel, *SlackMessage, string) {
	c, errCode := s.ws.writable(q.params["channel"])
	if errCode != "" {
		return nil, nil, errCode
	}
	m := c.message(q.params["ts"])
	switch {
	case m == nil:
		return nil, nil, "message_not_found"
	case m.User != SlackBotUserID:
		return nil, nil, notOwn
	}
	return c, m, ""
}

func slackChatUpdate(s *Slack, q *slackRequest) slackReply {
	c, m, errCode := s.slackOwnMessage(q, "cant_update_message")
	if errCode != "" {
		return slackFail(errCode)
	}
	blocks, errCode := slackMessageContent(q.params)
	if errCode != "" {
		return slackFail(errCode)
	}
	m.Text = q.params["text"]
	if _, ok := q.params["blocks"]; ok {
		m.Blocks = blocks
	}
	m.Edited++
	return slackOK(map[string]any{"channel": c.ID, "ts": m.TS, "text": m.Text, "message": slackMessageJSON(s.ws, c, m)})
}

func slackChatDelete(s *Slack, q *slackRequest) slackReply {
	c, m, errCode := s.slackOwnMessage(q, "cant_delete_message")
	if errCode != "" {
		return slackFail(errCode)
	}
	m.Deleted = true
	return slackOK(map[string]any{"channel": c.ID, "ts": m.TS})
}

func slackChatPostEphemeral(s *Slack, q *slackRequest) slackReply {
	c, errCode := s.ws.writable(q.params["channel"])
	if errCode != "" {
		return slackFail(errCode)
	}
	user := q.params["user"]
	if _, ok := s.ws.users[user]; !ok {
		return slackFail("user_not_found")
	}
	if !c.isMember(user) {
		return slackFail("user_not_in_channel")
	}
	blocks, errCode := slackMessageContent(q.params)
	if errCode != "" {
		return slackFail(errCode)
	}
	e := SlackEphemeral{
		Channel: c.ID, User: user, TS: s.ws.nextTS(s.slackNow()),
		ThreadTS: q.params["thread_ts"], Text: q.params["text"], Blocks: blocks,
	}
	s.ws.ephemerals = append(s.ws.ephemerals, e)
	return slackOK(map[string]any{"message_ts": e.TS})
}

// slackTarget finds the message named by the channel and timestamp parameters.
func (s *Slack) slackTarget(q *slackRequest) (*slackChannel, *SlackMessage, string) {
	c, errCode := s.ws.writable(q.params["channel"])
	if errCode != "" {
		return nil, nil, errCode
	}
	if q.params["timestamp"] == "" {
		return nil, nil, "no_item_specified"
	}
	m := c.message(q.params["timestamp"])
	if m == nil {
		return nil, nil, "message_not_found"
	}
	return c, m, ""
}

func slackPinsAdd(s *Slack, q *slackRequest) slackReply {
	_, m, errCode := s.slackTarget(q)
	switch {
	case errCode != "":
		return slackFail(errCode)
	case m.Pinned:
		return slackFail("already_pinned")
	}
	m.Pinned = true
	return slackOK(nil)
}

func slackPinsList(s *Slack, q *slackRequest) slackReply {
	c, errCode := s.ws.visible(q.params["channel"])
	if errCode != "" {
		return slackFail(errCode)
	}
	items := []map[string]any{}
	for _, m := range c.messages {
		if m.Pinned && !m.Deleted {
			items = append(items, map[string]any{
				"type": "message", "channel": c.ID, "created_by": SlackBotUserID,
				"message": slackMessageJSON(s.ws, c, m),
			})
		}
	}
	paging := map[string]any{"count": len(items), "total": len(items), "page": 1, "pages": 1}
	return slackOK(map[string]any{"items": items, "paging": paging})
}

func slackReactionsAdd(s *Slack, q *slackRequest) slackReply {
	_, m, errCode := s.slackTarget(q)
	name := q.params["name"]
	switch {
	case errCode != "":
		return slackFail(errCode)
	case name == "":
		return slackFail("no_reaction")
	}
	for _, r := range m.Reactions {
		if r == name {
			return slackFail("already_reacted")
		}
	}
	m.Reactions = append(m.Reactions, name)
	return slackOK(nil)
}

func slackBookmarksAdd(s *Slack, q *slackRequest) slackReply {
	c, errCode := s.ws.writable(q.params["channel_id"])
	if errCode != "" {
		return slackFail(errCode)
	}
	link, err := url.Parse(q.params["link"])
	switch {
	case q.params["title"] == "":
		return slackFail("invalid_arguments")
	case q.params["type"] != "link":
		return slackFail("invalid_bookmark_type")
	case err != nil || (link.Scheme != "http" && link.Scheme != "https") || link.Host == "":
		return slackFail("invalid_link")
	}
	b := SlackBookmark{
		ID: s.ws.nextID("Bk"), Title: q.params["title"], Type: "link",
		Link: q.params["link"], Emoji: q.params["emoji"],
	}
	c.Bookmarks = append(c.Bookmarks, b)
	now := s.slackNow().Unix()
	return slackOK(map[string]any{"bookmark": map[string]any{
		"id": b.ID, "channel_id": c.ID, "title": b.Title, "link": b.Link, "emoji": b.Emoji,
		"type": b.Type, "date_created": now, "date_updated": now, "rank": "U",
		"last_updated_by_user_id": SlackBotUserID,
	}})
}
