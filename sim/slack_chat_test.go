package sim

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"
)

func slackTestBlocks() slack.MsgOption {
	return slack.MsgOptionBlocks(
		slack.NewHeaderBlock(slack.NewTextBlockObject("plain_text", "INC-7 opened", false, false)),
		slack.NewActionBlock("approve",
			slack.NewButtonBlockElement("approve", "42", slack.NewTextBlockObject("plain_text", "Approve", false, false))),
	)
}

func TestSlack_PostUpdatePin(t *testing.T) {
	s, api := slackMustStart(t, SlackOptions{})
	ch := slackMustCreate(t, api, "inc-7")
	gotCh, ts, err := api.PostMessage(ch.ID, slack.MsgOptionText("INC-7 opened", false), slackTestBlocks())
	if err != nil || gotCh != ch.ID {
		t.Fatalf("post = %q, %q, %v", gotCh, ts, err)
	}
	_, ts2, _ := api.PostMessage("#inc-7", slack.MsgOptionText("second", false), slack.MsgOptionTS(ts))
	if ts2 <= ts {
		t.Errorf("ts not increasing: %q then %q", ts, ts2)
	}
	if _, _, _, err := api.UpdateMessage(ch.ID, ts, slack.MsgOptionText("INC-7 resolved", false)); err != nil {
		t.Fatalf("update: %v", err)
	}
	slackMustPin(t, api, ch.ID, ts)
	msgs := s.Messages(ch.ID)
	if len(msgs) != 2 {
		t.Fatalf("messages = %+v", msgs)
	}
	want := SlackMessage{TS: ts, User: SlackBotUserID, Text: "INC-7 resolved", Blocks: msgs[0].Blocks, Edited: 1, Pinned: true}
	if diff := cmp.Diff(want, msgs[0]); diff != "" {
		t.Errorf("message (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"INC-7 opened", "[Approve]"}, SlackBlocksText(msgs[0].Blocks)); diff != "" {
		t.Errorf("blocks text (-want +got):\n%s", diff)
	}
	if msgs[1].ThreadTS != ts {
		t.Errorf("reply thread_ts = %q, want %q", msgs[1].ThreadTS, ts)
	}
	items, _, err := api.ListPins(ch.ID)
	if err != nil || len(items) != 1 || items[0].Message.Timestamp != ts {
		t.Errorf("pins.list = %+v, %v", items, err)
	}
}

// slackMustPin pins ts, then checks that pinning it again, or an unknown message, fails.
func slackMustPin(t *testing.T, api *slack.Client, channel, ts string) {
	t.Helper()
	if err := api.AddPin(channel, slack.NewRefToMessage(channel, ts)); err != nil {
		t.Fatalf("pin: %v", err)
	}
	err := api.AddPin(channel, slack.NewRefToMessage(channel, ts))
	if code := slackErrCode(err); code != "already_pinned" {
		t.Errorf("second pin: %v, want already_pinned", err)
	}
	err = api.AddPin(channel, slack.NewRefToMessage(channel, "1.000001"))
	if code := slackErrCode(err); code != "message_not_found" {
		t.Errorf("pin unknown: %v, want message_not_found", err)
	}
}

func TestSlack_UpdateErrors(t *testing.T) {
	s, api := slackMustStart(t, SlackOptions{Channels: []string{"ops"}})
	ops, _ := s.ChannelByName("ops")
	userTS, err := s.PostAs(ops.ID, "U0ALICE", "hello bot")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, ts, want string }{
		{"NotMine", userTS, "cant_update_message"},
		{"Unknown", "1700000000.000001", "message_not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := api.UpdateMessage(ops.ID, tt.ts, slack.MsgOptionText("x", false))
			if code := slackErrCode(err); code != tt.want {
				t.Errorf("update: %v, want %s", err, tt.want)
			}
		})
	}
	_, _, err = api.DeleteMessage(ops.ID, userTS)
	if code := slackErrCode(err); code != "cant_delete_message" {
		t.Errorf("delete other's: %v", err)
	}
}

