package runbooks

import (
	"embed"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/tocsin-dev/tocsin/incident"
)

// builtinFS holds the built-in runbook library.
//
//go:embed *.yaml
var builtinFS embed.FS

// Set is a loaded, checked collection of runbooks by name. It is read-only
// after Load; the Runbooks it returns must not be changed.
type Set struct {
	byName map[string]*Runbook
	names  []string
}

// Load reads the built-in runbooks, then the *.yaml and *.yml files of dir
// ("" for none), whose definitions add to the built-ins and replace any of
// the same name. It refuses every definition if any has a problem: the
// error wraps incident.ErrInvalid and lists the problems, as Check does.
func Load(dir string) (*Set, error) {
	sources, problems := loadAll(dir)
	if len(problems) > 0 {
		lines := make([]string, len(problems))
		for i, p := range problems {
			lines[i] = p.String()
		}
		return nil, fmt.Errorf("%w: runbook definitions have %d problem(s):\n%s", incident.ErrInvalid, len(problems), strings.Join(lines, "\n"))
	}
	s := &Set{byName: map[string]*Runbook{}}
	for _, src := range sources { // built-ins come first, so dir overrides
		s.byName[src.rb.Name] = src.rb
	}
	s.index()
	return s, nil
}

func (s *Set) index() {
	s.names = s.names[:0]
	for name := range s.byName {
		s.names = append(s.names, name)
	}
	slices.Sort(s.names)
}

// Get returns the named runbook.
func (s *Set) Get(name string) (*Runbook, bool) {
	r, ok := s.byName[name]
	return r, ok
}

// All returns every runbook, by name.
func (s *Set) All() []*Runbook {
	out := make([]*Runbook, len(s.names))
	for i, n := range s.names {
		out[i] = s.byName[n]
	}
	return out
}

// Names returns the runbook names in order.
func (s *Set) Names() []string { return slices.Clone(s.names) }

// AutoRun returns the runbooks that run by themselves when the named alarm
// fires (pre-approved, with a matching auto_run_on glob), by name.
func (s *Set) AutoRun(alarmName string) []*Runbook {
	var out []*Runbook
	for _, r := range s.All() {
		if r.AutoRunsOn(alarmName) {
			out = append(out, r)
		}
	}
	return out
}

var roleARNRe = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]{1,512}$`)

// WithAutomationRole returns a copy of s in which every automation runbook
// whose document takes AutomationAssumeRole, and whose definition leaves it
// unset, passes roleARN. That is the role the shipped IAM policy lets tocsin
// pass (iam:PassRole); without it automations run with tocsin's own
// permissions, which the policy deliberately does not grant.
func (s *Set) WithAutomationRole(roleARN string) (*Set, error) {
	if !roleARNRe.MatchString(roleARN) {
		return nil, fmt.Errorf("%w: automation role %q is not an IAM role ARN", incident.ErrInvalid, roleARN)
	}
	docs := knownDocuments()
	out := &Set{byName: make(map[string]*Runbook, len(s.byName))}
	for name, r := range s.byName {
		_, takesRole := docs[r.Document].params["AutomationAssumeRole"]
		_, set := r.Parameters["AutomationAssumeRole"]
		if r.Kind == KindAutomation && takesRole && !set {
			r = r.clone()
			r.Parameters["AutomationAssumeRole"] = []string{roleARN}
		}
		out.byName[name] = r
	}
	out.index()
	return out, nil
}
