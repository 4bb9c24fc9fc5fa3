package access

import (
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/tocsin-dev/tocsin/dispatch"
)

var (
	userID  = regexp.MustCompile(`^[UW][A-Z0-9]{2,}$`)
	groupID = regexp.MustCompile(`^S[A-Z0-9]{2,}$`)
	yamlErr = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
)

// parser reads one policy file, collecting every problem.
type parser struct {
	file          string
	runbookExists func(string) bool
	problems      []Problem
}

func (ps *parser) add(line int, warning bool, format string, args ...any) {
	ps.problems = append(ps.problems, Problem{File: ps.file, Line: line, Msg: fmt.Sprintf(format, args...), Warning: warning})
}

// parse reads a policy. The Policy is meaningful only when no problem is
// an error (warnings aside). runbookExists, when not nil, checks the runbook
// names the policy gives.
func parse(file string, data []byte, runbookExists func(string) bool) (*Policy, []Problem) {
	ps := &parser{file: file, runbookExists: runbookExists}
	p := &Policy{Source: file, rules: map[dispatch.ActionName]rule{}}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		line := 0
		if m := yamlErr.FindStringSubmatch(err.Error()); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = m[2]
		}
		ps.add(line, false, "YAML syntax: %s", msg)
		return p, ps.problems
	}
	if len(doc.Content) == 0 || doc.Content[0].ShortTag() == "!!null" {
		ps.add(0, true, "the policy is empty, so it restricts nothing")
		return p, ps.problems
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		ps.add(root.Line, false, "the policy must be a mapping of action names to lists of Slack ids")
		return p, ps.problems
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch first, dup := seen[k.Value]; {
		case dup:
			ps.add(k.Line, false, "%q is given twice (first at line %d)", k.Value, first)
			continue
		case !knownAction(k.Value):
			ps.add(k.Line, false, "unknown action %q%s; the actions are declare, severity, resolve (which also covers close and reopen), assign, runbook, approve", k.Value, hint(k.Value))
			continue
		}
		seen[k.Value] = k.Line
		name := dispatch.ActionName(k.Value)
		if name == dispatch.ActionRunbook && v.Kind == yaml.MappingNode {
			p.runbookMapped = true
			p.runbooks = ps.runbookRules(v)
			continue
		}
		p.rules[name] = ps.rule(k.Value, v)
	}
	return p, ps.problems
}

// hint suggests the action a misnamed one probably meant.
func hint(name string) string {
	switch strings.ToLower(name) {
	case "close", "reopen", "resolve_close_reopen":
		return ` (use "resolve": it covers resolve, close and reopen)`
	case "sev", "severity_change", "set_severity":
		return ` (did you mean "severity"?)`
	case "role", "roles", "assign_role", "assign_roles":
		return ` (did you mean "assign"?)`
	case "runbooks", "run", "request":
		return ` (did you mean "runbook"?)`
	case "approval", "approvals", "approvers":
		return ` (did you mean "approve"?)`
	}
	return ""
}

// rule reads one list of who may do something: a sequence of ids, or one id.
func (ps *parser) rule(name string, v *yaml.Node) rule {
	r := rule{name: name}
	var items []*yaml.Node
	switch {
	case v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null":
	case v.Kind == yaml.ScalarNode:
		items = []*yaml.Node{v}
	case v.Kind == yaml.SequenceNode:
		items = v.Content
	default:
		ps.add(v.Line, false, "%s must be a list of Slack user ids (U…, W…) and user group ids (S…)", name)
		return r
	}
	for _, it := range items {
		id := strings.TrimSpace(it.Value)
		switch {
		case it.Kind != yaml.ScalarNode:
			ps.add(it.Line, false, "%s: each entry must be one Slack id", name)
		case userID.MatchString(id):
			r.users, r.ids = append(r.users, id), append(r.ids, id)
		case groupID.MatchString(id):
			r.groups, r.ids = append(r.groups, id), append(r.ids, id)
		default:
			ps.add(it.Line, false, "%s: %q is not a Slack user id (U…, W…) or user group id (S…)%s", name, id, idHint(id))
		}
	}
	if len(items) == 0 {
		ps.add(v.Line, true, "%s lists nobody, so everyone is refused; remove it to let everyone", name)
	}
	return r
}

func idHint(id string) string {
	switch {
	case strings.HasPrefix(id, "@"), strings.HasPrefix(id, "#"):
		return "; write the id Slack shows in the group's or person's profile, not a handle"
	case strings.HasPrefix(id, "role:"):
		return "; the access policy names people and user groups, not incident roles"
	case userID.MatchString(strings.ToUpper(id)) || groupID.MatchString(strings.ToUpper(id)):
		return "; Slack ids are upper case"
	}
	return ""
}

// runbookRules reads the per-runbook form: runbook name or glob -> list.
func (ps *parser) runbookRules(v *yaml.Node) []runbookRule {
	var out []runbookRule
	seen := map[string]int{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, list := v.Content[i], v.Content[i+1]
		pat := k.Value
		glob := strings.ContainsAny(pat, `*?[\`)
		switch first, dup := seen[pat]; {
		case dup:
			ps.add(k.Line, false, "runbook %q is given twice (first at line %d)", pat, first)
			continue
		case pat == "":
			ps.add(k.Line, false, "runbook: an entry has no runbook name")
			continue
		case glob:
			if _, err := path.Match(pat, ""); err != nil {
				ps.add(k.Line, false, "runbook: %q is not a valid glob: %v", pat, err)
				continue
			}
		case ps.runbookExists != nil && !ps.runbookExists(pat):
			ps.add(k.Line, false, "runbook: there is no runbook named %q", pat)
		}
		seen[pat] = k.Line
		out = append(out, runbookRule{pattern: pat, glob: glob, rule: ps.rule("runbook "+pat, list)})
	}
	if len(out) == 0 {
		ps.add(v.Line, true, "runbook lists no runbooks, so nobody may request any; remove it to let everyone")
	}
	return out
}
