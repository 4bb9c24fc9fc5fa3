package playbooks

import (
	"path"
	"strings"

	"github.com/tocsin-dev/tocsin/incident"
)

// specificity orders the playbooks that match one alarm. A playbook that
// names the alarm exactly (an alarm_names entry without wildcards) beats
// every playbook that does not; then the playbook with more constrained
// fields wins. Each of alarm_names, namespace, metric_name, accounts and
// regions counts one, and each dimensions and tags entry counts one.
type specificity struct {
	exactName bool
	fields    int
}

func (s specificity) beats(o specificity) bool {
	if s.exactName != o.exactName {
		return s.exactName
	}
	return s.fields > o.fields
}

// fields counts the constrained fields of a match block.
func (m *Match) fields() int {
	n := len(m.Dimensions) + len(m.Tags)
	for _, p := range []Patterns{m.AlarmNames, m.Namespace, m.MetricName, m.Accounts, m.Regions} {
		if len(p) > 0 {
			n++
		}
	}
	return n
}

// score reports whether the alarm matches and how specifically.
func (m *Match) score(a *incident.Alarm) (specificity, bool) {
	s := specificity{fields: m.fields()}
	if len(m.AlarmNames) > 0 {
		matched := false
		for _, p := range m.AlarmNames {
			if globMatch(p, a.Name) {
				matched = true
				s.exactName = s.exactName || isLiteral(p)
			}
		}
		if !matched {
			return s, false
		}
	}
	ok := m.Namespace.match(a.Namespace()) &&
		m.MetricName.match(a.MetricName()) &&
		m.Accounts.match(a.AccountID) &&
		m.Regions.match(a.Region) &&
		matchEach(m.Dimensions, a.Dimension) &&
		matchEach(m.Tags, func(k string) (string, bool) { v, ok := a.Tags[k]; return v, ok })
	return s, ok
}

// match reports whether any pattern matches v. No patterns match anything;
// given patterns never match an empty value (a composite alarm has no
// namespace to match).
func (ps Patterns) match(v string) bool {
	if len(ps) == 0 {
		return true
	}
	if v == "" {
		return false
	}
	for _, p := range ps {
		if globMatch(p, v) {
			return true
		}
	}
	return false
}

// matchEach reports whether every key's value, looked up with get, exists
// and matches its glob.
func matchEach(globs map[string]string, get func(string) (string, bool)) bool {
	for k, p := range globs {
		v, ok := get(k)
		if !ok || !globMatch(p, v) {
			return false
		}
	}
	return true
}

func globMatch(pattern, v string) bool {
	ok, err := path.Match(pattern, v)
	return err == nil && ok
}

// isLiteral reports whether a glob has no wildcards.
func isLiteral(p string) bool { return !strings.ContainsAny(p, `*?[\`) }

// ties reports whether two match blocks can match the same alarm with the
// same specificity, so that neither wins. It is pragmatic: two globs
// overlap when they are equal or one matches the other's text.
func ties(a, b *Match) bool {
	if a.fields() != b.fields() || !namesTie(a.AlarmNames, b.AlarmNames) {
		return false
	}
	pairs := [][2]Patterns{
		{a.Namespace, b.Namespace}, {a.MetricName, b.MetricName},
		{a.Accounts, b.Accounts}, {a.Regions, b.Regions},
	}
	for _, p := range pairs {
		if len(p[0]) > 0 && len(p[1]) > 0 && !anyOverlap(p[0], p[1]) {
			return false
		}
	}
	return mapsOverlap(a.Dimensions, b.Dimensions) && mapsOverlap(a.Tags, b.Tags)
}

// namesTie reports whether some alarm name can match both lists with the
// same exactness.
func namesTie(a, b Patterns) bool {
	switch {
	case len(a) == 0 && len(b) == 0:
		return true
	case len(a) == 0:
		return hasWildcard(b)
	case len(b) == 0:
		return hasWildcard(a)
	}
	for _, p := range a {
		for _, q := range b {
			if isLiteral(p) == isLiteral(q) && overlap(p, q) {
				return true
			}
		}
	}
	return false
}

func hasWildcard(ps Patterns) bool {
	for _, p := range ps {
		if !isLiteral(p) {
			return true
		}
	}
	return false
}

func anyOverlap(a, b Patterns) bool {
	for _, p := range a {
		for _, q := range b {
			if overlap(p, q) {
				return true
			}
		}
	}
	return false
}

func overlap(p, q string) bool { return p == q || globMatch(p, q) || globMatch(q, p) }

// mapsOverlap reports whether the globs of the keys two maps share overlap.
func mapsOverlap(a, b map[string]string) bool {
	for k, p := range a {
		if q, ok := b[k]; ok && !overlap(p, q) {
			return false
		}
	}
	return true
}
