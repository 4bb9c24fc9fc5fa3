// Package pagerduty speaks PagerDuty's APIs for tocsin: Client sends
// Events API v2 events (trigger, acknowledge, resolve) and satisfies
// dispatch.PagerDuty without importing dispatch; Verify and ParseWebhook
// read the V3 webhooks PagerDuty sends back; Users reads a PagerDuty
// user's e-mail with the REST API. It imports only incident.
//
// What it chose where PagerDuty leaves a choice:
//   - severity: SEV1 critical, SEV2 error, SEV3 warning, SEV4 info;
//     source: the incident's service (or "tocsin" when it has none);
//     component: the service; group: the playbook; class: "tocsin
//     incident"; custom_details: the incident, its status and up to 50 of
//     its alarms; links: the Slack channel and the dashboard page.
//   - 400 and the other 4xx answers but 408 and 429 are permanent (Error's
//     Permanent); 429 asks to wait 30 s (RetryAfter), which PagerDuty's rate
//     limit page suggests; 5xx and network errors are transient, retried by
//     the outbox with its backoff.
//   - A routing key never appears in an error: PagerDuty's answer is
//     scrubbed of it before it is quoted.
package pagerduty
