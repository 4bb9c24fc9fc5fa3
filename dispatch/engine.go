package dispatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/oncall"
	"github.com/tocsin-dev/tocsin/playbooks"
	"github.com/tocsin-dev/tocsin/runbooks"
)

// Store is the durable state the engine needs: transactions that are on
// disk when they return, and read-only views.
type Store interface {
	Update(ctx context.Context, fn func(incident.Tx) error) error
	View(fn func(incident.Tx) error) error
}

// Lister lists incidents (for /incident list).
type Lister interface {
	Incidents(ctx context.Context, openOnly bool) ([]incident.Incident, error)
}

// ErrOverloaded means the outbox is past its bound: the caller should ask
// for a retry (SNS: 503) instead of queueing more work in memory.
var ErrOverloaded = errors.New("tocsin is overloaded")

// Config holds the engine's dependencies and policy.
type Config struct {
	Store     Store
	Lister    Lister
	Playbooks func() *playbooks.Set // current set (reloadable)
	Runbooks  func() *runbooks.Set
	Now       func() time.Time
	Logger    *slog.Logger

	// StormAfter: once this many incidents opened by one playbook that
	// groups by alarm are open, that playbook's next new alarms join one
	// "alarm storm" incident instead of opening one each (storm.go). 0 never.
	StormAfter int
	// Announce is the announcements channel id ("" = no announcements).
	Announce string
	// DefaultResponders are invited when a playbook names none.
	DefaultResponders []string
	// AutoMitigate: when every alarm of an incident is OK again, mark it
	// mitigated (true) or only record the recovery and suggest it (false).
	AutoMitigate bool
	// ArchiveAfter is the quiet period after close before the channel is
	// archived (0: one day).
	ArchiveAfter time.Duration
	// MaxPending bounds the outbox; past it new alarms get ErrOverloaded.
	MaxPending int
	// Pending reports the outbox size (for MaxPending).
	Pending func() int
	// Tags reads an alarm's own AWS tags (CloudWatch ListTagsForResource)
	// when some playbook routes on them; nil: no tags.
	Tags func(ctx context.Context, arn string) (map[string]string, error)
	// Groups resolves a Slack user group to its members (approvals).
	Groups func(ctx context.Context, group string) ([]string, error)
	// Access decides who may declare, change severity, resolve, close or
	// reopen, assign roles, request runbooks and approve (access.go); it is
	// asked before any change. nil lets everyone do everything that runbook
	// approval rules do not restrict.
	Access Authorizer
	// Review renders the post-incident review draft.
	Review func(inc incident.Incident, events []incident.Event, now time.Time) string
	// Metrics renders the metrics summary for a window.
	Metrics func(ctx context.Context, window time.Duration) (string, error)
	// Rotations is the current set of on-call rotations (reloadable); nil
	// means none.
	Rotations func() *oncall.Set
	// Overrides keeps the on-call overrides taken from chat (oncall.go);
	// nil refuses /incident oncall override.
	Overrides OverrideStore
	// Schedules reads who is on call in a PagerDuty schedule, for
	// rotations that name one (oncall_pd.go); nil: from the rotation file.
	Schedules ScheduleReader
	// SMSTopic is the SNS topic of `page: sms` (TOCSIN_PAGE_SNS_TOPIC_ARN);
	// "" refuses /incident page sms.
	SMSTopic string
}

// Engine applies alarms and commands to incidents.
type Engine struct {
	cfg  Config
	log  *slog.Logger
	wake chan struct{}
}

// New returns an engine. Run its Worker to perform the effects it enqueues.
func New(cfg Config) *Engine {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.ArchiveAfter == 0 {
		cfg.ArchiveAfter = 24 * time.Hour
	}
	return &Engine{cfg: cfg, log: cfg.Logger.With("component", "dispatch"), wake: make(chan struct{}, 1)}
}

// update runs fn in a durable transaction and wakes the outbox worker.
func (e *Engine) update(ctx context.Context, fn func(incident.Tx) error) error {
	if err := e.cfg.Store.Update(ctx, fn); err != nil {
		return err
	}
	select {
	case e.wake <- struct{}{}:
	default:
	}
	return nil
}

// Wake returns the channel the worker listens on for new work.
func (e *Engine) Wake() <-chan struct{} { return e.wake }

// Nudge wakes the worker from outside the engine: another replica
// committed effects (a PostgreSQL notification).
func (e *Engine) Nudge() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// firstTime records an idempotency key and reports whether this is the
// first time it was seen; an empty key is always a first time. SNS and
// Slack redeliver, so every entry point goes through it.
func (e *Engine) firstTime(tx incident.Tx, key string) (bool, error) {
	if key == "" {
		return true, nil
	}
	if seen, err := tx.Seen(key); err != nil || seen {
		return false, err
	}
	return true, tx.Remember(key, e.cfg.Now())
}

// refresh enqueues the coalesced header and topic refresh of an incident.
func refresh(tx incident.Tx, id incident.ID) error {
	return tx.Enqueue(incident.Effect{Kind: EffSlackUpdate, Incident: id, Key: fmt.Sprintf("update:%d", id)})
}

// post enqueues a message into the incident channel.
func post(tx incident.Tx, id incident.ID, text string) error {
	return tx.Enqueue(incident.Effect{Kind: EffSlackPost, Incident: id, Ordered: true, Data: map[string]string{"text": text}})
}
