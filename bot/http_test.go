package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/logtest"
	"github.com/tocsin-dev/tocsin/sim"
)

const testSecret = "8f742231b10e8888abcd99yyyzzz85a5"

// fakeDoer records the commands it is given.
type fakeDoer struct {
	called chan dispatch.Command
	mu     sync.Mutex
	res    dispatch.Result
	err    error
}

func newFakeDoer() *fakeDoer { return &fakeDoer{called: make(chan dispatch.Command, 64)} }

func (d *fakeDoer) Do(_ context.Context, cmd dispatch.Command) (dispatch.Result, error) {
	d.mu.Lock()
	res, err := d.res, d.err
	d.mu.Unlock()
	d.called <- cmd
	return res, err
}

// next waits for the next command; the test's own timeout guards a hang.
func (d *fakeDoer) next(t *testing.T) dispatch.Command {
	t.Helper()
	return <-d.called
}

func (d *fakeDoer) none(t *testing.T) {
	t.Helper()
	if n := len(d.called); n != 0 {
		t.Fatalf("the Doer was called %d times, want none", n)
	}
}

// MustHandlers returns handlers whose workers run until the test ends.
func MustHandlers(t *testing.T, cfg HandlerConfig) *Handlers {
	t.Helper()
	if cfg.SigningSecret == "" {
		cfg.SigningSecret = testSecret
	}
	h := NewHandlers(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = h.Run(ctx); close(done) }()
	replayed := make(chan struct{})
	go func() { _ = h.ReplayInbox(ctx); close(replayed) }()
	t.Cleanup(func() { cancel(); <-done; <-replayed })
	return h
}

// signed builds a request signed like Slack's, sent now, by sim's signer
// (written apart from Sign, so each checks the other).
func signed(path, contentType, body string, now time.Time) *http.Request {
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	ts, sig := sim.SlackSignature(testSecret, now, []byte(body))
	r.Header.Set("Content-Type", contentType)
	r.Header.Set(headerTimestamp, ts)
	r.Header.Set(headerSignature, sig)
	return r
}

func slashBody(text, responseURL string) string {
	return sim.SlashCommand{Text: text, UserID: "U0ALICE", UserName: "alice", ChannelID: "C0INC42",
		TriggerID: "1337.42.abcdef", ResponseURL: responseURL}.Form()
}

func serve(h http.Handler, r *http.Request) (*httptest.ResponseRecorder, slack.WebhookMessage) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	var msg slack.WebhookMessage
	_ = json.Unmarshal(rec.Body.Bytes(), &msg)
	return rec, msg
}

