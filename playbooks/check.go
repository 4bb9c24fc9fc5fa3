package playbooks

import (
	"fmt"
	"sort"
	"strings"

	"github.com/tocsin-dev/tocsin/incident"
)

// Problem is one thing wrong with a playbook file.
type Problem struct {
	File string
	Line int // 0 when the problem concerns the whole file
	Msg  string
}

// String renders "file:line: problem".
func (p Problem) String() string {
	if p.Line == 0 {
		return p.File + ": " + p.Msg
	}
	return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
}

// Problems is the error Load returns for bad definitions; errors.Is(err,
// incident.ErrInvalid) holds.
type Problems []Problem

// Error lists every problem on its own line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return fmt.Sprintf("%d playbook problem(s):\n%s", len(ps), strings.Join(lines, "\n"))
}

// Unwrap makes errors.Is(err, incident.ErrInvalid) true.
func (ps Problems) Unwrap() error { return incident.ErrInvalid }

// Env is what checking a playbook consults besides its file.
type Env struct {
	// Getenv reads the environment variables that hold PagerDuty routing
	// keys; nil or "" means unset.
	Getenv func(name string) string
	// RunbookExists says whether a suggested runbook is known; nil skips
	// that check.
	RunbookExists func(name string) bool
}

// Check reports every problem in the built-in playbooks together with those
// in dir (which may be empty): everything Load refuses, and suggested
// runbooks for which env.RunbookExists is false. Problems are in file
// order, then line order.
func Check(dir string, env Env) []Problem {
	srcs, err := sources(dir)
	if err != nil {
		return []Problem{{File: dir, Msg: err.Error()}}
	}
	_, problems := build(srcs, env)
	return problems
}

// build parses, validates and merges the sources into a Set. The Set is
// only meaningful when there are no problems.
func build(srcs []source, env Env) (*Set, []Problem) {
	var all []*parsed
	var problems []Problem
	order := map[string]int{}
	for i, src := range srcs {
		order[src.file] = i
		ps, probs := parse(src)
		problems = append(problems, probs...)
		for _, p := range ps {
			problems = append(problems, validate(p, env)...)
			normalize(p.pb)
		}
		all = append(all, ps...)
	}
	effective, probs := merge(all)
	problems = append(problems, probs...)
	problems = append(problems, findTies(effective)...)
	sort.SliceStable(problems, func(i, j int) bool {
		a, b := problems[i], problems[j]
		if a.File != b.File {
			return order[a.File] < order[b.File]
		}
		return a.Line < b.Line
	})
	return newSet(effective), problems
}

// normalize fills in the documented defaults.
func normalize(pb *Playbook) {
	if !pb.SeverityPolicy.Default.Valid() {
		pb.SeverityPolicy.Default = incident.SEV3
	}
	if pb.GroupBy == "" {
		pb.GroupBy = "alarm"
	}
}

// merge applies overrides by name: a directory playbook replaces the
// built-in of the same name. Two definitions of a name in the same layer
// are a problem; the first one is kept.
func merge(all []*parsed) ([]*parsed, []Problem) {
	var problems []Problem
	byName := map[string]*parsed{}
	var names []string
	for _, p := range all {
		name := p.pb.Name
		if name == "" {
			continue // reported by validate
		}
		prev, ok := byName[name]
		switch {
		case !ok:
			names = append(names, name)
		case prev.builtin == p.builtin:
			problems = append(problems, at(p, "name", "duplicate name %q (first defined at %s:%d)", name, prev.pb.Source, prev.line("name")))
			continue
		}
		byName[name] = p
	}
	out := make([]*parsed, len(names))
	for i, n := range names {
		out[i] = byName[n]
	}
	return out, problems
}

// findTies reports pairs of playbooks that can match the same alarm with the
// same specificity, on the later of the two.
func findTies(ps []*parsed) []Problem {
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].builtin && !ps[j].builtin })
	var problems []Problem
	for j, b := range ps {
		for _, a := range ps[:j] {
			if a.broken || b.broken || !ties(&a.pb.Match, &b.pb.Match) {
				continue
			}
			problems = append(problems, at(b, "match",
				"match ties with playbook %q (%s:%d): both can match the same alarm with specificity %d; make one more specific",
				a.pb.Name, a.pb.Source, a.line("match"), b.pb.Match.fields()))
		}
	}
	return problems
}

// at makes a problem at the line of a value path of a playbook.
func at(p *parsed, path, format string, args ...any) Problem {
	return Problem{File: p.pb.Source, Line: p.line(path), Msg: fmt.Sprintf(format, args...)}
}
