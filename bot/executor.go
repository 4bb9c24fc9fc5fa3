package bot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
)

// Actor is the actor of the events the executor records.
const Actor = "tocsin"

// errNoChannel: the effect needs the incident's channel, which does not
// exist yet. It is always wrapped in a dispatch.RetryError.
var errNoChannel = errors.New("the incident has no Slack channel yet")

// groupCacheTTL is how long user group members are trusted. It is short
// because the access policy and approvals decide from them: a member Slack
// removed must lose their rights soon even if the subteam_members_changed
// event that forgets the group at once (ForgetGroup) never arrives.
const groupCacheTTL = time.Minute

// noChannelRetry is how soon an effect waiting for its channel is retried.
const noChannelRetry = 2 * time.Second

// ExecutorConfig configures an Executor.
type ExecutorConfig struct {
	// Token is the bot token (xoxb-…). It never appears in logs or errors.
	Token string
	// APIURL is the Web API base URL with its trailing slash; "" means Slack's.
	APIURL string
	// HTTPClient makes the calls; nil means a client with a 15 s timeout.
	HTTPClient *http.Client
	// AnnounceChannel is the channel id new incidents are announced in; "" for none.
	AnnounceChannel string
	// Rates overrides DefaultRates by method.
	Rates map[string]Rate
	// Grapher renders the alarm graph for slack.file effects with graph=1.
	Grapher Grapher
	// Logger receives warnings that are not errors of the effect; nil discards.
	Logger *slog.Logger
	// Now is the clock for pacing, caches and event times; nil means time.Now.
	Now func() time.Time
	// Standby is how many channels to keep created ahead for new incidents
	// (standby.go); 0 turns it off. Owned must then say whether an incident
	// owns a channel.
	Standby int
	Owned   func(ctx context.Context, channelID string) (bool, error)
}

// LogValue shows the configuration without the token.
func (c ExecutorConfig) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("api_url", c.APIURL), slog.Bool("token_set", c.Token != ""),
		slog.String("announce_channel", c.AnnounceChannel), slog.Int("standby", c.Standby),
	)
}

// Grapher renders an incident's alarm graph as a PNG.
type Grapher interface {
	Graph(ctx context.Context, inc incident.Incident) (name string, png []byte, err error)
}

// Executor performs the outbox's slack.* effects with slack-go. Its client
// never retries on its own: the outbox does, through the RetryErrors the
// Executor returns. It is safe for concurrent use.
type Executor struct {
	api  *slack.Client
	cfg  ExecutorConfig
	log  *slog.Logger
	now  func() time.Time
	pace *pacer

	mu      sync.Mutex
	self    string                     // the bot's user id, from auth.test
	names   map[string]slack.Channel   // channel name -> channel, from conversations.list
	created map[string]bool            // channels this process created
	topics  map[string]string          // channel -> the topic last set or seen
	runMsgs map[string]runMessage      // run id -> its progress message
	groups  map[string]groupMembership // usergroup id -> members
	owned   map[string]string          // block id -> ts of a message tocsin edits later (executor_edit.go)
	shown   map[string]string          // announcement ts -> the text it was last set to
	order   runOrder                   // keeps run status messages from going backwards
	started time.Time                  // when this process's executor was made, or its term of leadership began
	doubts  map[uint64]bool            // effects whose last attempt may have reached Slack
	standby []slack.Channel            // standby channels ready to take, oldest first
	// standbyLoaded: the standby channels an earlier run left were adopted.
	standbyLoaded bool
}

type runMessage struct{ channel, ts string }

type groupMembership struct {
	users   []string
	fetched time.Time
}

// NewExecutor returns an Executor with a slack-go client for cfg.
func NewExecutor(cfg ExecutorConfig) *Executor {
	cfg.APIURL = cmp.Or(cfg.APIURL, slack.APIURL)
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Executor{
		api:     slack.New(cfg.Token, slack.OptionAPIURL(cfg.APIURL), slack.OptionHTTPClient(cfg.HTTPClient)),
		cfg:     cfg,
		log:     log.With("component", "bot.executor"),
		now:     cfg.Now,
		pace:    newPacer(cfg.Now, cfg.Rates),
		names:   map[string]slack.Channel{},
		created: map[string]bool{},
		topics:  map[string]string{},
		runMsgs: map[string]runMessage{},
		groups:  map[string]groupMembership{},
		owned:   map[string]string{},
		shown:   map[string]string{},
		started: cfg.Now(),
		doubts:  map[uint64]bool{},
	}
}

// Client is the slack-go client, for the HTTP handlers (views.open,
// ephemeral replies) to share.
func (e *Executor) Client() *slack.Client { return e.api }

type effectFunc func(e *Executor, ctx context.Context, eff incident.Effect, inc incident.Incident) (dispatch.Outcome, error)

