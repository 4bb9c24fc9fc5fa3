// Package bot owns everything Slack in tocsin: request signatures, the
// /incident command parser, the HTTP and Socket Mode handlers for slash
// commands, buttons, modals and events, Block Kit rendering, channel names,
// and the Executor that performs the outbox's slack.* effects with
// per-method pacing below Slack's rate limits.
//
// The path from a new incident to a usable channel is shaped by those
// limits: conversations.create is Tier 2, so the Executor can keep standby
// channels made ahead (standby.go), and the header is posted without
// waiting for its Tier 2 pin (slack.pin follows as its own effect).
//
// Commands are answered within Slack's 3 seconds and run afterwards; with a
// HandlerConfig.Inbox they are recorded durably before the answer and run
// again after a crash (inbox.go).
//
// The Directory (directory.go) names Slack users and groups for text that
// leaves Slack, and keeps the names in the store's key-value state
// (namesKey) through the small NameStore interface.
//
// bot turns what people do in Slack into dispatch.Command values and hands
// them to a Doer; it never decides what a command may do or who may do it —
// that is dispatch's job, from the verified Slack user id bot supplies.
//
// bot imports incident, dispatch, slack-go and the standard library. It must
// not import store, intake, web or report.
package bot
