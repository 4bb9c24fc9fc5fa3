package playbooks

import (
	"fmt"
	"reflect"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/tocsin-dev/tocsin/incident"
)

// decoder fills a Playbook from a YAML node tree by walking it, so that
// every problem — unknown fields, wrong kinds, bad durations and severities
// — is reported with its line, all at once, and the line of every value is
// remembered for later checks.
type decoder struct {
	file     string
	lines    map[string]int  // value path ("escalation[1].after") -> line
	bad      map[string]bool // value paths that could not be decoded
	pageErrs map[string]error
	problems []Problem
}

var (
	durationType = reflect.TypeFor[time.Duration]()
	severityType = reflect.TypeFor[incident.Severity]()
	patternsType = reflect.TypeFor[Patterns]()
	pageType     = reflect.TypeFor[PageTarget]()
)

func (d *decoder) fail(n *yaml.Node, path, format string, args ...any) {
	d.bad[path] = true
	d.problems = append(d.problems, Problem{File: d.file, Line: n.Line, Msg: fmt.Sprintf(format, args...)})
}

// decode sets v from n. A null leaves v at its zero value.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if _, seen := d.lines[path]; !seen {
		d.lines[path] = n.Line
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return
	}
	switch t := v.Type(); {
	case t == durationType:
		d.duration(n, v, path)
	case t == severityType:
		d.severity(n, v, path)
	case t == pageType:
		d.page(n, v, path)
	case t == patternsType && n.Kind == yaml.ScalarNode:
		v.Set(reflect.ValueOf(Patterns{n.Value}))
	case t.Kind() == reflect.Struct:
		d.structure(n, v, path)
	case t.Kind() == reflect.Slice:
		d.sequence(n, v, path)
	case t.Kind() == reflect.Map:
		d.mapping(n, v, path)
	default:
		d.scalar(n, v, path)
	}
}

func (d *decoder) duration(n *yaml.Node, v reflect.Value, path string) {
	dur, err := time.ParseDuration(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil {
		d.fail(n, path, "%s: bad duration %q (write it like 30s, 5m or 1h30m)", path, n.Value)
		return
	}
	v.SetInt(int64(dur))
}

func (d *decoder) severity(n *yaml.Node, v reflect.Value, path string) {
	sev, err := incident.ParseSeverity(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil {
		d.fail(n, path, "%s: bad severity %q (want sev1, sev2, sev3 or sev4)", path, n.Value)
		return
	}
	v.SetInt(int64(sev))
}

func (d *decoder) page(n *yaml.Node, v reflect.Value, path string) {
	// Problems are reported by checkEscalation, which knows the
	// playbook's name.
	if n.Kind != yaml.ScalarNode {
		d.pageErrs[path] = fmt.Errorf("want one page target (true, pagerduty, pagerduty:ENV_NAME, sms or rotation:NAME), not %s", kindName(n))
		return
	}
	t, err := ParsePageTarget(n.Value)
	if err != nil {
		d.pageErrs[path] = err
		return
	}
	v.Set(reflect.ValueOf(t))
}

func (d *decoder) scalar(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.ScalarNode {
		d.fail(n, path, "%s: want a single value, not %s", path, kindName(n))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(n.Value)
	case reflect.Bool:
		var b bool
		if n.ShortTag() != "!!bool" || n.Decode(&b) != nil {
			d.fail(n, path, "%s: want true or false, not %q", path, n.Value)
			return
		}
		v.SetBool(b)
	case reflect.Int:
		var i int
		if n.ShortTag() != "!!int" || n.Decode(&i) != nil {
			d.fail(n, path, "%s: want a whole number, not %q", path, n.Value)
			return
		}
		v.SetInt(int64(i))
	default:
		d.fail(n, path, "%s: cannot hold a %s", path, v.Kind()) // a bug in this package's types
	}
}

func (d *decoder) structure(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "%s: want a mapping of fields, not %s", orPlaybook(path), kindName(n))
		return
	}
	fields := fieldIndex(v.Type())
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.ShortTag() == "!!merge" {
			d.merge(val, v, path)
			continue
		}
		if line, dup := seen[k.Value]; dup {
			d.fail(k, path, "%s: field %q is given twice (first on line %d)", orPlaybook(path), k.Value, line)
			continue
		}
		seen[k.Value] = k.Line
		idx, ok := fields[k.Value]
		if !ok {
			d.fail(k, path, "unknown field %q in %s%s", k.Value, orPlaybook(path), suggest(k.Value, fields))
			continue
		}
		child := join(path, k.Value)
		d.lines[child] = k.Line
		d.decode(val, v.Field(idx), child)
	}
}

// merge applies a YAML merge key ("<<: *base" or "<<: [*a, *b]"): the
// fields of the merged mappings, which the fields given beside the key
// override when they come after it.
func (d *decoder) merge(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind != yaml.SequenceNode {
		d.structure(n, v, path)
		return
	}
	for _, item := range n.Content {
		d.merge(item, v, path)
	}
}

func (d *decoder) sequence(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.SequenceNode {
		d.fail(n, path, "%s: want a list, not %s", path, kindName(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		d.decode(item, s.Index(i), fmt.Sprintf("%s[%d]", path, i))
	}
	v.Set(s)
}

func (d *decoder) mapping(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "%s: want a mapping, not %s", path, kindName(n))
		return
	}
	m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if line, dup := seen[k.Value]; dup {
			d.fail(k, path, "%s: key %q is given twice (first on line %d)", path, k.Value, line)
			continue
		}
		seen[k.Value] = k.Line
		child := join(path, k.Value)
		d.lines[child] = k.Line
		elem := reflect.New(v.Type().Elem()).Elem()
		d.decode(val, elem, child)
		m.SetMapIndex(reflect.ValueOf(k.Value), elem)
	}
	v.Set(m)
}

// fieldIndex maps the yaml names of a struct's fields to their indexes.
func fieldIndex(t reflect.Type) map[string]int {
	m := map[string]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if f.IsExported() && name != "" && name != "-" {
			m[name] = i
		}
	}
	return m
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return fmt.Sprintf("%q", n.Value)
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func orPlaybook(path string) string {
	if path == "" {
		return "playbook"
	}
	return path
}
