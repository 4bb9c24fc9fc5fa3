// Package dispatch is tocsin's response engine. It applies alarms and
// commands to incidents — each in one durable transaction that also records
// the idempotency key and enqueues the side effects — and runs the outbox
// worker that performs those effects (Slack calls, SSM calls, escalation
// steps, approval expiry) with retries, recording every result so that
// nothing is done twice.
//
// dispatch decides what to say, not how a system shows it: people are
// named in its own notation (mention.go), which bot renders as Slack
// mentions. Effect kinds are typed (outbox.go); each has exactly one
// executor, registered in the app package's one table. The interfaces its
// executors and adapters satisfy are declared here, beside their use:
// Store, Lister and Outbox (engine.go, worker.go) for the store backend,
// Executor (outbox.go) for bot and the SSM run executor, Pager
// (escalate.go) for paging integrations such as package webhook,
// PagerDuty (page.go) for package pagerduty's Events API client,
// StartRefiner (refine.go) for intake's CloudWatch refinement, and
// Authorizer (access.go) for package access's who-may-do-what policy,
// which the engine asks before any change a command makes.
//
// Paging PagerDuty (page.go, page_cmd.go, page_webhook.go): an escalation
// step or /incident page enqueues a pagerduty.trigger effect whose dedup
// key is decided when it is enqueued (tocsin-INC-42-<opened>, the same for
// every page of the incident to one service; -U… added for a page for one
// person), so a retry after a crash reaches the same PagerDuty alert. The
// transaction that acknowledges (or first mitigates) and the one that
// resolves an incident enqueue one acknowledge or resolve per page not yet
// told, and drop the triggers still waiting; a trigger in flight at that
// moment is caught by a sweep 30 s later. What PagerDuty reports back
// (PagerDutyNotice) acknowledges the incident or is recorded; an echo of
// what tocsin told it, and a redelivery, change nothing.
//
// dispatch imports incident, playbooks and runbooks; it never imports
// store, bot, intake or any outside integration.
package dispatch
