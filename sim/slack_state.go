package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// SlackChannel is a channel of the simulated workspace.
type SlackChannel struct {
	ID        string
	Name      string
	Topic     string
	Purpose   string
	Members   []string // user IDs, the bot's included when it is a member
	Archived  bool
	Private   bool
	Creator   string
	Created   time.Time
	Bookmarks []SlackBookmark
}

// SlackBookmark is a bookmark added to a channel.
type SlackBookmark struct {
	ID    string
	Title string
	Type  string
	Link  string
	Emoji string
}

// SlackMessage is a message in a channel, thread replies included.
type SlackMessage struct {
	TS        string
	ThreadTS  string // the parent's ts for a reply; empty for a top-level message
	User      string
	Text      string
	Blocks    json.RawMessage // as posted, nil when none
	Edited    int             // how many times chat.update changed it
	Pinned    bool
	Deleted   bool
	Reactions []string // reaction names, in the order they were added
	Files     []string // IDs of the files shared with it
}

// SlackFile is a file uploaded through the files.uploadV2 flow.
type SlackFile struct {
	ID       string
	Name     string
	Title    string
	Channel  string // where it was shared; empty until files.completeUploadExternal
	ThreadTS string
	Data     []byte
}

// SlackEphemeral is a message only one user saw.
type SlackEphemeral struct {
	Channel  string
	User     string
	TS       string
	ThreadTS string
	Text     string
	Blocks   json.RawMessage
}

// SlackView is a modal opened with views.open.
type SlackView struct {
	ID        string
	TriggerID string
	View      json.RawMessage // the view as the client sent it
}

// slackWorkspace is the stand-in's state. It is only touched with Slack.mu held.
type slackWorkspace struct {
	users      map[string]SlackUser
	groups     map[string][]string
	channels   []*slackChannel // in creation order
	seq        int
	lastTS     int64        // microseconds of the last message ts handed out
	files      []*SlackFile // in the order their upload URLs were handed out
	uploads    map[string]*slackUpload
	ephemerals []SlackEphemeral
	views      []SlackView
	triggers   map[string]bool
	responses  []SlackResponsePost
}

// SlackOwnerUserID created the channels that exist before the bot came
// (SlackOptions.Channels).
const SlackOwnerUserID = "U0WSOWNER"

type slackChannel struct {
	SlackChannel
	messages   []*SlackMessage
	topicSet   time.Time
	purposeSet time.Time
}

func slackNewWorkspace(opts SlackOptions) *slackWorkspace {
	w := &slackWorkspace{users: map[string]SlackUser{}, groups: map[string][]string{}, triggers: map[string]bool{}, uploads: map[string]*slackUpload{}}
	w.users[SlackBotUserID] = SlackUser{ID: SlackBotUserID, Name: SlackBotName, RealName: "Tocsin"}
	everyone := []string{SlackBotUserID}
	for _, u := range opts.Users {
		w.users[u.ID] = u
		everyone = append(everyone, u.ID)
	}
	for id, members := range opts.UserGroups {
		w.groups[id] = slices.Clone(members)
	}
	now := opts.Now()
	for _, name := range opts.Channels {
		c := w.addChannel(name, false, now)
		c.Members = slices.Clone(everyone)
		c.Creator = SlackOwnerUserID // there before the bot was installed
	}
	return w
}

// nextID returns a fresh ID like Slack's: a type letter and upper-case digits.
func (w *slackWorkspace) nextID(prefix string) string {
	w.seq++
	return fmt.Sprintf("%s%07d", prefix, w.seq)
}

// nextTS returns a message ts ("1700000000.000100") later than every earlier one.
func (w *slackWorkspace) nextTS(now time.Time) string {
	us := now.UnixMicro()
	if us <= w.lastTS {
		us = w.lastTS + 1
	}
	w.lastTS = us
	return fmt.Sprintf("%d.%06d", us/1e6, us%1e6)
}

