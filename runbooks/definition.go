package runbooks

import (
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// definition is one runbook as written in YAML, before it is checked and
// compiled into a Runbook. Field tags are the file format; README.md
// documents every one.
type definition struct {
	Name            string                `yaml:"name"`
	Description     string                `yaml:"description"`
	Kind            string                `yaml:"kind"`
	Document        string                `yaml:"document"`
	DocumentVersion string                `yaml:"document_version"`
	Targets         *targetsDef           `yaml:"targets"`
	TargetParameter string                `yaml:"target_parameter"`
	Parameters      map[string]stringList `yaml:"parameters"`
	Inputs          []inputDef            `yaml:"inputs"`
	Timeout         string                `yaml:"timeout"`
	MaxConcurrency  string                `yaml:"max_concurrency"`
	MaxErrors       string                `yaml:"max_errors"`
	Approval        *approvalDef          `yaml:"approval"`
	AutoRunOn       []string              `yaml:"auto_run_on"`
}

type targetsDef struct {
	InstanceIDs []string              `yaml:"instance_ids"`
	Tags        map[string]stringList `yaml:"tags"`
	FromAlarm   string                `yaml:"from_alarm"`
}

type inputDef struct {
	Name        string   `yaml:"name"`
	Description string   `yaml:"description"`
	Type        string   `yaml:"type"`
	Allowed     []string `yaml:"allowed"`
	Pattern     string   `yaml:"pattern"`
	Default     string   `yaml:"default"`
}

// approvalDef is either the word "none" or a mapping.
type approvalDef struct {
	None      bool     `yaml:"-"`
	Approvers []string `yaml:"approvers"`
	Required  int      `yaml:"required"`
	AllowSelf bool     `yaml:"allow_self"`
	Expires   string   `yaml:"expires"`
}

// UnmarshalYAML accepts `approval: none` or a policy mapping.
func (a *approvalDef) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		if n.Value != "none" {
			return fmt.Errorf("line %d: approval must be the word none or a mapping with approvers", n.Line)
		}
		*a = approvalDef{None: true}
		return nil
	}
	type plain approvalDef
	return n.Decode((*plain)(a))
}

// stringList is a YAML sequence of strings, or one string.
type stringList []string

// UnmarshalYAML accepts a scalar as a one-element list.
func (l *stringList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*l = stringList{n.Value}
		return nil
	}
	var s []string
	if err := n.Decode(&s); err != nil {
		return err
	}
	*l = s
	return nil
}

// positions maps a field path ("inputs[1].pattern") to its line.
type positions map[string]int

// line returns the line of path, or of its nearest ancestor that has one.
func (p positions) line(path string) int {
	for path != "" {
		if l, ok := p[path]; ok {
			return l
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return p[""]
}

// walkFields records the line of every key and reports keys that t does
// not have, by the yaml tags of its fields.
func walkFields(n *yaml.Node, t reflect.Type, path string, pos positions, report func(line int, msg string)) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := join(path, k.Value)
			pos[p] = k.Line
			ft, ok := fields[k.Value]
			if !ok {
				report(k.Line, fmt.Sprintf("unknown field %q (known fields: %s)", k.Value, knownList(fields)))
				continue
			}
			walkFields(v, ft, p, pos, report)
		}
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		for i, v := range n.Content {
			p := path + "[" + strconv.Itoa(i) + "]"
			pos[p] = v.Line
			walkFields(v, t.Elem(), p, pos, report)
		}
	case t.Kind() == reflect.Map && n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			p := join(path, n.Content[i].Value)
			pos[p] = n.Content[i].Line
			walkFields(n.Content[i+1], t.Elem(), p, pos, report)
		}
	}
}

func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name != "" && name != "-" {
			out[name] = f.Type
		}
	}
	return out
}

func knownList(fields map[string]reflect.Type) string {
	return strings.Join(slices.Sorted(maps.Keys(fields)), ", ")
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

var yamlLine = regexp.MustCompile(`line (\d+): `)

// yamlProblems turns a yaml.v3 error into problems with line numbers.
func yamlProblems(file string, err error) []Problem {
	msgs := []string{err.Error()}
	if te, ok := err.(*yaml.TypeError); ok {
		msgs = te.Errors
	}
	var out []Problem
	for _, m := range msgs {
		line := 0
		if sm := yamlLine.FindStringSubmatch(m); sm != nil {
			line, _ = strconv.Atoi(sm[1])
			m = strings.Replace(m, sm[0], "", 1)
		}
		m = strings.TrimPrefix(m, "yaml: ")
		out = append(out, Problem{File: file, Line: line, Msg: m})
	}
	return out
}
