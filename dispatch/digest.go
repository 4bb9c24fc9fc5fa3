package dispatch

import (
	"context"
	"encoding/base64"
	"errors"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
)

// DigestPost is one weekly digest as the engine hands it to Slack: the
// channel, the text (Markdown) and an optional trend chart (PNG).
type DigestPost struct {
	Due     time.Time // the scheduled time it is for
	Channel string
	Text    string
	Chart   []byte
}

// Digest enqueues the digest's message, and its chart after it, as outbox
// effects: paced and retried like every Slack call, and posted once. The
// idempotency key is the scheduled time, so a second call for the same
// week (a restart before the schedule recorded the first) changes nothing.
func (e *Engine) Digest(ctx context.Context, d DigestPost) error {
	if d.Channel == "" || d.Text == "" {
		return errors.New("a digest needs a channel and text")
	}
	key := "digest/" + d.Due.UTC().Format(time.RFC3339)
	now := e.cfg.Now()
	data := map[string]string{"channel": d.Channel, "part": "text", "text": d.Text}
	if len(d.Chart) > 0 {
		data["chart"] = base64.StdEncoding.EncodeToString(d.Chart)
	}
	return e.update(ctx, func(tx incident.Tx) error {
		if seen, err := tx.Seen(key); err != nil || seen {
			return err
		}
		if err := tx.Remember(key, now); err != nil {
			return err
		}
		return tx.Enqueue(incident.Effect{Kind: EffSlackDigest, Data: data, CreatedAt: now})
	})
}
