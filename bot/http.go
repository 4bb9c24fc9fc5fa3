package bot

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slack-go/slack"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/logsample"
)

// Doer carries out a command a person gave; dispatch's engine is one. It
// decides whether the verified Actor may do it.
type Doer interface {
	Do(ctx context.Context, cmd dispatch.Command) (dispatch.Result, error)
}

// SlackAPI is what the handlers call on Slack themselves: opening the note
// modal, and ephemeral replies when there is no response_url. *slack.Client
// satisfies it.
type SlackAPI interface {
	OpenViewContext(ctx context.Context, triggerID string, view slack.ModalViewRequest) (*slack.ViewResponse, error)
	PostEphemeralContext(ctx context.Context, channelID, userID string, options ...slack.MsgOption) (string, error)
}

// HandlerConfig configures the Slack request handlers.
type HandlerConfig struct {
	// SigningSecret verifies every request. Empty refuses every request.
	SigningSecret string
	// Doer carries out commands.
	Doer Doer
	// Slack opens modals and posts ephemeral replies; nil disables both.
	Slack SlackAPI
	// HTTPClient posts replies to response_url; nil means a 10 s timeout client.
	HTTPClient *http.Client
	// Logger; nil discards.
	Logger *slog.Logger
	// Now is the clock for signatures and relative times; nil means time.Now.
	Now func() time.Time
	// Workers run commands (default 8); QueueSize bounds the commands
	// waiting for one (default 256); JobTimeout bounds one (default 30 s).
	Workers    int
	QueueSize  int
	JobTimeout time.Duration
	// Inbox, when set, keeps acknowledged commands until they have run
	// (inbox.go); nil runs them from memory only.
	Inbox Inbox
	// Alive reports whether the process that took a command (its Boot) is
	// still running, with replicas on one database; ReplayInbox runs again
	// only what a process that is not left. nil: no other process can be
	// running (the bbolt store has one), and what others left is run at
	// start.
	Alive func(ctx context.Context, boot string) (bool, error)
	// Groups forgets a user group's cached members when Slack says they
	// changed (events.go); the Executor is one. nil ignores those events.
	Groups GroupForgetter
	// Registerer, when set, gets tocsin_slack_requests_refused_total.
	Registerer prometheus.Registerer
}

// LogValue shows the configuration without the signing secret.
func (c HandlerConfig) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Bool("signing_secret_set", c.SigningSecret != ""), slog.Int("workers", c.Workers),
		slog.Int("queue_size", c.QueueSize), slog.Duration("job_timeout", c.JobTimeout),
	)
}

// maxBody caps a Slack request's body.
const maxBody = 64 << 10

// User-facing sentences.
const (
	msgWorking     = "Working on it…"
	msgOverloaded  = "tocsin is overloaded; try again in a few seconds."
	msgNotRecorded = "tocsin could not record that (its store is failing), so nothing was done; try again."
	msgInternal    = "Something went wrong; the details are in tocsin's log."
)

// Handlers serve Slack's requests (slash commands, interactivity, events)
// and, in Socket Mode, the same payloads from the socket. Each request is
// verified, its command recorded in the inbox (when there is one),
// acknowledged at once, and run on a bounded pool of workers started by Run.
type Handlers struct {
	cfg     HandlerConfig
	log     *slog.Logger
	now     func() time.Time
	replay  *replayGuard
	events  *recent
	queue   chan func(context.Context)
	replies chan struct{} // bounds replies sent outside the pool
	running sync.WaitGroup
	boot    string // this process's mark on its inbox records
	// refused counts refused requests by reason; sampled keeps their
	// logging to one line a second per client.
	refused *prometheus.CounterVec
	sampled logsample.Sampler
}

