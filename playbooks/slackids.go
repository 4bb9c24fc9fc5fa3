package playbooks

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// placeholderID matches the ids the built-in playbooks ship with (S00ONCALL,
// S00PLATFORM, S00DATABASE…): a type letter, "00" and capital letters only.
// Slack's real ids carry digits after their first few characters, so no
// real id looks like this.
var placeholderID = regexp.MustCompile(`^[SUW]00[A-Z]+$`)

// IsPlaceholder reports whether id is a placeholder left from a built-in
// playbook, to be replaced with a real user or group id.
func IsPlaceholder(id string) bool { return placeholderID.MatchString(id) }

// SlackRef is one Slack user or user group id a playbook names.
type SlackRef struct {
	Playbook string // the playbook's name
	Source   string // the file it was read from
	Field    string // owner, responders, or escalation step N notify/invite
	ID       string
}

// SlackIDs lists every user and user group id the playbooks name — owners,
// responders, and the people escalation steps notify and invite — by
// playbook name, then in the order the playbook gives them.
func (s *Set) SlackIDs() []SlackRef {
	var out []SlackRef
	for _, p := range s.list {
		add := func(field string, ids ...string) {
			for _, id := range ids {
				if id != "" {
					out = append(out, SlackRef{Playbook: p.Name, Source: p.Source, Field: field, ID: id})
				}
			}
		}
		add("owner", p.Owner)
		add("responders", p.Responders...)
		for i, st := range p.Escalation {
			add(stepField(i, "notify"), st.Notify...)
			add(stepField(i, "invite"), st.Invite...)
		}
	}
	return out
}

func stepField(i int, what string) string {
	return "escalation step " + strconv.Itoa(i+1) + " " + what
}

// Placeholders returns, for each playbook that still names placeholder
// ids, a warning in Check's form (file: message) naming them: with Slack
// configured, those ids invite and notify nobody.
func (s *Set) Placeholders() []Problem {
	var out []Problem
	var ids []string
	flush := func(r SlackRef) {
		if len(ids) > 0 {
			out = append(out, Problem{File: r.Source, Msg: "playbook " + r.Playbook + " names placeholder Slack ids " +
				strings.Join(ids, ", ") + ": replace them with your user group or user ids" + override(r)})
		}
		ids = nil
	}
	refs := s.SlackIDs()
	for i, r := range refs {
		if IsPlaceholder(r.ID) && !slices.Contains(ids, r.ID) {
			ids = append(ids, r.ID)
		}
		if i == len(refs)-1 || refs[i+1].Playbook != r.Playbook {
			flush(r)
		}
	}
	return out
}

// override says how to change a built-in playbook: it cannot be edited,
// only replaced by one of the same name.
func override(r SlackRef) string {
	if strings.HasPrefix(r.Source, builtinDir+"/") {
		return " (built in: put a playbook named " + r.Playbook + " in TOCSIN_PLAYBOOKS)"
	}
	return ""
}
