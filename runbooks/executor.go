package runbooks

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/tocsin-dev/tocsin/incident"
)

// Commands is the part of the SSM client that sends, finds and cancels
// Run Command commands. *ssm.Client satisfies it.
type Commands interface {
	SendCommand(ctx context.Context, params *ssm.SendCommandInput, optFns ...func(*ssm.Options)) (*ssm.SendCommandOutput, error)
	ListCommands(ctx context.Context, params *ssm.ListCommandsInput, optFns ...func(*ssm.Options)) (*ssm.ListCommandsOutput, error)
	CancelCommand(ctx context.Context, params *ssm.CancelCommandInput, optFns ...func(*ssm.Options)) (*ssm.CancelCommandOutput, error)
}

// Invocations is the part of the SSM client that reads a command's
// per-instance results. *ssm.Client satisfies it.
type Invocations interface {
	GetCommandInvocation(ctx context.Context, params *ssm.GetCommandInvocationInput, optFns ...func(*ssm.Options)) (*ssm.GetCommandInvocationOutput, error)
	ListCommandInvocations(ctx context.Context, params *ssm.ListCommandInvocationsInput, optFns ...func(*ssm.Options)) (*ssm.ListCommandInvocationsOutput, error)
}

// Automations is the part of the SSM client that runs Automation runbooks.
// *ssm.Client satisfies it.
type Automations interface {
	StartAutomationExecution(ctx context.Context, params *ssm.StartAutomationExecutionInput, optFns ...func(*ssm.Options)) (*ssm.StartAutomationExecutionOutput, error)
	GetAutomationExecution(ctx context.Context, params *ssm.GetAutomationExecutionInput, optFns ...func(*ssm.Options)) (*ssm.GetAutomationExecutionOutput, error)
	StopAutomationExecution(ctx context.Context, params *ssm.StopAutomationExecutionInput, optFns ...func(*ssm.Options)) (*ssm.StopAutomationExecutionOutput, error)
}

// SSM is everything the executor calls.
type SSM interface {
	Commands
	Invocations
	Automations
}

