package runbooks

import (
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"
)

var (
	nameRe     = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	documentRe = regexp.MustCompile(`^(arn:aws[a-z-]*:ssm:[a-z0-9-]*:[0-9]{0,12}:document/)?[A-Za-z0-9_.-]{3,128}$`)
	versionRe  = regexp.MustCompile(`^(\$DEFAULT|\$LATEST|[1-9][0-9]{0,8})$`)
	// The patterns SSM itself applies to MaxConcurrency and MaxErrors.
	concurrencyRe = regexp.MustCompile(`^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$`)
	maxErrorsRe   = regexp.MustCompile(`^([1-9][0-9]*|0|[1-9][0-9]%|[0-9]%|100%)$`)
	instanceIDRe  = regexp.MustCompile(`^(i|mi)-[0-9a-f]{8}([0-9a-f]{9})?$`)
	dimensionRe   = regexp.MustCompile(`^[A-Za-z0-9_.:/-]{1,255}$`)
)

// Bounds on durations in a definition.
const (
	minTimeout     = 30 * time.Second // SendCommand's TimeoutSeconds minimum
	maxTimeout     = 48 * time.Hour
	defaultExpires = 15 * time.Minute
	minExpires     = time.Minute
	maxExpires     = 24 * time.Hour
)

// checker collects the problems of one definition.
type checker struct {
	file     string
	pos      positions
	docs     map[string]docSpec
	problems []Problem
}

func (c *checker) add(path, format string, args ...any) {
	c.problems = append(c.problems, Problem{File: c.file, Line: c.pos.line(path), Msg: fmt.Sprintf(format, args...)})
}

// compile checks a decoded definition and builds its Runbook. The Runbook
// is only usable when no problems are returned.
func (c *checker) compile(d *definition) *Runbook {
	r := &Runbook{
		Name: d.Name, Description: strings.TrimSpace(d.Description), Kind: Kind(d.Kind),
		Document: d.Document, DocumentVersion: d.DocumentVersion,
		MaxConcurrency: d.MaxConcurrency, MaxErrors: d.MaxErrors,
		AutoRunOn: d.AutoRunOn, Source: c.file,
		Parameters: map[string][]string{},
	}
	for k, v := range d.Parameters {
		r.Parameters[k] = []string(v)
	}
	c.checkHead(d)
	r.Targets, r.TargetParameter = c.compileTargets(d)
	r.Inputs = c.compileInputs(d.Inputs)
	c.checkParameters(r)
	r.Timeout = c.duration("timeout", d.Timeout, 0, minTimeout, maxTimeout)
	if d.Timeout != "" && Kind(d.Kind) == KindAutomation {
		c.add("timeout", "timeout is the delivery timeout of a command; an automation document sets its own step timeouts")
	}
	c.checkLimits(d)
	r.Approval = c.compileApproval(d.Approval)
	c.checkAutoRun(r)
	return r
}

func (c *checker) checkHead(d *definition) {
	switch {
	case d.Name == "":
		c.add("", "missing name")
	case !nameRe.MatchString(d.Name):
		c.add("name", "name %q must be lower-case letters, digits and dashes, at most 63 characters", d.Name)
	}
	switch Kind(d.Kind) {
	case KindCommand, KindAutomation:
	case "":
		c.add("", "missing kind (command or automation)")
	default:
		c.add("kind", "unknown kind %q (expected command or automation)", d.Kind)
	}
	switch {
	case d.Document == "":
		c.add("", "missing document (an SSM document name or ARN)")
	case !documentRe.MatchString(d.Document):
		c.add("document", "document %q is not an SSM document name or ARN", d.Document)
	}
	if d.DocumentVersion != "" && !versionRe.MatchString(d.DocumentVersion) {
		c.add("document_version", "document_version %q must be a number, $DEFAULT or $LATEST", d.DocumentVersion)
	}
	if spec, ok := c.docs[d.Document]; ok && d.Kind != "" && spec.kind != Kind(d.Kind) {
		c.add("kind", "document %s is a %s document, not %s", d.Document, spec.kind, d.Kind)
	}
}

