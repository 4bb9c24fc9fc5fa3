package e2e

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/app"
	"github.com/tocsin-dev/tocsin/sim"
)

// TestFault_CrashDigest: tocsin is killed after Slack took the weekly
// digest and before tocsin recorded it as sent. The digest is an outbox
// effect: after the restart the attempt in doubt finds the message Slack
// took, so the digest is neither lost nor posted twice.
func TestFault_CrashDigest(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db func(*testing.T) string) {
		o := faultOptions(faultOpts{db: db(t), slack: sim.SlackOptions{Channels: []string{"eng-digest"}},
			env: map[string]string{"TOCSIN_DIGEST_CHANNEL": "#eng-digest", "TOCSIN_DIGEST_SCHEDULE": "0 9 * * MON"}})
		o.Now = Clock(time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)) // the child's clock: the date is the test's
		s := New(t, o)
		digest, _ := s.Slack.ChannelByName("eng-digest")
		st, err := app.OpenStore(context.Background(), s.Getenv("TOCSIN_DB"), time.Now, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		// The last digest went out nine days ago: one is owed, and sent on start.
		err = st.Put(context.Background(), app.DigestLastRunKey, []byte(s.Now().Add(-9*24*time.Hour).UTC().Format(time.RFC3339Nano)))
		st.Close()
		if err != nil {
			t.Fatal(err)
		}
		c := &crash{t: t, s: s, fired: map[string]bool{}}
		s.OnSlack("chat.postMessage", func(call sim.SlackCall) {
			if call.Params["channel"] == digest.ID {
				c.kill("digest/post")
			}
		})
		s.Start()
		s.WaitFor("the restart after the kill", func() bool { return c.recover() })
		digests := func() int {
			n := 0
			for _, m := range s.Slack.Messages(digest.ID) {
				if strings.Contains(m.Text, "Incident digest") {
					n++
				}
			}
			return n
		}
		s.WaitFor("the digest's chart after the restart", func() bool { return len(s.Slack.Files()) == 1 })
		s.Settle()
		if n := digests(); n != 1 {
			t.Errorf("digests = %d; want the one Slack took before the kill, and no repeat", n)
		}
		s.Stop()
		s.Start() // recorded now: a further restart sends nothing
		s.Settle()
		if n := digests(); n != 1 || len(s.Slack.Files()) != 1 {
			t.Errorf("digests after a clean restart = %d (charts %d), want still 1", n, len(s.Slack.Files()))
		}
	})
}
