package sim

import (
	"maps"
	"slices"
	"time"
)

// SSMAutomation is a snapshot of an automation execution.
type SSMAutomation struct {
	ID          string
	Document    string
	Parameters  map[string][]string
	ClientToken string
	Status      string
	StartedAt   time.Time
}

type ssmAutomation struct {
	id, document, version, token, mode string
	params                             map[string][]string
	steps                              []SSMStep
	startedAt, stopAt                  time.Time
	outcome                            SSMOutcome
}

// Automations returns every automation started so far, oldest first, with
// its status at the current time.
func (s *SSM) Automations() []SSMAutomation {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	out := make([]SSMAutomation, 0, len(s.automations))
	for _, a := range s.automations {
		out = append(out, SSMAutomation{ID: a.id, Document: a.document, Parameters: maps.Clone(a.params),
			ClientToken: a.token, Status: s.automationState(a, now).status, StartedAt: a.startedAt})
	}
	return out
}

type ssmStartAutomationInput struct {
	DocumentName, DocumentVersion, ClientToken, Mode string
	Parameters                                       map[string][]string
}

func (s *SSM) startAutomation(in ssmStartAutomationInput, now time.Time) (any, *ssmError) {
	if in.Mode == "" {
		in.Mode = "Auto"
	}
	if a := s.tokens[in.ClientToken]; a != nil && in.ClientToken != "" {
		if a.document != in.DocumentName || a.mode != in.Mode || !maps.EqualFunc(a.params, in.Parameters, slices.Equal) {
			return nil, ssmInvalid("IdempotentParameterMismatch", "ClientToken %s was used with different parameters", in.ClientToken)
		}
		return map[string]string{"AutomationExecutionId": a.id}, nil
	}
	d, apiErr := s.document(in.DocumentName, in.DocumentVersion)
	switch {
	case apiErr != nil && apiErr.Code == "InvalidDocumentVersion":
		return nil, ssmInvalid("AutomationDefinitionVersionNotFoundException", "%s", apiErr.Message)
	case apiErr != nil || d.Type != "Automation":
		return nil, ssmInvalid("AutomationDefinitionNotFoundException", "Automation definition %s not found", in.DocumentName)
	}
	if p := d.problem(in.Parameters); p != "" {
		return nil, ssmInvalid("InvalidAutomationExecutionParametersException", "%s", p)
	}
	var instance string
	if ids := in.Parameters["InstanceId"]; len(ids) > 0 {
		instance = ids[0]
	}
	a := &ssmAutomation{id: s.nextID("automation"), document: d.Name, version: in.DocumentVersion,
		token: in.ClientToken, mode: in.Mode, params: in.Parameters, steps: d.Steps, startedAt: now,
		outcome: s.outcome(d.Name, instance, in.Parameters)}
	s.automations = append(s.automations, a)
	if in.ClientToken != "" {
		s.tokens[in.ClientToken] = a
	}
	return map[string]string{"AutomationExecutionId": a.id}, nil
}

type ssmAutomationIDInput struct {
	AutomationExecutionId, Type string
}

func (s *SSM) automation(id string) (*ssmAutomation, *ssmError) {
	for _, a := range s.automations {
		if a.id == id {
			return a, nil
		}
	}
	return nil, ssmInvalid("AutomationExecutionNotFoundException", "Automation execution %s does not exist", id)
}

func (s *SSM) stopAutomation(in ssmAutomationIDInput, now time.Time) (any, *ssmError) {
	a, apiErr := s.automation(in.AutomationExecutionId)
	if apiErr != nil {
		return nil, apiErr
	}
	if s.automationState(a, now).terminal() {
		return nil, ssmInvalid("InvalidAutomationStatusUpdateException", "Automation execution %s has already finished", a.id)
	}
	if a.stopAt.IsZero() {
		a.stopAt = now
	}
	return struct{}{}, nil
}

func (s *SSM) getAutomation(in ssmAutomationIDInput, now time.Time) (any, *ssmError) {
	a, apiErr := s.automation(in.AutomationExecutionId)
	if apiErr != nil {
		return nil, apiErr
	}
	return map[string]any{"AutomationExecution": s.wireAutomation(a, now)}, nil
}
