package playbooks

import (
	"os"
	"sort"

	"github.com/tocsin-dev/tocsin/incident"
)

// Set is a loaded, validated collection of playbooks. It is immutable and
// safe for concurrent use; the playbooks it returns must not be modified.
type Set struct {
	list      []*Playbook // by name
	byName    map[string]*Playbook
	fallback  *Playbook
	needsTags bool
	// keys are the PagerDuty routing keys read at load, by the variable
	// that holds each: those the playbooks name and the default one.
	keys map[string]Secret
}

// Load reads the built-in playbooks and then those in dir (which may be
// empty); a directory playbook replaces the built-in of the same name and
// otherwise adds to them. If any definition is wrong, Load returns Problems
// listing every problem as file:line: problem. Runbook names are not
// checked here; Check does that. PagerDuty routing keys are read from the
// process's environment (LoadEnv takes another).
func Load(dir string) (*Set, error) { return LoadEnv(dir, os.Getenv) }

// LoadEnv is Load with the routing keys of PagerDuty targets read through
// getenv.
func LoadEnv(dir string, getenv func(string) string) (*Set, error) {
	srcs, err := sources(dir)
	if err != nil {
		return nil, err
	}
	set, problems := build(srcs, Env{Getenv: getenv})
	if getenv != nil {
		if k := getenv(DefaultRoutingKeyEnv); k != "" {
			set.keys[DefaultRoutingKeyEnv] = Secret(k)
		}
	}
	if len(problems) > 0 {
		return nil, Problems(problems)
	}
	return set, nil
}

func newSet(ps []*parsed) *Set {
	s := &Set{byName: make(map[string]*Playbook, len(ps)), keys: map[string]Secret{}}
	for _, p := range ps {
		s.list = append(s.list, p.pb)
		s.byName[p.pb.Name] = p.pb
		s.needsTags = s.needsTags || readsTags(p.pb)
		for _, st := range p.pb.Escalation {
			if st.Page.Kind == PagePagerDuty && st.Page.Key != "" {
				s.keys[st.Page.KeyEnv()] = st.Page.Key
			}
		}
	}
	sort.Slice(s.list, func(i, j int) bool { return s.list[i].Name < s.list[j].Name })
	s.fallback = s.byName[DefaultName]
	if s.fallback == nil { // only when there are problems: the built-in is always there
		s.fallback = &Playbook{Name: DefaultName, GroupBy: "alarm"}
	}
	return s
}

// readsTags reports whether a playbook needs the alarm's tags, to match or
// to fill a template.
func readsTags(p *Playbook) bool {
	if len(p.Match.Tags) > 0 || usesTags(p.ServiceTemplate) {
		return true
	}
	for _, l := range p.Links {
		if usesTags(l.Title) || usesTags(l.URL) {
			return true
		}
	}
	return false
}

// Match returns the most specific playbook that matches the alarm (see
// README.md, "Which playbook wins"), or the default playbook. It never
// returns nil. Equal specificity — which Check refuses where it can see it —
// is broken by name.
func (s *Set) Match(a *incident.Alarm) *Playbook {
	if a == nil {
		return s.fallback
	}
	var best *Playbook
	var bestScore specificity
	for _, p := range s.list {
		sc, ok := p.Match.score(a)
		if ok && (best == nil || sc.beats(bestScore)) {
			best, bestScore = p, sc
		}
	}
	if best == nil {
		return s.fallback
	}
	return best
}

// Get returns the playbook with that name.
func (s *Set) Get(name string) (*Playbook, bool) {
	p, ok := s.byName[name]
	return p, ok
}

// All returns every playbook, by name.
func (s *Set) All() []*Playbook {
	return append([]*Playbook(nil), s.list...)
}

// RoutingKey returns the PagerDuty routing key held by the environment
// variable env, as read when the set was loaded: only the variables a
// playbook's page target names and TOCSIN_PAGERDUTY_ROUTING_KEY, so that
// `/incident page pagerduty:ENV` cannot send any other variable anywhere.
func (s *Set) RoutingKey(env string) (Secret, bool) {
	k, ok := s.keys[env]
	return k, ok
}

// PageTarget returns what a playbook pages: the target of its first
// escalation step that pages, or none.
func (p *Playbook) PageTarget() (PageTarget, bool) {
	for _, st := range p.Escalation {
		if st.Page.Set() {
			return st.Page, true
		}
	}
	return PageTarget{}, false
}

// NeedsTags reports whether any playbook reads the alarm's own tags (in its
// match or its templates). When it is false, the caller need not call
// ListTagsForResource at all.
func (s *Set) NeedsTags() bool { return s.needsTags }