var effectFuncs = map[incident.EffectKind]effectFunc{
	dispatch.EffSlackChannel:   (*Executor).channel,
	dispatch.EffSlackTopic:     (*Executor).topic,
	dispatch.EffSlackInvite:    (*Executor).invite,
	dispatch.EffSlackHeader:    (*Executor).header,
	dispatch.EffSlackUpdate:    (*Executor).update,
	dispatch.EffSlackAnnounce:  (*Executor).announce,
	dispatch.EffSlackPost:      (*Executor).post,
	dispatch.EffSlackChecklist: (*Executor).checklist,
	dispatch.EffSlackApproval:  (*Executor).approval,
	dispatch.EffSlackRunStatus: (*Executor).runStatusInOrder,
	dispatch.EffSlackFile:      (*Executor).file,
	dispatch.EffSlackArchive:   (*Executor).archive,
	dispatch.EffSlackUnarchive: (*Executor).unarchive,
	dispatch.EffSlackRename:    (*Executor).rename,
	dispatch.EffSlackPin:       (*Executor).pin,
	dispatch.EffSlackDigest:    (*Executor).digest,
	dispatch.EffSlackNotice:    (*Executor).notice,
}

// Execute performs one slack.* effect (dispatch.Executor). A retry never
// repeats an effect whose result is recorded on the incident: channel and
// header effects check inc first, and recover what an interrupted attempt
// created but did not record.
func (e *Executor) Execute(ctx context.Context, eff incident.Effect, inc incident.Incident) (dispatch.Outcome, error) {
	f, ok := effectFuncs[eff.Kind]
	if !ok {
		return dispatch.Outcome{}, fmt.Errorf("%w: bot cannot perform effect kind %q", dispatch.ErrPermanent, eff.Kind)
	}
	out, err := f(e, ctx, eff, inc)
	e.noteOutcome(eff, err)
	if err != nil {
		return dispatch.Outcome{}, classify(eff, inc, err)
	}
	return out, nil
}

// wait reserves pacing tokens for calls, or returns the RetryError to hand
// back to the outbox without calling Slack.
func (e *Executor) wait(calls ...call) error {
	if d := e.pace.reserve(calls...); d > 0 {
		return dispatch.Retry(d, errPaced)
	}
	return nil
}

// waitIdle is wait for calls that can wait: they go only when their
// methods' buckets are full, so that they never take the token an urgent
// call (a new incident's channel) needs. Under load they wait until it ends.
func (e *Executor) waitIdle(calls ...call) error {
	methods := make([]string, len(calls))
	for i, c := range calls {
		methods[i] = c.method
	}
	if d := e.pace.untilIdle(methods...); d > 0 {
		return dispatch.Retry(d, errPaced)
	}
	return e.wait(calls...)
}

// needChannel returns the incident's channel, or a retry when it has none.
func needChannel(inc incident.Incident) (string, error) {
	if inc.Channel.ID == "" {
		return "", dispatch.Retry(noChannelRetry, errNoChannel)
	}
	return inc.Channel.ID, nil
}

// event builds an event the executor records on the incident.
func (e *Executor) event(inc incident.Incident, typ incident.EventType, data map[string]string) incident.Event {
	return incident.Event{Incident: inc.ID, Type: typ, At: e.now().UTC(), Actor: Actor, Data: data}
}

// selfID returns the bot's own user id (auth.test, once).
func (e *Executor) selfID(ctx context.Context) (string, error) {
	e.mu.Lock()
	self := e.self
	e.mu.Unlock()
	if self != "" {
		return self, nil
	}
	if err := e.wait(call{method: "auth.test"}); err != nil {
		return "", err
	}
	resp, err := e.api.AuthTestContext(ctx)
	if err != nil {
		return "", fmt.Errorf("ask Slack who the bot is: %w", err)
	}
	e.mu.Lock()
	e.self = resp.UserID
	e.mu.Unlock()
	return resp.UserID, nil
}

// UserGroups returns the members of a Slack user group, cached for a
// minute (groupCacheTTL) or until ForgetGroup; dispatch uses it to decide
// who may approve a run, and the access policy who may do what.
func (e *Executor) UserGroups(ctx context.Context, groupID string) ([]string, error) {
	e.mu.Lock()
	g, ok := e.groups[groupID]
	e.mu.Unlock()
	if ok && e.now().Sub(g.fetched) < groupCacheTTL {
		return append([]string(nil), g.users...), nil
	}
	if err := e.wait(call{method: "usergroups.users.list"}); err != nil {
		return nil, err
	}
	users, err := e.api.GetUserGroupMembersContext(ctx, groupID)
	if err != nil {
		return nil, fmt.Errorf("list members of user group %s: %w", groupID, err)
	}
	e.mu.Lock()
	if len(e.groups) > 1000 {
		clear(e.groups)
	}
	e.groups[groupID] = groupMembership{users: users, fetched: e.now()}
	e.mu.Unlock()
	return append([]string(nil), users...), nil
}

// ForgetGroup drops a user group's cached members, so that the next
// UserGroups reads them from Slack (bot.GroupForgetter). The Events API
// handler calls it when Slack says the group's members changed.
func (e *Executor) ForgetGroup(groupID string) {
	e.mu.Lock()
	delete(e.groups, groupID)
	e.mu.Unlock()
}

// UnknownGroups returns those of ids that are not enabled user groups of
// the workspace, from one usergroups.list call: what serve checks the
// playbooks' group ids against once at start.
func (e *Executor) UnknownGroups(ctx context.Context, ids []string) ([]string, error) {
	if err := e.wait(call{method: "usergroups.list"}); err != nil {
		return nil, err
	}
	groups, err := e.api.GetUserGroupsContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("list user groups: %w", err)
	}
	known := map[string]bool{}
	for _, g := range groups {
		known[g.ID] = true
	}
	var out []string
	for _, id := range ids {
		if !known[id] {
			out = append(out, id)
		}
	}
	return out, nil
}