// NewHandlers returns handlers for cfg. Call Run to start the workers.
func NewHandlers(cfg HandlerConfig) *Handlers {
	cfg.Workers = cmp.Or(cfg.Workers, 8)
	cfg.QueueSize = cmp.Or(cfg.QueueSize, 256)
	cfg.JobTimeout = cmp.Or(cfg.JobTimeout, 30*time.Second)
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handlers{
		cfg:     cfg,
		log:     log.With("component", "bot"),
		now:     cfg.Now,
		replay:  newReplayGuard(0),
		events:  newRecent(10000, time.Hour),
		queue:   make(chan func(context.Context), cfg.QueueSize),
		replies: make(chan struct{}, 16),
		boot:    rand.Text(),
		refused: refusedCounter(cfg.Registerer),
		sampled: logsample.Sampler{Now: cfg.Now},
	}
}

// Run first runs the commands a crash left in the inbox, then runs the
// workers until ctx is done, and lets the commands already running finish
// (each is bounded by JobTimeout). Commands still queued are dropped from
// memory; those with an inbox record run at the next start.
func (h *Handlers) Run(ctx context.Context) error {
	for range h.cfg.Workers {
		h.running.Add(1)
		go h.work(ctx)
	}
	<-ctx.Done()
	h.running.Wait()
	if n := len(h.queue); n > 0 {
		h.log.Warn("dropping queued Slack commands at shutdown", "count", n)
	}
	return nil
}

func (h *Handlers) work(ctx context.Context) {
	defer h.running.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case job := <-h.queue:
			jctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), h.cfg.JobTimeout)
			job(jctx)
			cancel()
		}
	}
}

// Boot is this process's mark on the inbox records it makes: the name its
// presence must be held under for Alive to see it.
func (h *Handlers) Boot() string { return h.boot }

// submit queues a job without ever blocking; false means the queue is full.
func (h *Handlers) submit(job func(context.Context)) bool {
	select {
	case h.queue <- job:
		return true
	default:
		return false
	}
}

// verified wraps a handler with the checks every Slack request gets: POST,
// a body of at most 64 KiB, a valid signature within the window, no replay.
func (h *Handlers) verified(next func(w http.ResponseWriter, r *http.Request, body []byte)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
			return
		case err != nil:
			http.Error(w, "cannot read request", http.StatusBadRequest)
			return
		}
		now := h.now()
		if err := h.authenticate(r.Header, body, now); err != nil {
			h.refuse(r, err)
			http.Error(w, "invalid signature", http.StatusUnauthorized)
			return
		}
		next(w, r, body)
	})
}

// verifiedForm is verified for the endpoints whose body is a form (slash
// commands, interactions): a malformed form is refused with 400.
func (h *Handlers) verifiedForm(next func(w http.ResponseWriter, form url.Values)) http.Handler {
	return h.verified(func(w http.ResponseWriter, _ *http.Request, body []byte) {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			http.Error(w, "malformed form", http.StatusBadRequest)
			return
		}
		next(w, form)
	})
}

func (h *Handlers) authenticate(header http.Header, body []byte, now time.Time) error {
	if h.cfg.SigningSecret == "" {
		return errors.New("no signing secret is configured")
	}
	if err := Verify(h.cfg.SigningSecret, header, body, now); err != nil {
		return err
	}
	return h.replay.Check(header, now)
}

// Commands handles POST /slack/commands: the /incident slash command.
func (h *Handlers) Commands() http.Handler {
	return h.verifiedForm(func(w http.ResponseWriter, form url.Values) {
		sc := slack.SlashCommand{
			ChannelID: form.Get("channel_id"), UserID: form.Get("user_id"), Command: form.Get("command"),
			Text: form.Get("text"), ResponseURL: form.Get("response_url"), TriggerID: form.Get("trigger_id"),
			TeamID: form.Get("team_id"),
		}
		msg := h.slash(sc)
		if msg.Text == "" && msg.Blocks == nil {
			w.WriteHeader(http.StatusOK) // an empty 200: Slack shows nothing
			return
		}
		writeJSON(w, msg)
	})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v) // a failure means the client went away: nobody to tell

}
