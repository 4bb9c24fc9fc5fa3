package sim

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// SSMOutcome is how a command invocation or an automation ends.
type SSMOutcome struct {
	// Status is "Success" (the default), "Failed" or "TimedOut".
	Status         string
	Stdout, Stderr string
	// ResponseCode is the script's exit code; a Failed outcome with 0
	// reports 1.
	ResponseCode int
	// Stuck keeps the invocation InProgress forever.
	Stuck bool
}

// SSMCommand is a snapshot of a command sent to the stand-in.
type SSMCommand struct {
	ID       string
	Document string
	// InstanceIDs are the instances the command resolved to.
	InstanceIDs []string
	Parameters  map[string][]string
	Comment     string
	Status      string
	RequestedAt time.Time
}

type ssmOutcomeKey struct{ document, instance string }

type ssmTarget struct {
	Key    string
	Values []string
}

type ssmCommand struct {
	id, document, version, comment, plugin string
	instanceIDs                            []string // as requested; empty when targeted
	targets                                []ssmTarget
	params                                 map[string][]string
	sentAt                                 time.Time
	timeout                                int32
	maxConcurrency, maxErrors              string
	bucket, prefix                         string
	invocations                            []*ssmInvocation
}

type ssmInvocation struct {
	instance string
	outcome  SSMOutcome
	cancelAt time.Time // zero unless cancelled before it finished
}

// SetOutcome decides how later commands or automations of document on
// instanceID end. An empty document or instanceID matches any; the most
// specific setting wins.
func (s *SSM) SetOutcome(document, instanceID string, o SSMOutcome) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outcomes[ssmOutcomeKey{document, instanceID}] = o
}

// TagInstance tags a managed instance (making it known), so SendCommand
// Targets such as {Key: "tag:Role", Values: ["web"]} resolve to it.
func (s *SSM) TagInstance(id, key, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.known[id] = true
	if s.tags[id] == nil {
		s.tags[id] = map[string]string{}
	}
	s.tags[id][key] = value
}

// Commands returns every command sent so far, oldest first, with its
// status at the current time.
func (s *SSM) Commands() []SSMCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	out := make([]SSMCommand, 0, len(s.commands))
	for _, c := range s.commands {
		st := s.commandState(c, now)
		ids := make([]string, 0, len(c.invocations))
		for _, inv := range c.invocations {
			ids = append(ids, inv.instance)
		}
		out = append(out, SSMCommand{ID: c.id, Document: c.document, InstanceIDs: ids,
			Parameters: maps.Clone(c.params), Comment: c.comment, Status: st.status, RequestedAt: c.sentAt})
	}
	return out
}

// outcome picks the outcome for document on instance; callers hold s.mu.
func (s *SSM) outcome(document, instance string, params map[string][]string) SSMOutcome {
	for _, k := range []ssmOutcomeKey{{document, instance}, {document, ""}, {"", instance}, {"", ""}} {
		if o, ok := s.outcomes[k]; ok {
			if o.Status == "" {
				o.Status = "Success"
			}
			if o.Status == "Failed" && o.ResponseCode == 0 {
				o.ResponseCode = 1
			}
			return o
		}
	}
	return SSMOutcome{Status: "Success", Stdout: fmt.Sprintf("%s on %s: %s\n", document, instance, ssmParamsText(params))}
}

func ssmParamsText(params map[string][]string) string {
	var b strings.Builder
	for i, k := range slices.Sorted(maps.Keys(params)) {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%q", k, params[k])
	}
	return b.String()
}

type ssmSendCommandInput struct {
	DocumentName, DocumentVersion, Comment string
	InstanceIds                            []string
	Targets                                []ssmTarget
	Parameters                             map[string][]string
	TimeoutSeconds                         *int32
	MaxConcurrency, MaxErrors              string
	OutputS3BucketName, OutputS3KeyPrefix  string
}

