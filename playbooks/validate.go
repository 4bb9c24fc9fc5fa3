package playbooks

import (
	"fmt"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strings"
)

var (
	// names become part of group keys ("pb:<name>:<value>") and commands.
	nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
	// slackID is a user (U…, W… on Enterprise Grid) or user group (S…) id.
	slackID = regexp.MustCompile(`^[UWS][A-Z0-9]{2,}$`)
)

// validate reports what is wrong with one playbook on its own.
func validate(p *parsed, env Env) []Problem {
	var out []Problem
	out = append(out, checkIdentity(p)...)
	out = append(out, checkMatch(p)...)
	out = append(out, checkPolicy(p)...)
	out = append(out, checkEscalation(p, env.Getenv)...)
	out = append(out, checkGuide(p, env.RunbookExists)...)
	return out
}

func checkIdentity(p *parsed) []Problem {
	var out []Problem
	pb := p.pb
	switch {
	case p.bad["name"]: // reported while decoding
	case pb.Name == "":
		out = append(out, at(p, "", "missing name"))
	case !nameRE.MatchString(pb.Name):
		out = append(out, at(p, "name", "name %q must be lower-case letters, digits, - and _", pb.Name))
	}
	switch {
	case p.bad["owner"]: // reported while decoding
	case pb.Owner == "":
		out = append(out, at(p, "", "missing owner (every alarm needs an owner: a Slack user group id like S0123ABCD)"))
	default:
		out = append(out, checkIDs(p, "owner", []string{pb.Owner})...)
	}
	return append(out, checkIDs(p, "responders", pb.Responders)...)
}

// checkIDs reports values that are not Slack user or user-group ids.
func checkIDs(p *parsed, field string, ids []string) []Problem {
	var out []Problem
	for i, id := range ids {
		if !slackID.MatchString(id) {
			path := field
			if field != "owner" {
				path = fmt.Sprintf("%s[%d]", field, i)
			}
			out = append(out, at(p, path, "%s: %q is not a Slack user (U…, W…) or user group (S…) id", path, id))
		}
	}
	return out
}

func checkMatch(p *parsed) []Problem {
	var out []Problem
	m := p.pb.Match
	lists := map[string]Patterns{
		"alarm_names": m.AlarmNames, "namespace": m.Namespace, "metric_name": m.MetricName,
		"accounts": m.Accounts, "regions": m.Regions,
	}
	for field, ps := range lists {
		for i, g := range ps {
			out = append(out, checkGlob(p, fmt.Sprintf("match.%s[%d]", field, i), g)...)
		}
	}
	for field, globs := range map[string]map[string]string{"dimensions": m.Dimensions, "tags": m.Tags} {
		for k, g := range globs {
			out = append(out, checkGlob(p, "match."+field+"."+k, g)...)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Line != out[j].Line {
			return out[i].Line < out[j].Line
		}
		return out[i].Msg < out[j].Msg
	})
	return out
}

func checkGlob(p *parsed, path, glob string) []Problem {
	if _, err := pathMatch(glob); err != nil || glob == "" {
		return []Problem{at(p, path, "%s: invalid glob %q", path, glob)}
	}
	return nil
}

func pathMatch(glob string) (bool, error) { return path.Match(glob, "") }

func checkPolicy(p *parsed) []Problem {
	var out []Problem
	pb := p.pb
	if err := checkTemplate(pb.ServiceTemplate); err != nil {
		out = append(out, at(p, "service", "service: %v", err))
	}
	by := pb.GroupBy
	switch {
	case by == "" || by == "alarm":
	case by == "service":
		if strings.TrimSpace(pb.ServiceTemplate) == "" {
			out = append(out, at(p, "group_by", `group_by service needs a service template (otherwise every alarm is grouped as "unknown")`))
		}
	case strings.HasPrefix(by, "dimension:") && len(by) > len("dimension:"):
	default:
		out = append(out, at(p, "group_by", "unknown group_by %q (want service, alarm or dimension:NAME)", by))
	}
	for i, r := range pb.SeverityPolicy.Rules {
		path := fmt.Sprintf("severity.rules[%d]", i)
		if r.IfFiringAtLeast < 1 {
			out = append(out, at(p, path, "%s: if_firing_at_least must be at least 1", path))
		}
		if !r.Then.Valid() && !p.bad[path+".then"] {
			out = append(out, at(p, path, "%s: missing then (a severity, sev1 to sev4)", path))
		}
	}
	return out
}

func checkEscalation(p *parsed, getenv func(string) string) []Problem {
	var out []Problem
	for i, s := range p.pb.Escalation {
		path := fmt.Sprintf("escalation[%d]", i)
		switch {
		case p.bad[path+".after"]: // reported as a bad duration
		case s.After <= 0:
			out = append(out, at(p, path+".after", "%s: after must be a positive duration", path))
		case i > 0 && s.After <= p.pb.Escalation[i-1].After:
			out = append(out, at(p, path+".after", "%s: after %v is not later than the step before (%v); steps run in increasing order",
				path, s.After, p.pb.Escalation[i-1].After))
		}
		if err := p.pageErrs[path+".page"]; err != nil {
			out = append(out, at(p, path+".page", "playbook %q %s.page: %v", p.pb.Name, path, err))
		} else if len(s.Notify) == 0 && len(s.Invite) == 0 && !s.Page.Set() {
			out = append(out, at(p, path, "%s: step has no target (give notify, invite or page)", path))
		}
		if prob, ok := resolvePage(p, path+".page", &p.pb.Escalation[i].Page, getenv); !ok {
			out = append(out, prob)
		}
		out = append(out, checkIDs(p, path+".notify", s.Notify)...)
		out = append(out, checkIDs(p, path+".invite", s.Invite)...)
	}
	return out
}

// checkGuide checks runbooks, graphs and links.
func checkGuide(p *parsed, runbookExists func(string) bool) []Problem {
	var out []Problem
	pb := p.pb
	for i, rb := range pb.Runbooks {
		if runbookExists != nil && !runbookExists(rb) {
			out = append(out, at(p, fmt.Sprintf("runbooks[%d]", i), "unknown runbook %q", rb))
		}
	}
	for i, g := range pb.Graphs {
		path := fmt.Sprintf("graphs[%d]", i)
		if g.Namespace == "" || g.Metric == "" {
			out = append(out, at(p, path, "%s: a graph needs a namespace and a metric", path))
		}
	}
	for i, l := range pb.Links {
		out = append(out, checkLink(p, fmt.Sprintf("links[%d]", i), l)...)
	}
	return out
}

func checkLink(p *parsed, path string, l Link) []Problem {
	var out []Problem
	if strings.TrimSpace(l.Title) == "" {
		out = append(out, at(p, path, "%s: missing title", path))
	}
	if u, err := url.Parse(blank(l.URL)); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		out = append(out, at(p, path+".url", "%s.url: %q is not an http(s) URL", path, l.URL))
	}
	for _, t := range []string{l.Title, l.URL} {
		if err := checkTemplate(t); err != nil {
			out = append(out, at(p, path, "%s: %v", path, err))
		}
	}
	return out
}
