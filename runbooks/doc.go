// Package runbooks owns tocsin's runbooks: approved SSM documents that
// responders run from chat.
//
// It holds the definition format (YAML files, the built-in library embedded
// with go:embed, a directory that adds to and overrides it), the checks
// behind `tocsin check`, input validation, the plan that an approval message
// shows and that is sent unchanged, the approval policy, the fold of a
// run's timeline events into its state, and the executor that sends the
// plan to Systems Manager and polls it.
//
// Security rules the package enforces (see PITFALLS.md):
//   - Chat input never becomes shell text. A shell-script parameter may only
//     reference an input whose values are a fixed allow-list of safe words.
//   - Approvals fail closed: a policy naming nobody refuses everyone, and
//     only `approval: none` pre-approves a runbook.
//   - Sending is idempotent: a command carries the marker tocsin:<run> in
//     its Comment and an automation a ClientToken derived from the run, so a
//     retried start finds the first one instead of running twice.
//
// The package imports the standard library, incident, yaml.v3 and the SSM
// SDK only. It must not import store, bot, dispatch or playbooks; it
// declares the small interfaces it needs from the SSM client itself, with
// the SDK's exact method signatures.
package runbooks
