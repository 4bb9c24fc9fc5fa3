// Package playbooks owns playbook definitions: what a responder needs in the
// first minute of an incident opened by a CloudWatch alarm — its owner, its
// severity, how alarms are grouped into one incident, the investigation
// checklist, suggested runbooks, graphs, links and the escalation path.
//
// Playbooks are YAML files. The built-ins in this directory are embedded in
// the binary; a directory (TOCSIN_PLAYBOOKS) adds to them and overrides them
// by name. Load builds an immutable Set; Set.Match picks the most specific
// playbook for an alarm and falls back to the built-in "default". Check
// reports every problem in a directory as file:line: problem, for
// `tocsin check`. README.md documents the format.
//
// Everything here is policy and pure: grouping, severity and escalation due
// times are functions of their inputs, so dispatch can store durable timers.
// The only I/O is reading definition files, the environment variables
// that hold PagerDuty routing keys (through Env.Getenv: the page targets
// pagerduty and pagerduty:ENV_NAME, page.go), and, through TagSource, the
// CloudWatch ListTagsForResource call (behind an interface with the SDK's
// exact signature). A routing key is kept as a Secret, which never prints;
// sms and rotation:NAME targets are parsed here and checked where their
// topic and rotations are known.
//
// playbooks imports only the standard library, incident, yaml.v3 and the
// CloudWatch SDK types; never store, bot, dispatch, intake or runbooks.
package playbooks
