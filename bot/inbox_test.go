package bot

import (
	"context"
	"errors"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/tocsin-dev/tocsin/dispatch"
)

// memInbox is an Inbox in memory, with a switch to fail Keep.
type memInbox struct {
	mu    sync.Mutex
	items map[string][]byte
	fail  error
}

func newMemInbox() *memInbox { return &memInbox{items: map[string][]byte{}} }

func (m *memInbox) Keep(_ context.Context, key string, v []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	m.items[key] = v
	return nil
}

func (m *memInbox) Drop(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.items, key)
	return nil
}

func (m *memInbox) Left(context.Context) (map[string][]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.items), nil
}

func (m *memInbox) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.items)
}

// blockingDoer holds each command until released.
type blockingDoer struct {
	got     chan dispatch.Command
	release chan struct{}
}

func (d *blockingDoer) Do(_ context.Context, cmd dispatch.Command) (dispatch.Result, error) {
	d.got <- cmd
	<-d.release
	return dispatch.Result{Message: "done"}, nil
}

// A command is in the inbox from before its acknowledgement until it has
// run; one the inbox cannot record is refused, and nothing runs.
func TestInbox_KeepsUntilRun(t *testing.T) {
	s := MustSlack(t)
	inbox := newMemInbox()
	doer := &blockingDoer{got: make(chan dispatch.Command, 1), release: make(chan struct{})}
	h := MustHandlers(t, HandlerConfig{Doer: doer, Inbox: inbox})
	_, msg := serve(h.Commands(), signed("/slack/commands", "application/x-www-form-urlencoded", slashBody("ack", s.ResponseURL("r1")), time.Now()))
	if msg.Text != msgWorking {
		t.Fatalf("answer %q", msg.Text)
	}
	cmd := <-doer.got
	if inbox.len() != 1 || inbox.items[cmd.Key] == nil {
		t.Fatalf("while the command runs the inbox holds %v; want its key %s", inbox.items, cmd.Key)
	}
	if strings.Contains(string(inbox.items[cmd.Key]), "response") {
		t.Errorf("the inbox record keeps the response_url: %s", inbox.items[cmd.Key])
	}
	close(doer.release)
	waitForPosts(s, 1)
	deadline := time.Now().Add(5 * time.Second)
	for inbox.len() != 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if inbox.len() != 0 {
		t.Errorf("the inbox still holds %d after the command ran", inbox.len())
	}

	inbox.fail = errors.New("disk full")
	body := strings.Replace(slashBody("ack", s.ResponseURL("r2")), "1337.42.abcdef", "1337.43.abcdef", 1)
	_, msg = serve(h.Commands(), signed("/slack/commands", "application/x-www-form-urlencoded", body, time.Now()))
	if msg.Text != msgNotRecorded {
		t.Errorf("answer when the inbox cannot record: %q; want %q", msg.Text, msgNotRecorded)
	}
	select {
	case c := <-doer.got:
		t.Errorf("a command the inbox could not record ran: %+v", c)
	case <-time.After(50 * time.Millisecond):
	}
}

// What a crash left in the inbox runs when Run starts, its sender is told
// in an ephemeral message, and the inbox is emptied.
func TestInbox_RunsWhatACrashLeft(t *testing.T) {
	s := MustSlack(t)
	inbox := newMemInbox()
	ch, _ := s.ChannelByName("incidents")
	cmd := dispatch.Command{Kind: dispatch.Ack, Incident: 42, Actor: "U0ALICE", Channel: ch.ID, Key: "slack:trigger:9.9.left"}
	v := `{"command":{"Kind":"ack","Incident":42,"Actor":"U0ALICE","Channel":"` + ch.ID + `","Key":"slack:trigger:9.9.left"},"channel":"` + ch.ID + `","user":"U0ALICE"}`
	inbox.items[cmd.Key] = []byte(v)
	inbox.items["slack:trigger:garbage"] = []byte("{not json")
	doer := newFakeDoer()
	doer.res = dispatch.Result{Message: "acknowledged"}
	MustHandlers(t, HandlerConfig{Doer: doer, Inbox: inbox, Slack: slack.New(testToken, slack.OptionAPIURL(s.URL()))})
	got := doer.next(t)
	if got.Key != cmd.Key || got.Kind != dispatch.Ack || got.Incident != 42 || got.Actor != "U0ALICE" {
		t.Errorf("replayed %+v; want %+v", got, cmd)
	}
	deadline := time.Now().Add(5 * time.Second)
	for inbox.len() != 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if inbox.len() != 0 {
		t.Errorf("inbox after the replay: %v", inbox.items)
	}
	if n := s.CallCount("chat.postEphemeral"); n != 1 {
		t.Errorf("%d ephemeral answers; want 1 for the replayed command", n)
	}
}

// With replicas (Alive set) a record another process left is run again
// only once that process is gone, and the record is replayGrace old (a
// process takes its presence moments after it starts). A record of this
// process is never replayed: a worker has it.
func TestInbox_ReplayOnlyWhatTheDeadLeft(t *testing.T) {
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	alive := map[string]bool{"live": true}
	h := NewHandlers(HandlerConfig{SigningSecret: testSecret, Doer: newFakeDoer(), Inbox: newMemInbox(),
		Now:   func() time.Time { return now },
		Alive: func(_ context.Context, boot string) (bool, error) { return alive[boot], nil }})
	for _, c := range []struct {
		name string
		it   inboxItem
		want bool
	}{
		{"a live replica's, a minute old", inboxItem{Boot: "live", At: now.Add(-time.Minute)}, false},
		{"a dead replica's, a minute old", inboxItem{Boot: "dead", At: now.Add(-time.Minute)}, true},
		{"a dead replica's, without a time", inboxItem{Boot: "dead"}, true},
		{"a dead replica's, just now", inboxItem{Boot: "dead", At: now.Add(-time.Second)}, false},
		{"this process's, an hour old", inboxItem{Boot: h.boot, At: now.Add(-time.Hour)}, false},
	} {
		if got, err := h.abandoned(context.Background(), c.it); err != nil || got != c.want {
			t.Errorf("%s: abandoned = %v, %v; want %v", c.name, got, err, c.want)
		}
	}
	h.cfg.Alive = nil // one process owns the store
	if got, _ := h.abandoned(context.Background(), inboxItem{Boot: "other", At: now}); !got {
		t.Error("with one process per store, a record another process left just now is not replayed")
	}
}
