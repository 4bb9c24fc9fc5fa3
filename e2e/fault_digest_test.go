package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tocsin-dev/tocsin/app"
	"github.com/tocsin-dev/tocsin/sim"
	"github.com/tocsin-dev/tocsin/store"
)

// TestFault_CrashDigest: tocsin is killed after Slack took the weekly
// digest and before tocsin recorded it as sent. The digest is an outbox
// effect: after the restart the attempt in doubt finds the message Slack
// took, so the digest is neither lost nor posted twice.
func TestFault_CrashDigest(t *testing.T) {
	t.Parallel()
	s := newFaultStack(t, faultOpts{slack: sim.SlackOptions{Channels: []string{"eng-digest"}}, noStart: true})
	digest, _ := s.sl.ChannelByName("eng-digest")
	s.env["TOCSIN_DIGEST_CHANNEL"] = digest.ID
	s.env["TOCSIN_DIGEST_SCHEDULE"] = "0 9 * * MON"
	db, err := store.Open(s.env["TOCSIN_DB"], store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// The last digest went out nine days ago: one is owed, and sent on start.
	err = db.Put(context.Background(), app.DigestLastRunKey, []byte(time.Now().Add(-9*24*time.Hour).UTC().Format(time.RFC3339Nano)))
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	c := &crash{s: s, fired: map[string]bool{}}
	s.onSlack("chat.postMessage", func(call sim.SlackCall) {
		if call.Params["channel"] == digest.ID {
			c.kill("digest/post")
		}
	})
	s.start()
	s.waitFor("the restart after the kill", func() bool { return c.recover() })
	digests := func() int {
		n := 0
		for _, m := range s.sl.Messages(digest.ID) {
			if strings.Contains(m.Text, "Incident digest") {
				n++
			}
		}
		return n
	}
	s.waitFor("the digest's chart after the restart", func() bool { return len(s.sl.Files()) == 1 })
	s.settle()
	if n := digests(); n != 1 {
		t.Errorf("digests = %d; want the one Slack took before the kill, and no repeat", n)
	}
	s.stop()
	s.start() // recorded now: a further restart sends nothing
	s.settle()
	if n := digests(); n != 1 || len(s.sl.Files()) != 1 {
		t.Errorf("digests after a clean restart = %d (charts %d), want still 1", n, len(s.sl.Files()))
	}
}