// waitForPosts polls the stand-in until n replies reached response URLs.
func waitForPosts(s *sim.Slack, n int) []sim.SlackResponsePost {
	for {
		if posts := s.ResponseURLPosts(); len(posts) >= n {
			return posts
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestHandlers_Commands(t *testing.T) {
	s := MustSlack(t)
	doer := newFakeDoer()
	doer.res = dispatch.Result{Message: "<@U0ALICE> acknowledged INC-42 <!channel>.", Public: true}
	h := MustHandlers(t, HandlerConfig{Doer: doer})

	rec, msg := serve(h.Commands(), signed("/slack/commands", "application/x-www-form-urlencoded", slashBody("ack", s.ResponseURL("r1")), time.Now()))
	if rec.Code != http.StatusOK || msg.Text != msgWorking || msg.ResponseType != slack.ResponseTypeEphemeral {
		t.Fatalf("ack: %d %q", rec.Code, rec.Body)
	}
	want := dispatch.Command{Kind: dispatch.Ack, Actor: "U0ALICE", Channel: "C0INC42", Key: "slack:trigger:1337.42.abcdef"}
	if diff := cmp.Diff(want, doer.next(t), ignoreCommandInternals); diff != "" {
		t.Errorf("command (-want +got):\n%s", diff)
	}
	posts := waitForPosts(s, 1)
	if posts[0].ID != "r1" || posts[0].ResponseType != "in_channel" || posts[0].Text != "<@U0ALICE> acknowledged INC-42 &lt;!channel&gt;." {
		t.Errorf("reply = %+v", posts[0])
	}
}

func TestHandlers_Commands_Refused(t *testing.T) {
	doer := newFakeDoer()
	h := MustHandlers(t, HandlerConfig{Doer: doer})
	now := time.Now()
	body := slashBody("ack", "https://hooks.slack.example/x")
	tests := map[string]*http.Request{
		"BadSignature": func() *http.Request {
			r := signed("/", "application/x-www-form-urlencoded", body, now)
			r.Header.Set(headerSignature, "v0="+strings.Repeat("0", 64))
			return r
		}(),
		"Stale":   signed("/", "application/x-www-form-urlencoded", body, now.Add(-6*time.Minute)),
		"Altered": signed("/", "application/x-www-form-urlencoded", body, now),
		"Missing": httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body)),
	}
	tests["Altered"].Body = http.NoBody
	for name, r := range tests {
		t.Run(name, func(t *testing.T) {
			if rec, _ := serve(h.Commands(), r); rec.Code != http.StatusUnauthorized {
				t.Errorf("status %d, want 401", rec.Code)
			}
		})
	}
	t.Run("Replay", func(t *testing.T) {
		first := signed("/", "application/x-www-form-urlencoded", slashBody("list", ""), now)
		again := signed("/", "application/x-www-form-urlencoded", slashBody("list", ""), now)
		if rec, _ := serve(h.Commands(), first); rec.Code != http.StatusOK {
			t.Fatalf("first: %d", rec.Code)
		}
		doer.next(t)
		if rec, _ := serve(h.Commands(), again); rec.Code != http.StatusUnauthorized {
			t.Errorf("replay: %d, want 401", rec.Code)
		}
	})
	t.Run("TooLarge", func(t *testing.T) {
		r := signed("/", "application/x-www-form-urlencoded", slashBody("note "+strings.Repeat("x", maxBody), ""), now)
		if rec, _ := serve(h.Commands(), r); rec.Code != http.StatusRequestEntityTooLarge {
			t.Errorf("status %d, want 413", rec.Code)
		}
	})
	t.Run("NoSecret", func(t *testing.T) {
		h2 := NewHandlers(HandlerConfig{Doer: doer})
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		ts, sig := Sign("", now, []byte(body))
		r.Header.Set(headerTimestamp, ts)
		r.Header.Set(headerSignature, sig)
		if rec, _ := serve(h2.Commands(), r); rec.Code != http.StatusUnauthorized {
			t.Errorf("status %d, want 401 with no secret configured", rec.Code)
		}
	})
	doer.none(t)
}

func TestHandlers_Commands_Usage(t *testing.T) {
	doer := newFakeDoer()
	h := MustHandlers(t, HandlerConfig{Doer: doer})
	for text, want := range map[string]string{
		"help":   "/incident declare &lt;title&gt;",
		"":       "/incident declare &lt;title&gt;",
		"sev 9":  "/incident sev &lt;1-4",
		"dance":  `unknown subcommand "dance"`,
		"ack me": "ack takes no arguments",
	} {
		rec, msg := serve(h.Commands(), signed("/", "application/x-www-form-urlencoded", slashBody(text, ""), time.Now()))
		shown := msg.Text
		if msg.Blocks != nil {
			walkTexts(t, msg.Blocks.BlockSet, func(_, text string) { shown += "\n" + text })
		}
		if rec.Code != http.StatusOK || msg.ResponseType != slack.ResponseTypeEphemeral || !strings.Contains(shown, want) {
			t.Errorf("%q: %d %q, want %q", text, rec.Code, shown, want)
		}
	}
	doer.none(t)
}

// TestHandlers_SlackVector drives Slack's documented request, at its 2018
// timestamp, through the handler: it verifies, and its empty text is help.
func TestHandlers_SlackVector(t *testing.T) {
	v, header, body := mustLoadVector(t)
	unix := header.Get(headerTimestamp)
	var sec int64
	fmt.Sscan(unix, &sec)
	doer := newFakeDoer()
	h := NewHandlers(HandlerConfig{SigningSecret: v.Secret, Doer: doer, Now: func() time.Time { return time.Unix(sec+60, 0) }})
	r := httptest.NewRequest(http.MethodPost, "/slack/commands", strings.NewReader(string(body)))
	r.Header = header
	rec, msg := serve(h.Commands(), r)
	if rec.Code != http.StatusOK || msg.Blocks == nil {
		t.Fatalf("Slack's vector: %d %s", rec.Code, rec.Body)
	}
	doer.none(t)
}

func TestHandlers_Overloaded(t *testing.T) {
	doer := newFakeDoer()
	h := NewHandlers(HandlerConfig{SigningSecret: testSecret, Doer: doer, QueueSize: 1}) // no workers running
	var texts []string
	for i := range 2 {
		body := slashBody(fmt.Sprintf("note %d", i), "")
		_, msg := serve(h.Commands(), signed("/", "application/x-www-form-urlencoded", body, time.Now()))
		texts = append(texts, msg.Text)
	}
	if diff := cmp.Diff([]string{msgWorking, msgOverloaded}, texts); diff != "" {
		t.Errorf("answers (-want +got):\n%s", diff)
	}
}

func TestHandlers_Answers(t *testing.T) {
	s := MustSlack(t)
	var logs logtest.Buffer
	doer := newFakeDoer()
	h := MustHandlers(t, HandlerConfig{Doer: doer, Logger: newTestLogger(&logs)})
	tests := []struct {
		err  error
		want string
	}{
		{&incident.TransitionError{From: incident.StatusClosed, To: incident.StatusMitigated}, "cannot move an incident from closed to mitigated"},
		{fmt.Errorf("%w: no incident INC-9", incident.ErrNotFound), "no incident INC-9"},
		{errors.New("bolt: database not open at /var/lib/tocsin.db"), msgInternal},
	}
	for i, tt := range tests {
		doer.mu.Lock()
		doer.err = tt.err
		doer.mu.Unlock()
		id := fmt.Sprintf("e%d", i)
		serve(h.Commands(), signed("/", "application/x-www-form-urlencoded", slashBody("mitigated", s.ResponseURL(id)), time.Now()))
		doer.next(t)
		posts := waitForPosts(s, i+1)
		if got := posts[i]; got.ID != id || !strings.Contains(got.Text, tt.want) || got.ResponseType != "ephemeral" {
			t.Errorf("error %v: reply %+v, want %q", tt.err, got, tt.want)
		}
	}
	if !strings.Contains(logs.String(), "database not open") || strings.Contains(logs.String(), "/_sim/") {
		t.Errorf("log %q: want the internal error, never a response_url", logs.String())
	}
}

// TestHandlers_ResponseURLNotLogged: a response_url carries a token; a
// failed reply is logged without it.
func TestHandlers_ResponseURLNotLogged(t *testing.T) {
	var logs logtest.Buffer
	doer := newFakeDoer()
	h := MustHandlers(t, HandlerConfig{Doer: doer, Logger: newTestLogger(&logs)})
	secretURL := "http://127.0.0.1:1/commands/T1/397700885554/96rGlfmibIGlgcZRskXaIFfN"
	serve(h.Commands(), signed("/", "application/x-www-form-urlencoded", slashBody("ack", secretURL), time.Now()))
	doer.next(t)
	for !strings.Contains(logs.String(), "reply to Slack user") {
		time.Sleep(5 * time.Millisecond)
	}
	if strings.Contains(logs.String(), "96rGlfmibIGlgcZRskXaIFfN") {
		t.Errorf("the response_url leaked into the log: %s", logs.String())
	}
}