func (s *SSM) sendCommand(in ssmSendCommandInput, now time.Time) (any, *ssmError) {
	d, apiErr := s.document(in.DocumentName, in.DocumentVersion)
	if apiErr != nil {
		return nil, apiErr
	}
	if d.Type != "Command" {
		return nil, ssmInvalid("InvalidDocument", "Document %s is an Automation runbook; use StartAutomationExecution", d.Name)
	}
	if utf8.RuneCountInString(in.Comment) > 100 {
		return nil, ssmInvalid("ValidationException", "1 validation error detected: Value at 'comment' failed to satisfy constraint: Member must have length less than or equal to 100")
	}
	instances, apiErr := s.sendTargets(in)
	if apiErr != nil {
		return nil, apiErr
	}
	if p := d.problem(in.Parameters); p != "" {
		return nil, ssmInvalid("InvalidParameters", "%s", p)
	}
	c := &ssmCommand{id: s.nextID("command"), document: d.Name, version: in.DocumentVersion, comment: in.Comment,
		plugin: d.Steps[0].Name, instanceIDs: in.InstanceIds, targets: in.Targets, params: in.Parameters,
		sentAt: now, timeout: 3600, maxConcurrency: in.MaxConcurrency, maxErrors: in.MaxErrors,
		bucket: in.OutputS3BucketName, prefix: in.OutputS3KeyPrefix}
	if in.TimeoutSeconds != nil {
		c.timeout = *in.TimeoutSeconds
	}
	for _, id := range instances {
		c.invocations = append(c.invocations, &ssmInvocation{instance: id, outcome: s.outcome(d.Name, id, in.Parameters)})
	}
	s.commands = append(s.commands, c)
	return map[string]any{"Command": s.wireCommand(c, now)}, nil
}

// sendTargets resolves InstanceIds or Targets to known instances.
func (s *SSM) sendTargets(in ssmSendCommandInput) ([]string, *ssmError) {
	switch {
	case len(in.InstanceIds) > 0 && len(in.Targets) > 0:
		return nil, ssmInvalid("ValidationException", "specify either InstanceIds or Targets, not both")
	case len(in.InstanceIds) == 0 && len(in.Targets) == 0:
		return nil, ssmInvalid("ValidationException", "specify InstanceIds or Targets")
	case len(in.InstanceIds) > 50:
		return nil, ssmInvalid("ValidationException", "1 validation error detected: Value at 'instanceIds' failed to satisfy constraint: Member must have length less than or equal to 50")
	}
	for _, id := range in.InstanceIds {
		if !s.known[id] {
			return nil, ssmInvalid("InvalidInstanceId", "Instance %s is not a managed instance in this account and region", id)
		}
	}
	if len(in.InstanceIds) > 0 {
		return slices.Clone(in.InstanceIds), nil
	}
	ids := slices.Sorted(maps.Keys(s.known))
	for _, t := range in.Targets {
		var err *ssmError
		if ids, err = s.filterTarget(ids, t); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// filterTarget keeps the instances that match t; several targets AND.
func (s *SSM) filterTarget(ids []string, t ssmTarget) ([]string, *ssmError) {
	var match func(id string) bool
	switch key, tag := strings.CutPrefix(t.Key, "tag:"); {
	case tag:
		match = func(id string) bool { v, ok := s.tags[id][key]; return ok && slices.Contains(t.Values, v) }
	case t.Key == "tag-key":
		match = func(id string) bool {
			return slices.ContainsFunc(t.Values, func(k string) bool { _, ok := s.tags[id][k]; return ok })
		}
	case t.Key == "InstanceIds":
		match = func(id string) bool { return slices.Contains(t.Values, id) }
	default:
		return nil, ssmInvalid("InvalidTarget", "Target key %q is not supported; use tag:<key>, tag-key or InstanceIds", t.Key)
	}
	return slices.DeleteFunc(ids, func(id string) bool { return !match(id) }), nil
}

type ssmCancelInput struct {
	CommandId   string
	InstanceIds []string
}

func (s *SSM) cancelCommand(in ssmCancelInput, now time.Time) (any, *ssmError) {
	c := s.command(in.CommandId)
	if c == nil {
		return nil, ssmInvalid("InvalidCommandId", "Command %s does not exist", in.CommandId)
	}
	for _, inv := range c.invocations {
		if len(in.InstanceIds) > 0 && !slices.Contains(in.InstanceIds, inv.instance) {
			continue
		}
		if inv.cancelAt.IsZero() && !s.invocationState(c, inv, now).terminal() {
			inv.cancelAt = now
		}
	}
	return struct{}{}, nil
}

func (s *SSM) command(id string) *ssmCommand {
	for _, c := range s.commands {
		if c.id == id {
			return c
		}
	}
	return nil
}
