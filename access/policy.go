package access

import (
	"path"
	"slices"
	"strings"

	"github.com/tocsin-dev/tocsin/dispatch"
)

// FileName is the access policy's file name in the playbook directory.
const FileName = "access.policy"

// actions are the action names a policy may restrict, in the order
// summaries list them, with what each lets a person do.
var actions = []actionInfo{
	{dispatch.ActionDeclare, "declare incidents"},
	{dispatch.ActionSeverity, "change severity"},
	{dispatch.ActionResolve, "resolve, close and reopen incidents"},
	{dispatch.ActionAssign, "assign roles"},
	{dispatch.ActionRunbook, "request runbooks"},
	{dispatch.ActionApprove, "approve runbook runs"},
}

type actionInfo struct {
	name dispatch.ActionName
	does string
}

func knownAction(name string) bool {
	return slices.ContainsFunc(actions, func(a actionInfo) bool { return string(a.name) == name })
}

// Policy is a checked access policy. It is immutable; Load makes one.
type Policy struct {
	// Source is the file it was read from.
	Source string
	rules  map[dispatch.ActionName]rule
	// runbooks, when the runbook action is a mapping, are its entries in
	// file order; runbookMapped says it is one.
	runbooks      []runbookRule
	runbookMapped bool
}

// rule is one list of who may do an action.
type rule struct {
	name   string
	ids    []string // as the file lists them
	users  []string // U…, W…
	groups []string // S…
}

func (r rule) who() []string { return slices.Clone(r.ids) }

// runbookRule restricts the runbooks whose name matches pattern.
type runbookRule struct {
	pattern string // a runbook name or a path.Match glob
	glob    bool
	rule
}

// ruleFor returns the rule that decides act, or restricted=false when the
// policy does not restrict it. Within the runbook mapping an exact name wins
// over globs, globs apply in file order, and a runbook no entry matches is
// refused to everyone (the action is configured: deny by default).
func (p *Policy) ruleFor(act dispatch.Action) (r rule, restricted bool) {
	if act.Name == dispatch.ActionRunbook && p.runbookMapped {
		for _, rb := range p.runbooks {
			if !rb.glob && rb.pattern == act.Runbook {
				return rb.rule, true
			}
		}
		for _, rb := range p.runbooks {
			if ok, _ := path.Match(rb.pattern, act.Runbook); rb.glob && ok {
				return rb.rule, true
			}
		}
		return rule{name: string(dispatch.ActionRunbook)}, true
	}
	r, restricted = p.rules[act.Name]
	return r, restricted
}

// Summary says in one line what the policy restricts and what it leaves
// to everyone, for the log at start and after a reload. A nil Policy (no
// file) says that there is none and what that means.
func (p *Policy) Summary() string {
	if p == nil {
		return "no access policy (" + FileName + " in TOCSIN_PLAYBOOKS): everyone in the workspace may " +
			"declare incidents, change severity, resolve, close and reopen incidents, assign roles, request runbooks " +
			"and approve runbook runs; only each runbook's approval rules restrict approvals"
	}
	var restricted, open []string
	for _, a := range actions {
		if a.name == dispatch.ActionRunbook && p.runbookMapped {
			for _, rb := range p.runbooks {
				restricted = append(restricted, rb.name+": "+names(rb.who()))
			}
			if !slices.ContainsFunc(p.runbooks, func(rb runbookRule) bool { return rb.pattern == "*" }) {
				restricted = append(restricted, "any other runbook: nobody")
			}
			continue
		}
		r, ok := p.rules[a.name]
		if !ok {
			open = append(open, a.does)
			continue
		}
		restricted = append(restricted, r.name+": "+names(r.who()))
	}
	s := "access policy " + p.Source + ": only the listed may act (" + strings.Join(restricted, "; ") + ")"
	if len(open) == 0 {
		return s
	}
	return s + "; not restricted, everyone in the workspace may " + strings.Join(open, ", ")
}

func names(ids []string) string {
	if len(ids) == 0 {
		return "nobody"
	}
	return strings.Join(ids, ", ")
}
