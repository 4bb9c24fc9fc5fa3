// Package sim holds local stand-ins for the services tocsin talks to, so that tests,
// `tocsin demo` and the alarm-storm benchmark run without the network. It is a product
// feature, not test scaffolding.
//
// # Slack
//
// [Slack] is a local Slack Web API with real in-memory workspace state: the real
// slack-go client, pointed at [Slack.URL] with slack.OptionAPIURL, gets the answers and
// error shapes Slack gives ({"ok":false,"error":"..."} with HTTP 200; HTTP 429 with
// Retry-After when rate limited).
//
// It is built on slack-go's slacktest server. Every route, including the ones slacktest
// registers by default, is replaced by a binder that goes through one pipeline: token
// check, latency, injected faults ([Slack.FailNext]), rate limits ([SlackTier]) and
// recording ([Slack.Calls]). slacktest's RTM and websocket routes are overridden to
// answer unknown_method.
//
// Covered: auth.test; conversations.create/info/list/setTopic/setPurpose/invite/join/
// archive/unarchive/history; chat.postMessage/update/postEphemeral/delete; pins.add/list;
// bookmarks.add; reactions.add; users.info; usergroups.list and usergroups.users.list; views.open; the
// files.uploadV2 flow (files.getUploadURLExternal, the upload POST, and
// files.completeUploadExternal); response_url receivers ([Slack.ResponseURL]); and an
// HTML view of the workspace for the demo ([Slack.ViewHandler], also at /_sim/slack/),
// which renders Block Kit as Slack shows it (headers, sections with their fields and
// accessories, context, buttons in their styles, checkboxes, dividers, images) and
// mrkdwn with names for mentions, emoji, code, links and <!date> times (in UTC: Slack
// shows each reader their own time zone).
//
// Not covered: the Events API, Socket Mode, RTM, direct messages and group DMs, message
// threads in conversations.replies, scheduled messages, user tokens and scopes (one bot
// token is all-powerful), trigger_id expiry (only reuse is refused), the response_url
// limit of five posts in thirty minutes, the workspace-wide chat.postMessage limit, and
// permalinks. Unknown methods answer {"ok":false,"error":"unknown_method"}.
//
// Slack's other side is here too: [SlashCommand] and [SlackClick] build what Slack
// posts to an app when a person types a slash command or clicks a button,
// [Slack.ViewSubmission] what it posts when a person submits a modal the app opened, and
// [PostSlack] sends it signed with the app's signing secret ([SlackSignature], v0
// HMAC-SHA256), so tests, the demo and the benchmark drive tocsin's /slack/ routes.
//
// # SNS
//
// [SNSFeed] is the one signed-SNS feed: it signs envelopes exactly as SNS does
// (SignatureVersion 1 and 2, SNS's string to sign) with a key of its own, and writes
// the key's self-signed certificate into a directory under the base name of its
// SigningCertURL, a real SNS host's URL, which is how TOCSIN_SNS_CERT_DIR lets tocsin
// verify it without a fetch. [CWAlarmMessage] is the alarm notification CloudWatch
// publishes; [PostSNS] delivers an envelope with SNS's HTTP headers.
//
// # AWS
//
// [AWS] serves the AWS stand-ins on one endpoint (what AWS_ENDPOINT_URL points
// every SDK client at), routing by X-Amz-Target or by the Smithy RPC v2 path:
//
//   - [SSM] speaks AWS JSON 1.1: Run Command (SendCommand, GetCommandInvocation,
//     ListCommands, ListCommandInvocations, CancelCommand) with status progressions
//     by the clock, output truncation at SSM's limits, InvocationDoesNotExist right
//     after sending; Automation (StartAutomationExecution with ClientToken
//     idempotency, GetAutomationExecution, StopAutomationExecution); documents with
//     their real parameter names, validated server-side; injected faults.
//   - [SQS] speaks AWS JSON 1.0 (what the current SDK sends): long polling,
//     visibility timeouts, at-least-once redelivery, receipt handles.
//   - [CloudWatch] speaks Smithy RPC v2 CBOR, what the current SDK's CloudWatch
//     client sends: DescribeAlarms, DescribeAlarmHistory, GetMetricData,
//     GetMetricWidgetImage (a real PNG), ListTagsForResource, PutMetricData. It
//     encodes CBOR with smithy-go's encoding/cbor: the one dependency of sim beyond
//     the standard library and slacktest, chosen over a hand-written CBOR codec.
//
// The stand-ins import nothing from tocsin: they answer like the services do,
// so tocsin's real clients are what the tests exercise.
package sim