// Executor sends plans to Systems Manager and polls them. It keeps no state:
// everything it needs to resume after a restart is in Started, which the
// caller records (StartedEvent).
type Executor struct {
	SSM SSM
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Started identifies what a run started in SSM.
type Started struct {
	Kind        Kind   `json:"kind"`
	CommandID   string `json:"command_id,omitempty"`
	ExecutionID string `json:"execution_id,omitempty"`
	// InstanceIDs are polled one by one; empty when targets are tags.
	InstanceIDs []string `json:"instance_ids,omitempty"`
	// Reused: an earlier attempt of this run had already started it.
	Reused bool `json:"reused,omitempty"`
}

// Marker is the text every command of a run carries in its Comment.
func Marker(runID string) string { return "tocsin:" + runID }

// How far back Start looks for an earlier command of the same run.
const (
	findLookback = 24 * time.Hour
	findPages    = 20
)

func (e *Executor) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

// Start sends p once for runID. runID must be unique per run (the caller
// uses its outbox entry id): a command is first looked for by the marker
// tocsin:<runID> in its Comment and reused if found; an automation carries a
// ClientToken derived from runID, so SSM itself answers a repeat with the
// same execution.
func (e *Executor) Start(ctx context.Context, runID string, p Plan) (Started, error) {
	if runID == "" || strings.ContainsAny(runID, " \t\r\n") || len(Marker(runID)) > 100 {
		return Started{}, fmt.Errorf("%w: run id %q must be non-empty, without spaces, and at most 93 characters", incident.ErrInvalid, clip(runID))
	}
	switch p.Kind {
	case KindCommand:
		return e.startCommand(ctx, runID, p)
	case KindAutomation:
		return e.startAutomation(ctx, runID, p)
	}
	return Started{}, fmt.Errorf("%w: plan of runbook %s has unknown kind %q", incident.ErrInvalid, p.Runbook, p.Kind)
}

func (e *Executor) startCommand(ctx context.Context, runID string, p Plan) (Started, error) {
	s := Started{Kind: KindCommand, InstanceIDs: p.InstanceIDs}
	id, err := e.findCommand(ctx, Marker(runID), p.Document)
	if err != nil {
		return Started{}, fmt.Errorf("look for an earlier command of run %s: %w", runID, err)
	}
	if id != "" {
		s.CommandID, s.Reused = id, true
		return s, nil
	}
	out, err := e.SSM.SendCommand(ctx, &ssm.SendCommandInput{
		DocumentName:    &p.Document,
		DocumentVersion: optional(p.DocumentVersion),
		InstanceIds:     p.InstanceIDs,
		Targets:         sdkTargets(p.Targets),
		Parameters:      p.Parameters,
		Comment:         optional(comment(runID, p.Runbook)),
		TimeoutSeconds:  optionalInt(p.TimeoutSeconds),
		MaxConcurrency:  optional(p.MaxConcurrency),
		MaxErrors:       optional(p.MaxErrors),
	})
	if err != nil {
		return Started{}, fmt.Errorf("send command for run %s: %w", runID, err)
	}
	if out.Command == nil || out.Command.CommandId == nil {
		return Started{}, fmt.Errorf("send command for run %s: SSM returned no command id", runID)
	}
	s.CommandID = *out.Command.CommandId
	return s, nil
}

// findCommand returns the id of a recent command whose Comment carries
// marker, or "".
func (e *Executor) findCommand(ctx context.Context, marker, document string) (string, error) {
	in := &ssm.ListCommandsInput{MaxResults: optionalInt(50), Filters: []types.CommandFilter{{
		Key:   types.CommandFilterKeyInvokedAfter,
		Value: optional(e.now().Add(-findLookback).UTC().Format("2006-01-02T15:04:05Z")),
	}}}
	if !strings.HasPrefix(document, "arn:") {
		in.Filters = append(in.Filters, types.CommandFilter{Key: types.CommandFilterKeyDocumentName, Value: &document})
	}
	for range findPages {
		out, err := e.SSM.ListCommands(ctx, in)
		if err != nil {
			return "", err
		}
		for _, c := range out.Commands {
			cm := deref(c.Comment)
			if (cm == marker || strings.HasPrefix(cm, marker+" ")) && c.CommandId != nil {
				return *c.CommandId, nil
			}
		}
		if deref(out.NextToken) == "" {
			return "", nil
		}
		in.NextToken = out.NextToken
	}
	return "", nil
}

// comment is "tocsin:<run> <runbook>", cut to SSM's 100 characters.
func comment(runID, runbook string) string {
	c := Marker(runID) + " " + runbook
	if len(c) > 100 {
		c = c[:100]
	}
	return c
}

func (e *Executor) startAutomation(ctx context.Context, runID string, p Plan) (Started, error) {
	out, err := e.SSM.StartAutomationExecution(ctx, &ssm.StartAutomationExecutionInput{
		DocumentName:        &p.Document,
		DocumentVersion:     optional(p.DocumentVersion),
		Parameters:          p.Parameters,
		ClientToken:         optional(ClientToken(runID)),
		Targets:             sdkTargets(p.Targets),
		TargetParameterName: optional(p.TargetParameter),
		MaxConcurrency:      optional(p.MaxConcurrency),
		MaxErrors:           optional(p.MaxErrors),
	})
	if err != nil {
		return Started{}, fmt.Errorf("start automation for run %s: %w", runID, err)
	}
	if out.AutomationExecutionId == nil {
		return Started{}, fmt.Errorf("start automation for run %s: SSM returned no execution id", runID)
	}
	return Started{Kind: KindAutomation, ExecutionID: *out.AutomationExecutionId}, nil
}

// ClientToken derives the automation idempotency token of a run: the same
// run always gets the same token, in the 36-character UUID form the API
// requires (a name-based UUID, version 5 layout, over SHA-256).
func ClientToken(runID string) string {
	sum := sha256.Sum256([]byte("tocsin-run:" + runID))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// Cancel asks SSM to stop what s started. Cancellation is best effort: a
// command may still finish; keep polling until Poll says it is terminal.
func (e *Executor) Cancel(ctx context.Context, s Started) error {
	switch {
	case s.CommandID != "":
		if _, err := e.SSM.CancelCommand(ctx, &ssm.CancelCommandInput{CommandId: &s.CommandID}); err != nil {
			return fmt.Errorf("cancel command %s: %w", s.CommandID, err)
		}
	case s.ExecutionID != "":
		if _, err := e.SSM.StopAutomationExecution(ctx, &ssm.StopAutomationExecutionInput{
			AutomationExecutionId: &s.ExecutionID, Type: types.StopTypeCancel}); err != nil {
			return fmt.Errorf("stop automation %s: %w", s.ExecutionID, err)
		}
	default:
		return fmt.Errorf("%w: nothing was started, so there is nothing to cancel", incident.ErrInvalid)
	}
	return nil
}

func sdkTargets(ts []Target) []types.Target {
	var out []types.Target
	for _, t := range ts {
		out = append(out, types.Target{Key: optional(t.Key), Values: t.Values})
	}
	return out
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func optionalInt(n int32) *int32 {
	if n == 0 {
		return nil
	}
	return &n
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
