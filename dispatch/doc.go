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
// StartRefiner (refine.go) for intake's CloudWatch refinement, and
// Authorizer (access.go) for package access's who-may-do-what policy,
// which the engine asks before any change a command makes.
//
// dispatch imports incident, playbooks and runbooks; it never imports
// store, bot, intake or any outside integration.
package dispatch
