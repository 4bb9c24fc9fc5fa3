package runbooks

import (
	"path"
	"regexp"
	"time"
)

// Kind says which Systems Manager API runs a runbook.
type Kind string

// The two kinds of runbook.
const (
	// KindCommand runs a Command document on instances (SendCommand).
	KindCommand Kind = "command"
	// KindAutomation starts an Automation runbook (StartAutomationExecution).
	KindAutomation Kind = "automation"
)

// InputType is the type of a runbook input.
type InputType string

// The input types. Values are normalised: ints to their decimal form, bools
// to true or false.
const (
	TypeString     InputType = "string"
	TypeInt        InputType = "int"
	TypeBool       InputType = "bool"
	TypeInstanceID InputType = "instance_id"
)

// Input is a value a responder supplies when requesting a run.
type Input struct {
	Name        string
	Description string
	Type        InputType
	// Allowed is the fixed list of accepted values, or nil.
	Allowed []string
	// Pattern is a regular expression the whole value must match (it is
	// anchored: ^(?:Pattern)$), or "".
	Pattern string
	// Default is used when the input is not given; "" means required.
	Default string

	re *regexp.Regexp
}

// Targets says where a runbook runs. Exactly one field is set, except for
// an automation runbook, which may have none.
type Targets struct {
	// InstanceIDs are fixed instance ids.
	InstanceIDs []string
	// Tags select instances by tag: key -> accepted values.
	Tags map[string][]string
	// FromAlarm names a dimension of the incident's alarm whose value is
	// the target (InstanceId, DBInstanceIdentifier, ...).
	FromAlarm string
}

// empty reports whether no target is set.
func (t Targets) empty() bool {
	return len(t.InstanceIDs) == 0 && len(t.Tags) == 0 && t.FromAlarm == ""
}

// Runbook is one checked runbook definition.
type Runbook struct {
	Name        string
	Description string
	Kind        Kind
	// Document is the SSM document name or ARN; DocumentVersion is "" for
	// the document's default version.
	Document        string
	DocumentVersion string
	Targets         Targets
	// TargetParameter is, for automation runbooks with targets, the
	// document parameter that receives them (default InstanceId).
	TargetParameter string
	// Parameters are the document parameters; values may contain
	// {{input.NAME}}.
	Parameters map[string][]string
	Inputs     []Input
	// Timeout is the delivery timeout of a command (SendCommand's
	// TimeoutSeconds); zero leaves SSM's default.
	Timeout        time.Duration
	MaxConcurrency string
	MaxErrors      string
	Approval       Policy
	// AutoRunOn are alarm name globs (path.Match) on which a pre-approved
	// runbook runs without being asked.
	AutoRunOn []string
	// Source is the file the definition came from.
	Source string
}

// Input returns the named input.
func (r *Runbook) Input(name string) (*Input, bool) {
	for i := range r.Inputs {
		if r.Inputs[i].Name == name {
			return &r.Inputs[i], true
		}
	}
	return nil, false
}

// AutoRunsOn reports whether r runs by itself when the named alarm fires:
// it must be pre-approved and one of its auto_run_on globs must match.
func (r *Runbook) AutoRunsOn(alarmName string) bool {
	if !r.Approval.PreApproved {
		return false
	}
	for _, g := range r.AutoRunOn {
		if ok, _ := path.Match(g, alarmName); ok {
			return true
		}
	}
	return false
}

// clone returns a deep copy of r, so a Set can hand out changed copies.
func (r *Runbook) clone() *Runbook {
	c := *r
	c.Parameters = make(map[string][]string, len(r.Parameters))
	for k, v := range r.Parameters {
		c.Parameters[k] = append([]string(nil), v...)
	}
	c.Inputs = append([]Input(nil), r.Inputs...)
	c.AutoRunOn = append([]string(nil), r.AutoRunOn...)
	c.Approval.Approvers = append([]string(nil), r.Approval.Approvers...)
	return &c
}
