package sim

import (
	"errors"
	"fmt"
)

// What the people of the workspace do themselves, as tests and the demo
// make them: post, join.

// PostAs posts a message as a human user, as if typed in Slack, and returns its ts.
// The user joins the channel if needed. The bot cannot edit or delete it.
func (s *Slack) PostAs(channelID, userID, text string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.joinLocked(channelID, userID)
	if err != nil {
		return "", fmt.Errorf("post as %s in %s: %w", userID, channelID, err)
	}
	m := &SlackMessage{TS: s.ws.nextTS(s.slackNow()), User: userID, Text: text}
	c.messages = append(c.messages, m)
	return m.TS, nil
}

// Join makes a human user a member of a channel, as clicking Join (or
// opening the channel and typing) does in Slack.
func (s *Slack) Join(channelID, userID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.joinLocked(channelID, userID); err != nil {
		return fmt.Errorf("%s joins %s: %w", userID, channelID, err)
	}
	return nil
}

// joinLocked adds a known user to a channel that is not archived.
func (s *Slack) joinLocked(channelID, userID string) (*slackChannel, error) {
	c, errCode := s.ws.channel(channelID)
	if errCode == "" && c.Archived {
		errCode = "is_archived"
	}
	if _, ok := s.ws.users[userID]; errCode == "" && !ok {
		errCode = "user_not_found"
	}
	if errCode != "" {
		return nil, errors.New(errCode)
	}
	if !c.isMember(userID) {
		c.Members = append(c.Members, userID)
	}
	return c, nil
}