func TestSlack_HistoryDeleteReact(t *testing.T) {
	s, api := slackMustStart(t, SlackOptions{})
	ch := slackMustCreate(t, api, "inc-9")
	var stamps []string
	for _, text := range []string{"one", "two", "three"} {
		_, ts, err := api.PostMessage(ch.ID, slack.MsgOptionText(text, false))
		if err != nil {
			t.Fatal(err)
		}
		stamps = append(stamps, ts)
	}
	if _, _, err := api.DeleteMessage(ch.ID, stamps[1]); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if err := api.AddReaction("eyes", slack.NewRefToMessage(ch.ID, stamps[0])); err != nil {
		t.Fatalf("react: %v", err)
	}
	err := api.AddReaction("eyes", slack.NewRefToMessage(ch.ID, stamps[0]))
	if code := slackErrCode(err); code != "already_reacted" {
		t.Errorf("second reaction: %v", err)
	}
	h, err := api.GetConversationHistory(&slack.GetConversationHistoryParameters{ChannelID: ch.ID, Limit: 1})
	if err != nil || len(h.Messages) != 1 || h.Messages[0].Text != "three" || !h.HasMore {
		t.Fatalf("history page 1 = %+v, %v", h, err)
	}
	h, err = api.GetConversationHistory(&slack.GetConversationHistoryParameters{ChannelID: ch.ID, Cursor: h.ResponseMetaData.NextCursor})
	if err != nil || len(h.Messages) != 1 || h.Messages[0].Text != "one" || len(h.Messages[0].Reactions) != 1 {
		t.Errorf("history page 2 = %+v, %v", h, err)
	}
	if got := s.Messages(ch.ID); !got[1].Deleted {
		t.Errorf("deleted message not marked: %+v", got[1])
	}
}

func TestSlack_EphemeralBookmark(t *testing.T) {
	s, api := slackMustStart(t, SlackOptions{})
	ch := slackMustCreate(t, api, "inc-3")
	if _, err := api.InviteUsersToConversation(ch.ID, "U0ALICE"); err != nil {
		t.Fatal(err)
	}
	if _, err := api.PostEphemeral(ch.ID, "U0ALICE", slack.MsgOptionText("only you", false)); err != nil {
		t.Fatalf("ephemeral: %v", err)
	}
	_, err := api.PostEphemeral(ch.ID, "U0BOB", slack.MsgOptionText("x", false))
	if code := slackErrCode(err); code != "user_not_in_channel" {
		t.Errorf("ephemeral to non-member: %v", err)
	}
	if got := s.Ephemerals(); len(got) != 1 || got[0].User != "U0ALICE" || got[0].Text != "only you" {
		t.Errorf("ephemerals = %+v", got)
	}
	b, err := api.AddBookmark(ch.ID, slack.AddBookmarkParameters{Title: "Runbook", Type: "link", Link: "https://runbooks.example/db"})
	if err != nil || b.Title != "Runbook" || b.ChannelID != ch.ID {
		t.Fatalf("bookmark = %+v, %v", b, err)
	}
	_, err = api.AddBookmark(ch.ID, slack.AddBookmarkParameters{Title: "Bad", Type: "link", Link: "not a url"})
	if code := slackErrCode(err); code != "invalid_link" {
		t.Errorf("bad link: %v", err)
	}
	c, _ := s.ChannelByName("inc-3")
	if len(c.Bookmarks) != 1 || c.Bookmarks[0].Link != "https://runbooks.example/db" {
		t.Errorf("bookmarks = %+v", c.Bookmarks)
	}
}

func TestSlack_BlocksText(t *testing.T) {
	tests := []struct {
		name, blocks string
		want         []string
	}{
		{"Empty", ``, nil},
		{"Invalid", `{`, nil},
		{"Section", `[{"type":"section","text":{"type":"mrkdwn","text":"*db* slow"},"accessory":{"type":"button","text":{"type":"plain_text","text":"Ack"}}}]`, []string{"*db* slow [Ack]"}},
		{"Fields", `[{"type":"section","fields":[{"type":"mrkdwn","text":"a"},{"type":"mrkdwn","text":"b"}]}]`, []string{"a b"}},
		{"Context", `[{"type":"context","elements":[{"type":"mrkdwn","text":"by alice"},{"type":"image","alt_text":"logo"}]}]`, []string{"by alice [image: logo]"}},
		{"Divider", `[{"type":"divider"}]`, []string{"———"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, SlackBlocksText(json.RawMessage(tt.blocks))); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestSlack_ConcurrentPosts(t *testing.T) {
	s, api := slackMustStart(t, SlackOptions{Channels: []string{"storm"}})
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			if _, _, err := api.PostMessage("storm", slack.MsgOptionText(strconv.Itoa(i), false)); err != nil {
				t.Errorf("post %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	c, _ := s.ChannelByName("storm")
	seen := map[string]bool{}
	for _, m := range s.Messages(c.ID) {
		if seen[m.TS] {
			t.Errorf("duplicate ts %s", m.TS)
		}
		seen[m.TS] = true
	}
	if len(seen) != 20 {
		t.Errorf("got %d messages, want 20", len(seen))
	}
}

func TestSlack_NoText(t *testing.T) {
	_, api := slackMustStart(t, SlackOptions{})
	ch := slackMustCreate(t, api, "inc-5")
	_, _, err := api.PostMessage(ch.ID)
	if code := slackErrCode(err); code != "no_text" {
		t.Errorf("empty post: %v", err)
	}
	_, _, err = api.PostMessage(ch.ID, slack.MsgOptionText(strings.Repeat("x", 40001), false))
	if code := slackErrCode(err); code != "msg_too_long" {
		t.Errorf("long post: %v", err)
	}
}
