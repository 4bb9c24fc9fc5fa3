package runbooks

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

var (
	inputNameRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)
	// placeholderRe finds {{ ... }} in parameter values.
	placeholderRe = regexp.MustCompile(`\{\{\s*([^{}]*?)\s*\}\}`)
)

func (c *checker) compileInputs(defs []inputDef) []Input {
	seen := map[string]bool{}
	out := make([]Input, 0, len(defs))
	for i, d := range defs {
		p := fmt.Sprintf("inputs[%d]", i)
		in := Input{Name: d.Name, Description: d.Description, Type: InputType(d.Type),
			Allowed: d.Allowed, Pattern: d.Pattern, Default: d.Default}
		if in.Type == "" {
			in.Type = TypeString
		}
		switch {
		case d.Name == "":
			c.add(p, "input %d has no name", i+1)
		case !inputNameRe.MatchString(d.Name):
			c.add(p+".name", "input name %q must be lower-case letters, digits and underscores", d.Name)
		case seen[d.Name]:
			c.add(p+".name", "input %q is declared twice", d.Name)
		}
		seen[d.Name] = true
		c.checkInputRule(p, &in)
		out = append(out, in)
	}
	return out
}

// checkInputRule checks an input's type, allow-list, pattern and default,
// and compiles its pattern.
func (c *checker) checkInputRule(p string, in *Input) {
	switch in.Type {
	case TypeString, TypeInt, TypeBool, TypeInstanceID:
	default:
		c.add(p+".type", "input %q has unknown type %q (expected string, int, bool or instance_id)", in.Name, in.Type)
		return
	}
	constrained := in.Type == TypeBool || in.Type == TypeInstanceID
	switch {
	case len(in.Allowed) > 0 && in.Pattern != "":
		c.add(p+".pattern", "input %q has both allowed and pattern; give one", in.Name)
	case len(in.Allowed) == 0 && in.Pattern == "" && !constrained:
		c.add(p, "input %q has neither an allowed list nor a pattern; every %s input must have one", in.Name, in.Type)
	}
	if in.Pattern != "" {
		if _, err := regexp.Compile(in.Pattern); err != nil {
			c.add(p+".pattern", "input %q: pattern does not compile: %v", in.Name, err)
		} else {
			in.re = regexp.MustCompile(`^(?:` + in.Pattern + `)$`)
		}
	}
	for j, v := range in.Allowed {
		if _, err := in.check(v); err != nil {
			c.add(fmt.Sprintf("%s.allowed[%d]", p, j), "allowed value: %v", err)
		}
	}
	if in.Default != "" && (in.Pattern == "" || in.re != nil) {
		if _, err := in.check(in.Default); err != nil {
			c.add(p+".default", "default: %v", err)
		}
	}
}

// checkParameters checks parameter names against the document, and every
// {{input.NAME}} reference: it must name a declared input, and an input
// that may reach a shell script must be safe there.
func (c *checker) checkParameters(r *Runbook) {
	spec, known := c.docs[r.Document]
	used := map[string]bool{}
	for _, name := range slices.Sorted(maps.Keys(r.Parameters)) {
		p := "parameters." + name
		ps, ok := spec.params[name]
		if known && !ok {
			c.add(p, "document %s has no parameter %q (it has %s)", r.Document, name, strings.Join(slices.Sorted(maps.Keys(spec.params)), ", "))
		}
		for _, v := range r.Parameters[name] {
			for _, m := range placeholderRe.FindAllStringSubmatch(v, -1) {
				c.checkReference(p, m[1], r, known, ps.shell, used)
			}
			if rest := placeholderRe.ReplaceAllString(v, ""); strings.Contains(rest, "{{") || strings.Contains(rest, "}}") {
				c.add(p, "parameter %s has an unbalanced {{ or }}", name)
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(spec.params)) {
		_, set := r.Parameters[name]
		if known && spec.params[name].required && !set && name != r.TargetParameter {
			c.add("parameters", "document %s requires parameter %s", r.Document, name)
		}
	}
	for i, in := range r.Inputs {
		if in.Name != "" && !used[in.Name] {
			c.add(fmt.Sprintf("inputs[%d]", i), "input %q is not used by any parameter", in.Name)
		}
	}
}

func (c *checker) checkReference(p, ref string, r *Runbook, known, shell bool, used map[string]bool) {
	name, ok := strings.CutPrefix(ref, "input.")
	if !ok {
		c.add(p, "only {{input.NAME}} may appear in parameter values, not {{%s}}", ref)
		return
	}
	in, ok := r.Input(name)
	if !ok {
		c.add(p, "{{input.%s}} names no declared input", name)
		return
	}
	used[name] = true
	if in.Type != TypeString { // int, bool and instance ids cannot carry shell syntax
		return
	}
	if known && shell {
		if len(in.Allowed) == 0 {
			c.add(p, "input %q reaches the shell script parameter %s; only an input with a fixed allowed list may (a pattern is not enough)", name, lastField(p))
		}
		c.checkAllowedWords(p, in)
		return
	}
	if !known && in.Pattern != "" {
		if bad := admittedMeta(in.Pattern); len(bad) > 0 {
			c.add(p, "input %q: %s is not a document tocsin knows, so the value may reach a shell, and its pattern admits %s", name, r.Document, strings.Join(bad, " "))
		}
	}
	if !known {
		c.checkAllowedWords(p, in)
	}
}

func (c *checker) checkAllowedWords(p string, in *Input) {
	for _, v := range in.Allowed {
		if !safeWordRe.MatchString(v) {
			c.add(p, "input %q: allowed value %q may reach a shell; use letters, digits and . _ : / @ %% + = , - only", in.Name, clip(v))
		}
	}
}

// clip shortens v for messages: at most 64 characters.
func clip(v string) string {
	r := []rune(v)
	if len(r) <= 64 {
		return v
	}
	return string(r[:64]) + "…"
}
