package sim

import (
	"sync"
	"time"

	"github.com/slack-go/slack/slacktest"
)

// Identity of the stand-in's workspace and of the bot that owns BotToken.
const (
	SlackTeamID    = "T0TOCSIN1"
	SlackTeamName  = "tocsin-sim"
	SlackBotUserID = "U0TOCSINBOT"
	SlackBotID     = "B0TOCSINBOT"
	SlackBotName   = "tocsin"
)

// SlackUser is a human member of the simulated workspace.
type SlackUser struct {
	ID       string
	Name     string
	RealName string
	Email    string // users.lookupByEmail finds the user by it
}

// SlackOptions configures a [Slack] stand-in.
type SlackOptions struct {
	// BotToken is the only token accepted; any other answers invalid_auth.
	BotToken string
	// Latency is added to every call before it is answered.
	Latency time.Duration
	// RateLimits turns on Slack's per-method limits (see [SlackTier]).
	RateLimits bool
	// RateScale multiplies every limit; 0 means 1. Tests use 60 to turn a
	// one-minute window into one second.
	RateScale float64
	// Users are the workspace's humans. The bot user always exists.
	Users []SlackUser
	// UserGroups maps a usergroup ID (S…) to its member user IDs.
	UserGroups map[string][]string
	// UserGroupNames names user groups (usergroups.list's name); a group
	// without one is named after its id in lower case.
	UserGroupNames map[string]string
	// Channels are public channels that exist from the start, with every user and
	// the bot as members (a demo's #incidents, say).
	Channels []string
	// Now is the clock for timestamps and rate limits; nil means time.Now.
	Now func() time.Time
}

// Slack is a local Slack Web API. Create it with [NewSlack], then call Start.
// All methods are safe for concurrent use.
type Slack struct {
	opts      SlackOptions
	srv       *slacktest.Server
	done      chan struct{} // closed by Close, to cut latency and delays short
	closeOnce sync.Once

	mu      sync.Mutex
	ws      *slackWorkspace
	calls   []SlackCall
	faults  map[string][]SlackFault
	limited map[string]int
	buckets map[string]*slackBucket
	hooks   map[string]func(SlackCall) // see OnCall
}

// NewSlack returns a stand-in listening on a local port; it serves once Start is called.
func NewSlack(opts SlackOptions) *Slack {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.RateScale <= 0 {
		opts.RateScale = 1
	}
	s := &Slack{
		opts:    opts,
		done:    make(chan struct{}),
		faults:  map[string][]SlackFault{},
		limited: map[string]int{},
		buckets: map[string]*slackBucket{},
	}
	s.ws = slackNewWorkspace(opts)
	s.srv = slacktest.NewTestServer(s.slackBind)
	return s
}

// Start begins serving requests.
func (s *Slack) Start() { s.srv.Start() }

// URL is the Web API base URL, with the trailing slash slack.OptionAPIURL needs.
func (s *Slack) URL() string { return s.srv.GetAPIURL() }

// Close stops the server and closes its connections. Calls still waiting out
// Latency or a fault's Delay are dropped rather than waited for.
func (s *Slack) Close() {
	s.closeOnce.Do(func() { close(s.done) })
	s.srv.Stop()
}

// slackRoute says how one path is served.
type slackRoute struct {
	method  string // the name calls are recorded, limited and failed under; "" = from the path
	public  bool   // no token needed (upload URLs, response URLs)
	handler slackHandler
}

// slackAPIRoutes lists every Web API method the stand-in implements.
func slackAPIRoutes() map[string]slackHandler {
	return map[string]slackHandler{
		"auth.test":                    slackAuthTest,
		"conversations.create":         slackConversationsCreate,
		"conversations.info":           slackConversationsInfo,
		"conversations.list":           slackConversationsList,
		"conversations.setTopic":       slackConversationsSetTopic,
		"conversations.setPurpose":     slackConversationsSetPurpose,
		"conversations.rename":         slackConversationsRename,
		"conversations.invite":         slackConversationsInvite,
		"conversations.join":           slackConversationsJoin,
		"conversations.archive":        slackConversationsArchive,
		"conversations.unarchive":      slackConversationsUnarchive,
		"conversations.history":        slackConversationsHistory,
		"chat.postMessage":             slackChatPostMessage,
		"chat.update":                  slackChatUpdate,
		"chat.postEphemeral":           slackChatPostEphemeral,
		"chat.delete":                  slackChatDelete,
		"pins.add":                     slackPinsAdd,
		"pins.list":                    slackPinsList,
		"bookmarks.add":                slackBookmarksAdd,
		"reactions.add":                slackReactionsAdd,
		"users.info":                   slackUsersInfo,
		"users.lookupByEmail":          slackUsersLookupByEmail,
		"users.list":                   slackUsersList,
		"usergroups.users.list":        slackUsergroupsUsersList,
		"usergroups.list":              slackUsergroupsList,
		"views.open":                   slackViewsOpen,
		"files.getUploadURLExternal":   slackFilesGetUploadURL,
		"files.completeUploadExternal": slackFilesComplete,
	}
}

// slackOverridden are the routes slacktest registers by default that the stand-in
// does not implement; they are replaced so that nothing canned can answer.
var slackOverridden = []string{
	"ws", "rtm.start", "rtm.connect", "conversations.inviteShared",
	"bots.info", "apps.connections.open",
}

// Paths outside the Web API.
const (
	slackSimPath      = "/_sim/slack/"
	slackUploadPath   = slackSimPath + "upload/"
	slackResponsePath = slackSimPath + "response/"
)

// slackBind registers every route with slacktest. Custom binders run before
// slacktest's defaults, and the first registration of a pattern wins.
func (s *Slack) slackBind(c slacktest.Customize) {
	for method, h := range slackAPIRoutes() {
		c.Handle("/"+method, s.slackServe(slackRoute{method: method, handler: h}))
	}
	for _, method := range slackOverridden {
		c.Handle("/"+method, s.slackServe(slackRoute{method: method, handler: slackUnknownMethod}))
	}
	c.Handle("/", s.slackServe(slackRoute{handler: slackUnknownMethod}))
	c.Handle(slackUploadPath, s.slackServe(slackRoute{method: "files.upload", public: true, handler: slackFilesUpload}))
	c.Handle(slackResponsePath, s.slackServe(slackRoute{method: "response_url", public: true, handler: slackResponseURLPost}))
	view := s.ViewHandler()
	c.Handle(slackSimPath, view.ServeHTTP)
}

// slackUnknownMethod answers like Slack does for a method it does not know.
func slackUnknownMethod(*Slack, *slackRequest) slackReply { return slackFail("unknown_method") }

// slackNow reads the injected clock.
func (s *Slack) slackNow() time.Time { return s.opts.Now() }
