package oncall

import (
	"fmt"
	"time"

	"gopkg.in/yaml.v3"
)

// overrides reads the dated overrides and checks that none overlap.
func (d *decoder) overrides(f map[string]*yaml.Node, r *Rotation) []Override {
	n, ok := f["overrides"]
	if !ok || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null") {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.problem(n, "overrides", "must be a list of overrides (who, from, to)")
		return nil
	}
	var out []Override
	var lines []int
	for i, on := range n.Content {
		if o, ok := d.override(on, fmt.Sprintf("overrides[%d]", i), r); ok {
			out = append(out, o)
			lines = append(lines, on.Line)
		}
	}
	for _, p := range overlaps(out) {
		a, b := out[p[0]], out[p[1]]
		d.problems = append(d.problems, Problem{File: d.file, Line: lines[p[1]], Rotation: d.name, Field: "overrides",
			Msg: fmt.Sprintf("the override of %s from %s to %s overlaps the one of %s from %s to %s (line %d): say who is on call once",
				b.Who, stamp(b.From, r.Location), stamp(b.To, r.Location), a.Who, stamp(a.From, r.Location), stamp(a.To, r.Location), lines[p[0]])})
	}
	return out
}

// override reads one override; ok is false if it has a problem.
func (d *decoder) override(n *yaml.Node, path string, r *Rotation) (Override, bool) {
	before := len(d.problems)
	f := d.fields(n, path, overrideFields...)
	o := Override{Rotation: r.Name}
	who, wn := d.scalar(f, "who", path)
	switch {
	case wn == nil || who == "":
		d.problem(cmpNode(wn, n), path+".who", "missing: an override that names nobody leaves nobody on call; name the Slack user id who takes the shift")
	case !userIDPattern.MatchString(who):
		d.problem(wn, path+".who", "unknown member %q: not a Slack user id (U… or W…)", who)
	default:
		o.Who = who
	}
	o.From = d.when(f, n, path, "from", r.Location)
	o.To = d.when(f, n, path, "to", r.Location)
	if !o.From.IsZero() && !o.To.IsZero() && !o.To.After(o.From) {
		d.problem(f["to"], path+".to", "%s is not after from (%s): the override would cover no time",
			stamp(o.To, r.Location), stamp(o.From, r.Location))
	}
	return o, len(d.problems) == before
}

// when reads an override's from or to: a local time in the rotation's
// zone (2026-03-07T09:00 or 2026-03-07 09:00), or RFC 3339 with an offset.
func (d *decoder) when(f map[string]*yaml.Node, parent *yaml.Node, path, key string, loc *time.Location) time.Time {
	s, n := d.scalar(f, key, path)
	if n == nil {
		d.problem(parent, path+"."+key, "missing: a time such as 2026-03-07T09:00 (in the rotation's time zone)")
		return time.Time{}
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t
		}
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	d.problem(n, path+"."+key, "%q is not a time: use 2026-03-07T09:00 (in the rotation's time zone) or RFC 3339 with an offset", s)
	return time.Time{}
}

// stamp renders a time in a zone, for problems.
func stamp(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2006-01-02T15:04 MST")
}