func (w *slackWorkspace) addChannel(name string, private bool, now time.Time) *slackChannel {
	c := &slackChannel{SlackChannel: SlackChannel{
		ID: w.nextID("C"), Name: name, Private: private, Creator: SlackBotUserID,
		Created: now, Members: []string{SlackBotUserID},
	}}
	w.channels = append(w.channels, c)
	return c
}

// channel finds a channel by ID, or by name ("#name" or "name") as chat.postMessage allows.
func (w *slackWorkspace) channel(ref string) (*slackChannel, string) {
	for _, c := range w.channels {
		if c.ID == ref || c.Name == strings.TrimPrefix(ref, "#") {
			return c, ""
		}
	}
	return nil, "channel_not_found"
}

// writable finds a channel the bot may post in or change.
func (w *slackWorkspace) writable(ref string) (*slackChannel, string) {
	c, errCode := w.channel(ref)
	switch {
	case errCode != "":
		return nil, errCode
	case c.Archived:
		return nil, "is_archived"
	case c.Private && !c.isMember(SlackBotUserID):
		return nil, "not_in_channel"
	}
	return c, ""
}

func (c *slackChannel) isMember(user string) bool { return slices.Contains(c.Members, user) }

// message finds a message that was not deleted.
func (c *slackChannel) message(ts string) *SlackMessage {
	for _, m := range c.messages {
		if m.TS == ts && !m.Deleted {
			return m
		}
	}
	return nil
}

func (c *slackChannel) snapshot() SlackChannel {
	out := c.SlackChannel
	out.Members = slices.Clone(c.Members)
	out.Bookmarks = slices.Clone(c.Bookmarks)
	return out
}

func (m *SlackMessage) clone() SlackMessage {
	out := *m
	out.Blocks = bytes.Clone(m.Blocks)
	out.Reactions = slices.Clone(m.Reactions)
	out.Files = slices.Clone(m.Files)
	return out
}

// Channels returns every channel, in creation order.
func (s *Slack) Channels() []SlackChannel {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SlackChannel, 0, len(s.ws.channels))
	for _, c := range s.ws.channels {
		out = append(out, c.snapshot())
	}
	return out
}

// ChannelByName finds a channel by its name, without the "#".
func (s *Slack) ChannelByName(name string) (SlackChannel, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.ws.channels {
		if c.Name == name {
			return c.snapshot(), true
		}
	}
	return SlackChannel{}, false
}

// Messages returns a channel's messages, thread replies and deleted ones included,
// oldest first. It returns nil for an unknown channel.
func (s *Slack) Messages(channelID string) []SlackMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, errCode := s.ws.channel(channelID)
	if errCode != "" {
		return nil
	}
	out := make([]SlackMessage, 0, len(c.messages))
	for _, m := range c.messages {
		out = append(out, m.clone())
	}
	return out
}

// Files returns every file whose bytes were uploaded, with the bytes, in upload order.
func (s *Slack) Files() []SlackFile {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SlackFile, 0, len(s.ws.files))
	for _, f := range s.ws.files {
		if !s.ws.uploads[f.ID].received {
			continue
		}
		c := *f
		c.Data = bytes.Clone(f.Data)
		out = append(out, c)
	}
	return out
}

// Ephemerals returns every ephemeral message, oldest first.
func (s *Slack) Ephemerals() []SlackEphemeral {
	s.mu.Lock()
	defer s.mu.Unlock()
	return cloneEach(s.ws.ephemerals, func(e *SlackEphemeral) { e.Blocks = bytes.Clone(e.Blocks) })
}

// Views returns every view opened with views.open, oldest first.
func (s *Slack) Views() []SlackView {
	s.mu.Lock()
	defer s.mu.Unlock()
	return cloneEach(s.ws.views, func(v *SlackView) { v.View = bytes.Clone(v.View) })
}

// cloneEach copies s and lets deep copy what each element would otherwise
// still share with the workspace (its byte slices), so that what a test is
// handed cannot change the workspace behind the lock.
func cloneEach[T any](s []T, deep func(*T)) []T {
	out := slices.Clone(s)
	for i := range out {
		deep(&out[i])
	}
	return out
}
