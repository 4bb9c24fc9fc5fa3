package runbooks

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/tocsin-dev/tocsin/incident"
)

var (
	slackUserRe  = regexp.MustCompile(`^[UW][A-Z0-9]{2,20}$`)
	slackGroupRe = regexp.MustCompile(`^S[A-Z0-9]{2,20}$`)
)

// compileApproval checks the approval policy. It fails closed: a missing
// policy or one naming nobody is a problem, never "anyone may approve".
func (c *checker) compileApproval(a *approvalDef) Policy {
	if a == nil {
		c.add("", "missing approval: name approvers, or write approval: none to pre-approve")
		return Policy{}
	}
	if a.None {
		return Policy{PreApproved: true}
	}
	p := Policy{Required: a.Required, AllowSelf: a.AllowSelf}
	if p.Required == 0 {
		p.Required = 1
	}
	if len(a.Approvers) == 0 {
		c.add("approval", "approval names no approvers; name users, groups or roles, or write approval: none")
	}
	users, groups := 0, 0
	for i, who := range a.Approvers {
		canon, isGroup, ok := approverID(who)
		if !ok {
			c.add(fmt.Sprintf("approval.approvers[%d]", i), "approver %q is not a Slack user id (U…), user group id (S…) or role:commander|comms|scribe", who)
			continue
		}
		if isGroup {
			groups++
		} else {
			users++
		}
		p.Approvers = append(p.Approvers, canon)
	}
	switch {
	case p.Required < 0:
		c.add("approval.required", "required must be at least 1")
	case groups == 0 && len(a.Approvers) > 0 && p.Required > users:
		c.add("approval.required", "required is %d but only %d approvers are named, so no run could ever be approved", p.Required, users)
	}
	p.Expires = c.duration("approval.expires", a.Expires, defaultExpires, minExpires, maxExpires)
	return p
}

// approverID canonicalises one approver entry. Groups are Slack user
// groups; roles count as one person each.
func approverID(s string) (canon string, group, ok bool) {
	switch {
	case slackUserRe.MatchString(s):
		return s, false, true
	case slackGroupRe.MatchString(s):
		return s, true, true
	}
	name, isRole := strings.CutPrefix(s, "role:")
	if !isRole {
		return "", false, false
	}
	r, err := incident.ParseRole(name)
	if err != nil {
		return "", false, false
	}
	return "role:" + string(r), false, true
}
