package e2e

import (
	"maps"
	"time"

	"github.com/tocsin-dev/tocsin/sim"
)

// Identities of the fault suite's workspace and runbooks.
const (
	faultBotToken  = "xoxb-fault-bot-0123"
	faultSigning   = "fault-signing-secret-0123"
	faultInstance  = "i-0fa017000000000a1"
	faultRequester = "U0FREQUEST"
	faultApprover  = "U0FAPPROVE"
	faultOnCall    = "U0FONCALL"
	faultApprovers = "S0FAPPROVE"
)

// faultRunbooks: restart needs one approval from a Slack user group;
// diag is pre-approved and should end within a second; ghost targets an
// instance Systems Manager does not manage.
var faultRunbooks = map[string]string{
	"fault-restart.yaml": `name: fault-restart
description: Restart the app on the fault instance.
kind: command
document: AWS-RunShellScript
targets:
  instance_ids: [` + faultInstance + `]
parameters:
  commands: ["systemctl restart app.service"]
approval:
  approvers: [` + faultApprovers + `]
  required: 1
  expires: 15m
`,
	"fault-diag.yaml": `name: fault-diag
description: Uptime on the fault instance.
kind: command
document: AWS-RunShellScript
targets:
  instance_ids: [` + faultInstance + `]
parameters:
  commands: ["uptime"]
  executionTimeout: "1"
timeout: 30s
approval: none
`,
	"fault-ghost.yaml": `name: fault-ghost
description: Uptime on an instance that is not managed.
kind: command
document: AWS-RunShellScript
targets:
  instance_ids: [i-0ffffffffffffffff]
parameters:
  commands: ["uptime"]
approval: none
`,
}

// faultOpts are what a fault test adds to the suite's stand-ins.
type faultOpts struct {
	slack sim.SlackOptions  // BotToken, Users and UserGroups are filled in
	ssm   sim.SSMOptions    // Instances is filled in
	env   map[string]string // more settings
	db    string            // TOCSIN_DB; "" is the harness's bbolt file (eachBackend)
}

// faultOptions is the fault suite's tocsin: a child process (a test may
// SIGKILL it or fill its disk) with the workspace's people and groups, an
// SSM instance, PagerDuty, the fault runbooks and debug logs.
func faultOptions(o faultOpts) Options {
	o.slack.BotToken = faultBotToken
	o.slack.Users = append(o.slack.Users, sim.SlackUser{ID: faultRequester, Name: "requester"},
		sim.SlackUser{ID: faultApprover, Name: "approver"}, sim.SlackUser{ID: faultOnCall, Name: "oncall"})
	o.slack.UserGroups = map[string][]string{"S00ONCALL": {faultOnCall}, faultApprovers: {faultApprover}}
	o.ssm.Instances = append(o.ssm.Instances, faultInstance)
	if o.ssm.PendingFor == 0 {
		o.ssm.PendingFor = 50 * time.Millisecond
	}
	if o.ssm.RunFor == 0 {
		o.ssm.RunFor = 300 * time.Millisecond
	}
	env := map[string]string{"SLACK_SIGNING_SECRET": faultSigning, "TOCSIN_LOG_LEVEL": "debug"}
	maps.Copy(env, o.env)
	if o.db != "" {
		env["TOCSIN_DB"] = o.db
	}
	return Options{Child: true, Env: env, Slack: &o.slack, Runbooks: faultRunbooks, PagerDuty: true,
		AWS: &sim.AWS{SSM: sim.NewSSM(o.ssm), CloudWatch: sim.NewCloudWatch(sim.CloudWatchOptions{})}}
}
