// Package dispatch is tocsin's response engine. It applies alarms and
// commands to incidents — each in one durable transaction that also records
// the idempotency key and enqueues the side effects — and runs the outbox
// worker that performs those effects (Slack calls, SSM calls, escalation
// steps, approval expiry) with retries, recording every result so that
// nothing is done twice.
//
// dispatch imports incident, playbooks and runbooks. It reaches the store
// through incident.Tx and the small interfaces in store.go, and Slack and
// SSM through the Executor interface; it never imports store, bot or intake.
package dispatch
