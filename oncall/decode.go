package oncall

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

var (
	namePattern     = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)
	userIDPattern   = regexp.MustCompile(`^[UW][A-Z0-9]{2,}$`)
	phonePattern    = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)
	channelPattern  = regexp.MustCompile(`^[CG][A-Z0-9]{2,}$`)
	schedulePattern = regexp.MustCompile(`^[A-Z0-9]{2,20}$`)
	clockPattern    = regexp.MustCompile(`^([01][0-9]|2[0-3]):([0-5][0-9])$`)
	hoursPattern    = regexp.MustCompile(`^([1-9][0-9]{0,3})h$`)
)

// IsUserID reports whether s has the shape of a Slack user id (U…, W…).
func IsUserID(s string) bool { return userIDPattern.MatchString(s) }

// decoder reads one rotation from its YAML node, collecting problems.
type decoder struct {
	file     string
	name     string // the rotation's name, once read
	problems []Problem
}

func (d *decoder) problem(n *yaml.Node, field, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	d.problems = append(d.problems, Problem{File: d.file, Line: line, Rotation: d.name, Field: field, Msg: fmt.Sprintf(format, args...)})
}

// fields returns a mapping's values by key, reporting keys not in known
// (and anything that is not a mapping).
func (d *decoder) fields(n *yaml.Node, path string, known ...string) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	if n.Kind != yaml.MappingNode {
		d.problem(n, path, "must be a mapping of fields (%s)", strings.Join(known, ", "))
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !contains(known, k.Value) {
			d.problem(k, join(path, k.Value), "unknown field (the fields are %s)", strings.Join(known, ", "))
			continue
		}
		if _, dup := out[k.Value]; dup {
			d.problem(k, join(path, k.Value), "given twice")
			continue
		}
		out[k.Value] = v
	}
	return out
}

// scalar returns a field's text ("" when absent), reporting a non-scalar.
func (d *decoder) scalar(f map[string]*yaml.Node, key, path string) (string, *yaml.Node) {
	n, ok := f[key]
	if !ok {
		return "", nil
	}
	if n.Kind != yaml.ScalarNode {
		d.problem(n, join(path, key), "must be a single value")
		return "", n
	}
	return strings.TrimSpace(n.Value), n
}

func join(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// parseLength reads daily, weekly or Nh (1 to 8760 hours).
func parseLength(s string) (Length, bool) {
	switch s {
	case "daily":
		return Length{Days: 1}, true
	case "weekly":
		return Length{Days: 7}, true
	}
	m := hoursPattern.FindStringSubmatch(s)
	if m == nil {
		return Length{}, false
	}
	h, _ := strconv.Atoi(m[1])
	return Length{Hours: h}, h <= 8760
}

// overlaps returns the pairs of overrides (indexes into os, as written)
// whose windows overlap.
func overlaps(os []Override) [][2]int {
	idx := make([]int, len(os))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return os[idx[a]].From.Before(os[idx[b]].From) })
	var out [][2]int
	for i := 1; i < len(idx); i++ {
		for j := 0; j < i; j++ {
			a, b := os[idx[j]], os[idx[i]]
			if b.From.Before(a.To) {
				out = append(out, [2]int{min(idx[j], idx[i]), max(idx[j], idx[i])})
			}
		}
	}
	return out
}
