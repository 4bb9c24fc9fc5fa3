package runbooks

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/tocsin-dev/tocsin/incident"
)

// Target is an SSM target selector: Key "tag:Role", Values ["api"].
type Target struct {
	Key    string   `json:"key"`
	Values []string `json:"values"`
}

// Plan is exactly what a run sends to Systems Manager: the approval message
// shows it, the requested event stores it, and the executor sends it
// unchanged. Parameters hold the substituted, validated values.
type Plan struct {
	Runbook         string `json:"runbook"`
	Kind            Kind   `json:"kind"`
	Document        string `json:"document"`
	DocumentVersion string `json:"document_version,omitempty"`
	// InstanceIDs (commands) or Targets (tag selectors) say where it runs.
	InstanceIDs []string `json:"instance_ids,omitempty"`
	Targets     []Target `json:"targets,omitempty"`
	// TargetParameter is, for an automation with Targets, the parameter
	// SSM fills from each target (TargetParameterName).
	TargetParameter string              `json:"target_parameter,omitempty"`
	Parameters      map[string][]string `json:"parameters"`
	// TimeoutSeconds is a command's delivery timeout; 0 leaves SSM's default.
	TimeoutSeconds int32  `json:"timeout_seconds,omitempty"`
	MaxConcurrency string `json:"max_concurrency,omitempty"`
	MaxErrors      string `json:"max_errors,omitempty"`
}

// dimensionValueRe is what an alarm dimension value must look like to
// become an automation parameter.
var dimensionValueRe = regexp.MustCompile(`^[A-Za-z0-9._:/-]{1,255}$`)

// Plan resolves a run: it validates inputs again (so nothing unvalidated is
// ever substituted), substitutes {{input.NAME}}, and resolves the targets,
// taking a from_alarm target from the alarm's dimension. a may be nil for
// an incident declared by hand; a runbook that needs the alarm then fails.
// Errors wrap incident.ErrInvalid and are sentences for the requester.
func (r *Runbook) Plan(inputs map[string]string, a *incident.Alarm) (Plan, error) {
	vals, err := r.Validate(inputs)
	if err != nil {
		return Plan{}, err
	}
	p := Plan{
		Runbook: r.Name, Kind: r.Kind, Document: r.Document, DocumentVersion: r.DocumentVersion,
		Parameters:     make(map[string][]string, len(r.Parameters)+1),
		TimeoutSeconds: int32(r.Timeout.Seconds()),
		MaxConcurrency: r.MaxConcurrency, MaxErrors: r.MaxErrors,
	}
	if r.Kind != KindCommand {
		p.TimeoutSeconds = 0 // StartAutomationExecution has no delivery timeout
	}
	for name, vs := range r.Parameters {
		out := make([]string, len(vs))
		for i, v := range vs {
			out[i] = placeholderRe.ReplaceAllStringFunc(v, func(m string) string {
				ref := placeholderRe.FindStringSubmatch(m)[1]
				return vals[strings.TrimPrefix(ref, "input.")]
			})
		}
		p.Parameters[name] = out
	}
	return p, r.resolveTargets(&p, a)
}

func (r *Runbook) resolveTargets(p *Plan, a *incident.Alarm) error {
	t := r.Targets
	var ids []string
	switch {
	case len(t.Tags) > 0:
		for _, k := range slices.Sorted(maps.Keys(t.Tags)) {
			p.Targets = append(p.Targets, Target{Key: "tag:" + k, Values: t.Tags[k]})
		}
		if r.Kind == KindAutomation {
			p.TargetParameter = r.TargetParameter
		}
		return nil
	case len(t.InstanceIDs) > 0:
		ids = append(ids, t.InstanceIDs...)
	case t.FromAlarm != "":
		v, err := r.fromAlarm(a)
		if err != nil {
			return err
		}
		ids = []string{v}
	default:
		return nil
	}
	if r.Kind == KindAutomation {
		p.Parameters[r.TargetParameter] = ids
	} else {
		p.InstanceIDs = ids
	}
	return nil
}

func (r *Runbook) fromAlarm(a *incident.Alarm) (string, error) {
	dim := r.Targets.FromAlarm
	if a == nil {
		return "", fmt.Errorf("%w: runbook %s acts on the alarm's %s, and this incident was not opened by an alarm", incident.ErrInvalid, r.Name, dim)
	}
	v, ok := a.Dimension(dim)
	if !ok || v == "" {
		return "", fmt.Errorf("%w: runbook %s acts on the alarm's %s, and alarm %s has no %s dimension", incident.ErrInvalid, r.Name, dim, clip(a.Name), dim)
	}
	if r.Kind == KindCommand && !instanceIDRe.MatchString(v) {
		return "", fmt.Errorf("%w: alarm %s's %s dimension %q is not an instance id", incident.ErrInvalid, clip(a.Name), dim, clip(v))
	}
	if !dimensionValueRe.MatchString(v) {
		return "", fmt.Errorf("%w: alarm %s's %s dimension %q is not a plain identifier", incident.ErrInvalid, clip(a.Name), dim, clip(v))
	}
	return v, nil
}

// String renders the plan for an approval message, one fact per line, in
// a stable order.
func (p Plan) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "runbook %s (%s)\ndocument %s", p.Runbook, p.Kind, p.Document)
	if p.DocumentVersion != "" {
		fmt.Fprintf(&b, " version %s", p.DocumentVersion)
	}
	b.WriteString("\n")
	if len(p.InstanceIDs) > 0 {
		fmt.Fprintf(&b, "instances: %s\n", strings.Join(p.InstanceIDs, ", "))
	}
	for _, t := range p.Targets {
		fmt.Fprintf(&b, "targets: %s = %s\n", t.Key, strings.Join(t.Values, ", "))
	}
	if p.TargetParameter != "" {
		fmt.Fprintf(&b, "each target fills parameter %s\n", p.TargetParameter)
	}
	for _, k := range slices.Sorted(maps.Keys(p.Parameters)) {
		fmt.Fprintf(&b, "%s:\n", k)
		for _, v := range p.Parameters[k] {
			fmt.Fprintf(&b, "  - %s\n", v)
		}
	}
	if p.TimeoutSeconds > 0 {
		fmt.Fprintf(&b, "delivery timeout: %ds\n", p.TimeoutSeconds)
	}
	if p.MaxConcurrency != "" || p.MaxErrors != "" {
		fmt.Fprintf(&b, "max concurrency %s, max errors %s\n", orDefault(p.MaxConcurrency), orDefault(p.MaxErrors))
	}
	return b.String()
}

func orDefault(s string) string {
	if s == "" {
		return "SSM's default"
	}
	return s
}
