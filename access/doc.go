// Package access owns tocsin's optional "who may do what" policy: the file
// access.policy (FileName) in the playbook directory (TOCSIN_PLAYBOOKS),
// which names, by Slack user group id (S…) or user id (U…, W…), who may
// declare incidents, change their severity, resolve, close or reopen them,
// assign roles, request runbooks (each, by name or glob) and approve runs.
//
// The rules, in one place:
//   - No file (or no playbook directory): no policy. Everyone in the
//     workspace may do everything; runbook approval rules still decide who
//     may approve each run. That is tocsin's behaviour without this package.
//   - An action the file does not mention is not restricted: a team can
//     restrict only resolve.
//   - An action it mentions is refused to everyone not listed: deny by
//     default. An empty list refuses everyone (Check warns).
//   - Group membership is read from Slack when a rule needs it; when it
//     cannot be read, Allow returns an error and dispatch refuses the
//     command: the policy fails closed.
//
// The file is not named access.yaml because every *.yaml file in the
// playbook directory is read as a playbook.
//
// Load reads the policy; Check reports every problem in it as
// file:line: problem, for `tocsin check`; an Authorizer answers dispatch's
// question (dispatch.Authorizer) from the policy and a Members lookup (bot's
// cached Executor.UserGroups). README.md documents the format.
//
// access imports dispatch (for Action and Rule), incident and yaml.v3; it
// never imports store, bot, intake or a Slack client: membership comes
// through the Members function it is given.
package access
