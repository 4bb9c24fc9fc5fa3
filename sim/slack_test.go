package sim

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"
)

const slackTestToken = "xoxb-123-456-simsecret"

var slackTestUsers = []SlackUser{
	{ID: "U0ALICE", Name: "alice", RealName: "Alice Adams"},
	{ID: "U0BOB", Name: "bob", RealName: "Bob Brown"},
}

// slackMustStart starts a stand-in with the test token and users, and returns it with
// a real slack-go client pointed at it.
func slackMustStart(tb testing.TB, opts SlackOptions) (*Slack, *slack.Client) {
	tb.Helper()
	opts.BotToken = slackTestToken
	if opts.Users == nil {
		opts.Users = slackTestUsers
	}
	s := NewSlack(opts)
	s.Start()
	tb.Cleanup(s.Close)
	return s, slack.New(slackTestToken, slack.OptionAPIURL(s.URL()))
}

// slackMustCreate creates a public channel or fails the test.
func slackMustCreate(tb testing.TB, api *slack.Client, name string) *slack.Channel {
	tb.Helper()
	ch, err := api.CreateConversation(slack.CreateConversationParams{ChannelName: name})
	if err != nil {
		tb.Fatalf("create %s: %v", name, err)
	}
	return ch
}

// slackErrCode returns the ok:false error Slack answered, or "".
func slackErrCode(err error) string {
	var e slack.SlackErrorResponse
	if errors.As(err, &e) {
		return e.Err
	}
	return ""
}

func TestSlack_CreateConversation(t *testing.T) {
	s, api := slackMustStart(t, SlackOptions{})
	ch := slackMustCreate(t, api, "inc-42-db-latency")
	if !strings.HasPrefix(ch.ID, "C") || ch.Name != "inc-42-db-latency" || !ch.IsMember {
		t.Errorf("created channel = %+v", ch)
	}
	got, ok := s.ChannelByName("inc-42-db-latency")
	if !ok || got.ID != ch.ID {
		t.Fatalf("ChannelByName = %+v, %v", got, ok)
	}
	if diff := cmp.Diff([]string{SlackBotUserID}, got.Members); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}
	info, err := api.GetConversationInfo(&slack.GetConversationInfoInput{ChannelID: ch.ID})
	if err != nil || info.Name != ch.Name {
		t.Errorf("conversations.info = %+v, %v", info, err)
	}
}

func TestSlack_CreateConversationErrors(t *testing.T) {
	_, api := slackMustStart(t, SlackOptions{})
	slackMustCreate(t, api, "taken")
	tests := []struct{ name, want string }{
		{"taken", "name_taken"},
		{"Upper", "invalid_name_specials"},
		{"has space", "invalid_name_specials"},
		{"dot.dot", "invalid_name_specials"},
		{strings.Repeat("a", 81), "invalid_name_maxlength"},
		{"---", "invalid_name_punctuation"},
		{"", "invalid_name_required"},
		{strings.Repeat("a", 80), ""},
		{"ok_name-2", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := api.CreateConversation(slack.CreateConversationParams{ChannelName: tt.name})
			if got := slackErrCode(err); got != tt.want || (tt.want == "" && err != nil) {
				t.Errorf("create %q: error %v, want %q", tt.name, err, tt.want)
			}
		})
	}
}

func TestSlack_TopicPurposeInvite(t *testing.T) {
	s, api := slackMustStart(t, SlackOptions{})
	ch := slackMustCreate(t, api, "inc-1")
	if _, err := api.SetTopicOfConversation(ch.ID, "SEV2 · db latency"); err != nil {
		t.Fatalf("setTopic: %v", err)
	}
	if _, err := api.SetPurposeOfConversation(ch.ID, "Incident 1"); err != nil {
		t.Fatalf("setPurpose: %v", err)
	}
	got, err := api.InviteUsersToConversation(ch.ID, "U0ALICE", "U0BOB")
	if err != nil || got.Topic.Value != "SEV2 · db latency" {
		t.Fatalf("invite = %+v, %v", got, err)
	}
	_, err = api.InviteUsersToConversation(ch.ID, "U0ALICE")
	if code := slackErrCode(err); code != "already_in_channel" {
		t.Errorf("second invite: %v, want already_in_channel", err)
	}
	_, err = api.InviteUsersToConversation(ch.ID, "U0NOBODY")
	if code := slackErrCode(err); code != "user_not_found" {
		t.Errorf("invite unknown: %v, want user_not_found", err)
	}
	_, err = api.InviteUsersToConversation("C404", "U0ALICE")
	if code := slackErrCode(err); code != "channel_not_found" {
		t.Errorf("invite to unknown channel: %v, want channel_not_found", err)
	}
	want := SlackChannel{
		ID: ch.ID, Name: "inc-1", Topic: "SEV2 · db latency", Purpose: "Incident 1",
		Members: []string{SlackBotUserID, "U0ALICE", "U0BOB"}, Creator: SlackBotUserID,
	}
	c, _ := s.ChannelByName("inc-1")
	if diff := cmp.Diff(want, c, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Created" }, cmp.Ignore())); diff != "" {
		t.Errorf("channel (-want +got):\n%s", diff)
	}
}