func (c *checker) compileTargets(d *definition) (Targets, string) {
	var t Targets
	if d.Targets != nil {
		t = Targets{InstanceIDs: d.Targets.InstanceIDs, FromAlarm: d.Targets.FromAlarm}
		if len(d.Targets.Tags) > 0 {
			t.Tags = map[string][]string{}
			for k, v := range d.Targets.Tags {
				t.Tags[k] = []string(v)
			}
		}
	}
	set := 0
	for _, on := range []bool{len(t.InstanceIDs) > 0, len(t.Tags) > 0, t.FromAlarm != ""} {
		if on {
			set++
		}
	}
	switch {
	case set > 1:
		c.add("targets", "targets must be one of instance_ids, tags or from_alarm, not several")
	case set == 0 && Kind(d.Kind) == KindCommand:
		c.add("targets", "a command runbook needs targets: instance_ids, tags or from_alarm")
	}
	c.checkTargetValues(t)
	return t, c.targetParameter(d, t)
}

func (c *checker) checkTargetValues(t Targets) {
	if len(t.InstanceIDs) > 50 {
		c.add("targets.instance_ids", "at most 50 instance ids may be listed (SSM's limit)")
	}
	for i, id := range t.InstanceIDs {
		if !instanceIDRe.MatchString(id) {
			c.add(fmt.Sprintf("targets.instance_ids[%d]", i), "%q is not an instance id (i-0123456789abcdef0)", id)
		}
	}
	if len(t.Tags) > 5 {
		c.add("targets.tags", "at most 5 tags may select targets (SSM's limit)")
	}
	for _, k := range slices.Sorted(maps.Keys(t.Tags)) {
		if len(t.Tags[k]) == 0 || k == "" {
			c.add("targets.tags."+k, "tag %q needs at least one value", k)
		}
	}
	if t.FromAlarm != "" && !dimensionRe.MatchString(t.FromAlarm) {
		c.add("targets.from_alarm", "from_alarm %q is not a dimension name", t.FromAlarm)
	}
}

// targetParameter decides which automation parameter receives the targets.
func (c *checker) targetParameter(d *definition, t Targets) string {
	if Kind(d.Kind) != KindAutomation {
		if d.TargetParameter != "" {
			c.add("target_parameter", "target_parameter is for automation runbooks only")
		}
		return ""
	}
	if t.empty() {
		if d.TargetParameter != "" {
			c.add("target_parameter", "target_parameter needs targets")
		}
		return ""
	}
	p := d.TargetParameter
	if p == "" {
		p = "InstanceId"
	}
	if _, dup := d.Parameters[p]; dup {
		c.add("parameters."+p, "parameter %s is filled from the targets; do not set it in parameters too", p)
	}
	if spec, ok := c.docs[d.Document]; ok {
		if _, ok := spec.params[p]; !ok {
			c.add("target_parameter", "document %s has no parameter %s to receive the targets", d.Document, p)
		}
	}
	return p
}

func (c *checker) checkLimits(d *definition) {
	if d.MaxConcurrency != "" && !concurrencyRe.MatchString(d.MaxConcurrency) {
		c.add("max_concurrency", "max_concurrency %q must be a number like \"10\" or a percentage like \"10%%\"", d.MaxConcurrency)
	}
	if d.MaxErrors != "" && !maxErrorsRe.MatchString(d.MaxErrors) {
		c.add("max_errors", "max_errors %q must be a number like \"1\" or a percentage like \"10%%\"", d.MaxErrors)
	}
}

// duration parses a duration field; "" gives def.
func (c *checker) duration(field, s string, def, lo, hi time.Duration) time.Duration {
	if s == "" {
		return def
	}
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		c.add(field, "%s %q is not a duration like 90s, 10m or 1h", lastField(field), s)
	case d < lo || d > hi:
		c.add(field, "%s %s must be between %s and %s", lastField(field), s, lo, hi)
	}
	return d
}

func (c *checker) checkAutoRun(r *Runbook) {
	if len(r.AutoRunOn) > 0 && !r.Approval.PreApproved {
		c.add("auto_run_on", "auto_run_on needs approval: none; a runbook that needs approval never runs by itself")
	}
	for _, in := range r.Inputs {
		if len(r.AutoRunOn) > 0 && in.Default == "" {
			c.add("auto_run_on", "auto_run_on needs a default for every input, and input %q has none", in.Name)
		}
	}
	for i, g := range r.AutoRunOn {
		if _, err := path.Match(g, ""); err != nil || g == "" {
			c.add(fmt.Sprintf("auto_run_on[%d]", i), "%q is not a valid alarm name glob", g)
		}
	}
}

func lastField(p string) string {
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[i+1:]
	}
	return p
}
