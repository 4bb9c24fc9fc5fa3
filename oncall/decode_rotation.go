package oncall

import (
	"fmt"
	"strconv"
	"time"

	"gopkg.in/yaml.v3"
)

// The fields of a rotation, a member and an override.
var (
	rotationFields = []string{"name", "description", "members", "length", "handoff", "timezone", "start",
		"handoff_channel", "pagerduty_schedule", "overrides"}
	memberFields   = []string{"slack", "phone"}
	overrideFields = []string{"who", "from", "to"}
)

// rotation reads one rotation document.
func (d *decoder) rotation(root *yaml.Node) *Rotation {
	f := d.fields(root, "", rotationFields...)
	r := &Rotation{Source: d.file, Location: time.UTC}
	name, n := d.scalar(f, "name", "")
	switch {
	case n == nil:
		d.problem(root, "name", "missing: every rotation needs a name (a-z, 0-9, '_', '-')")
	case !namePattern.MatchString(name):
		d.problem(n, "name", "%q must be lower-case letters, digits, '_' or '-' (up to 64), as rotation:NAME in a playbook names it", name)
	default:
		r.Name, d.name = name, name
	}
	d.schedule(root, f, r)
	r.Members = d.members(root, f)
	if ch, n := d.scalar(f, "handoff_channel", ""); n != nil && !channelPattern.MatchString(ch) {
		d.problem(n, "handoff_channel", "%q is not a Slack channel id (C… or G…)", ch)
	} else {
		r.HandoffChannel = ch
	}
	if id, n := d.scalar(f, "pagerduty_schedule", ""); n != nil && !schedulePattern.MatchString(id) {
		d.problem(n, "pagerduty_schedule", "%q is not a PagerDuty schedule id (like P1AB2CD)", id)
	} else {
		r.PagerDutySchedule = id
	}
	r.Overrides = d.overrides(f, r)
	return r
}

// schedule reads length, handoff, timezone and start.
func (d *decoder) schedule(root *yaml.Node, f map[string]*yaml.Node, r *Rotation) {
	d.required(root, f, "length", "daily, weekly or a number of hours such as 12h",
		"must be daily, weekly or a number of hours from 1h to 8760h (such as 12h)", func(v string) (ok bool) {
			r.Length, ok = parseLength(v)
			return ok
		})
	d.required(root, f, "handoff", `the hand-off time as HH:MM on a 24-hour clock, quoted ("09:00")`,
		`must be HH:MM on a 24-hour clock, quoted ("09:00")`, func(v string) bool {
			m := clockPattern.FindStringSubmatch(v)
			if m != nil {
				r.Hour, _ = strconv.Atoi(m[1])
				r.Minute, _ = strconv.Atoi(m[2])
			}
			return m != nil
		})
	d.required(root, f, "timezone", "an IANA time zone such as Europe/Berlin or UTC",
		"is not an IANA time zone (such as America/New_York, Europe/Berlin or UTC)", func(v string) bool {
			loc, err := time.LoadLocation(v)
			if err == nil && v != "" && v != "Local" {
				r.Location = loc
				return true
			}
			return false
		})
	d.required(root, f, "start", "the date (YYYY-MM-DD) the first member's first shift begins, at the hand-off time",
		"is not a date: use YYYY-MM-DD", func(v string) bool {
			t, err := time.Parse(time.DateOnly, v)
			r.Start = t
			return err == nil
		})
}

// required reads a field every rotation has: parse takes its value and
// says whether it is good; a missing or bad value is a problem saying what
// is wanted.
func (d *decoder) required(root *yaml.Node, f map[string]*yaml.Node, key, missing, bad string, parse func(string) bool) {
	v, n := d.scalar(f, key, "")
	switch {
	case n == nil:
		d.problem(root, key, "missing: %s", missing)
	case !parse(v):
		d.problem(n, key, "%q %s", v, bad)
	}
}

// members reads the members: Slack user ids, or mappings with slack and
// phone.
func (d *decoder) members(root *yaml.Node, f map[string]*yaml.Node) []Member {
	n, ok := f["members"]
	if !ok || (n.Kind == yaml.SequenceNode && len(n.Content) == 0) || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null") {
		d.problem(cmpNode(n, root), "members", "the rotation is empty: list at least one member (a Slack user id)")
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.problem(n, "members", "must be a list of members")
		return nil
	}
	var out []Member
	for i, mn := range n.Content {
		path := fmt.Sprintf("members[%d]", i)
		var m Member
		if mn.Kind == yaml.ScalarNode {
			m.Slack = mn.Value
		} else {
			mf := d.fields(mn, path, memberFields...)
			var sn *yaml.Node
			m.Slack, sn = d.scalar(mf, "slack", path)
			if sn == nil {
				d.problem(mn, path+".slack", "missing: the member's Slack user id (U… or W…)")
				continue
			}
			var pn *yaml.Node
			if m.Phone, pn = d.scalar(mf, "phone", path); pn != nil && !phonePattern.MatchString(m.Phone) {
				d.problem(pn, path+".phone", "%q is not a phone number in E.164 form (+ country code and number, such as +15551234567)", m.Phone)
			}
		}
		if !userIDPattern.MatchString(m.Slack) {
			d.problem(mn, path+".slack", "unknown member %q: not a Slack user id (U… or W…; find it in the person's Slack profile, ⋮ → Copy member ID)", m.Slack)
			continue
		}
		out = append(out, m)
	}
	return out
}

// cmpNode returns n, or else fallback.
func cmpNode(n, fallback *yaml.Node) *yaml.Node {
	if n != nil {
		return n
	}
	return fallback
}