func TestSlack_ListPagination(t *testing.T) {
	_, api := slackMustStart(t, SlackOptions{Channels: []string{"general"}})
	for _, n := range []string{"a1", "a2", "a3", "a4", "inc-target"} {
		slackMustCreate(t, api, n)
	}
	var found *slack.Channel
	cursor, pages := "", 0
	for {
		chans, next, err := api.GetConversations(&slack.GetConversationsParameters{Limit: 2, Cursor: cursor, ExcludeArchived: true})
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		pages++
		for i := range chans {
			if chans[i].Name == "inc-target" {
				found = &chans[i]
			}
		}
		if cursor = next; cursor == "" {
			break
		}
	}
	if found == nil || pages != 3 {
		t.Errorf("found %v after %d pages, want the channel on page 3", found, pages)
	}
	_, _, err := api.GetConversations(&slack.GetConversationsParameters{Cursor: "bogus"})
	if code := slackErrCode(err); code != "invalid_cursor" {
		t.Errorf("bad cursor: %v", err)
	}
}

func TestSlack_ArchiveThenPost(t *testing.T) {
	_, api := slackMustStart(t, SlackOptions{})
	ch := slackMustCreate(t, api, "inc-old")
	if err := api.ArchiveConversation(ch.ID); err != nil {
		t.Fatalf("archive: %v", err)
	}
	_, _, err := api.PostMessage(ch.ID, slack.MsgOptionText("late update", false))
	if code := slackErrCode(err); code != "is_archived" {
		t.Errorf("post to archived: %v, want is_archived", err)
	}
	if code := slackErrCode(api.ArchiveConversation(ch.ID)); code != "already_archived" {
		t.Errorf("second archive: want already_archived")
	}
	chans, _, _ := api.GetConversations(&slack.GetConversationsParameters{ExcludeArchived: true})
	if len(chans) != 0 {
		t.Errorf("exclude_archived listed %d channels", len(chans))
	}
	if err := api.UnArchiveConversation(ch.ID); err != nil {
		t.Fatalf("unarchive: %v", err)
	}
	if _, _, err := api.PostMessage(ch.ID, slack.MsgOptionText("back", false)); err != nil {
		t.Errorf("post after unarchive: %v", err)
	}
}

func TestSlack_PrivateChannel(t *testing.T) {
	s, api := slackMustStart(t, SlackOptions{})
	ch, err := api.CreateConversation(slack.CreateConversationParams{ChannelName: "sec-1", IsPrivate: true})
	if err != nil || !ch.IsPrivate {
		t.Fatalf("create private = %+v, %v", ch, err)
	}
	if _, _, err := api.PostMessage(ch.ID, slack.MsgOptionText("hi", false)); err != nil {
		t.Errorf("bot posts in its own private channel: %v", err)
	}
	if _, _, _, err := api.JoinConversation(ch.ID); err != nil {
		t.Errorf("join own channel: %v", err)
	}
	if got := s.Messages(ch.ID); len(got) != 1 {
		t.Errorf("messages = %d, want 1", len(got))
	}
}

func TestSlack_Rename(t *testing.T) {
	_, api := slackMustStart(t, SlackOptions{Channels: []string{"general"}})
	ch := slackMustCreate(t, api, "inc-standby-a")
	slackMustCreate(t, api, "taken")
	got, err := api.RenameConversation(ch.ID, "inc-7-api-5xx")
	if err != nil || got.Name != "inc-7-api-5xx" || got.ID != ch.ID {
		t.Fatalf("rename = %+v, %v; want %s named inc-7-api-5xx", got, err, ch.ID)
	}
	info, _ := api.GetConversationInfo(&slack.GetConversationInfoInput{ChannelID: ch.ID})
	if info == nil || info.Name != "inc-7-api-5xx" {
		t.Errorf("conversations.info after rename = %+v", info)
	}
	general, _, _ := api.GetConversations(&slack.GetConversationsParameters{})
	var generalID string
	for _, c := range general {
		if c.Name == "general" {
			generalID = c.ID
		}
	}
	for _, c := range []struct{ id, name, want string }{
		{ch.ID, "taken", "name_taken"},
		{ch.ID, "Bad Name", "invalid_name_specials"},
		{generalID, "mine-now", "not_authorized"}, // the bot did not create it
		{"C0NOPE", "x", "channel_not_found"},
	} {
		if _, err := api.RenameConversation(c.id, c.name); err == nil || err.Error() != c.want {
			t.Errorf("rename %s to %q: err = %v, want %s", c.id, c.name, err, c.want)
		}
	}
}
