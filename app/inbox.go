package app

import (
	"context"
	"strings"
)

// slackInbox keeps acknowledged Slack commands in the store's key-value
// area under inbox/slack/ until they have run (bot.Inbox).
type slackInbox struct{ db Store }

const inboxPrefix = "inbox/slack/"

func (i slackInbox) Keep(ctx context.Context, key string, value []byte) error {
	return i.db.Put(ctx, inboxPrefix+key, value)
}

func (i slackInbox) Drop(ctx context.Context, key string) error {
	return i.db.Delete(ctx, inboxPrefix+key)
}

func (i slackInbox) Left(ctx context.Context) (map[string][]byte, error) {
	all, err := i.db.Scan(inboxPrefix)
	out := make(map[string][]byte, len(all))
	for k, v := range all {
		out[strings.TrimPrefix(k, inboxPrefix)] = v
	}
	return out, err
}
