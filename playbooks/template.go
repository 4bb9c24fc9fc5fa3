package playbooks

import (
	"fmt"
	"strings"

	"github.com/tocsin-dev/tocsin/incident"
)

// A template is literal text with placeholders such as {{tag:service}}. A
// placeholder may list alternatives, {{tag:service|dimension:ServiceName}}:
// the first one with a value is used.

// segment is a run of literal text or one placeholder's inner text.
type segment struct {
	text        string
	placeholder bool
}

// split cuts a template into segments. An unclosed "{{" is an error; the
// rest of the template is then returned as literal text.
func split(tmpl string) ([]segment, error) {
	var segs []segment
	rest := tmpl
	for rest != "" {
		i := strings.Index(rest, "{{")
		if i < 0 {
			break
		}
		j := strings.Index(rest[i:], "}}")
		if j < 0 {
			segs = append(segs, segment{text: rest})
			return segs, fmt.Errorf("%q has an unclosed {{", tmpl)
		}
		if i > 0 {
			segs = append(segs, segment{text: rest[:i]})
		}
		segs = append(segs, segment{text: rest[i+2 : i+j], placeholder: true})
		rest = rest[i+j+2:]
	}
	if rest != "" {
		segs = append(segs, segment{text: rest})
	}
	return segs, nil
}

// expand fills a template from the alarm. ok is false when a placeholder has
// no value in any of its alternatives. escape, if not nil, is applied to
// every placeholder value.
func expand(tmpl string, a *incident.Alarm, escape func(string) string) (out string, ok bool) {
	segs, _ := split(tmpl)
	var b strings.Builder
	ok = true
	for _, s := range segs {
		if !s.placeholder {
			b.WriteString(s.text)
			continue
		}
		v := lookup(s.text, a)
		if v == "" {
			ok = false
		}
		if escape != nil {
			v = escape(v)
		}
		b.WriteString(v)
	}
	return b.String(), ok
}

// lookup returns the first non-empty value among a placeholder's
// alternatives.
func lookup(placeholder string, a *incident.Alarm) string {
	for _, ref := range strings.Split(placeholder, "|") {
		kind, arg, _ := strings.Cut(strings.TrimSpace(ref), ":")
		var v string
		switch kind {
		case "alarm":
			v = a.Name
		case "account":
			v = a.AccountID
		case "region":
			v = a.Region
		case "tag":
			v = a.Tags[arg]
		case "dimension":
			v, _ = a.Dimension(arg)
		}
		if v != "" {
			return v
		}
	}
	return ""
}

// checkTemplate reports the first malformed placeholder in a template.
func checkTemplate(tmpl string) error {
	segs, err := split(tmpl)
	if err != nil {
		return err
	}
	for _, s := range segs {
		if !s.placeholder {
			continue
		}
		for _, ref := range strings.Split(s.text, "|") {
			if err := checkRef(strings.TrimSpace(ref)); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkRef(ref string) error {
	kind, arg, hasArg := strings.Cut(ref, ":")
	switch kind {
	case "alarm", "account", "region":
		if !hasArg {
			return nil
		}
	case "tag", "dimension":
		if arg != "" {
			return nil
		}
		return fmt.Errorf("placeholder {{%s}} needs a name, as in {{%s:NAME}}", ref, kind)
	}
	return fmt.Errorf("unknown placeholder {{%s}} (want tag:NAME, dimension:NAME, alarm, account or region)", ref)
}

// usesTags reports whether a template reads any of the alarm's tags.
func usesTags(tmpl string) bool {
	segs, _ := split(tmpl)
	for _, s := range segs {
		if !s.placeholder {
			continue
		}
		for _, ref := range strings.Split(s.text, "|") {
			if strings.HasPrefix(strings.TrimSpace(ref), "tag:") {
				return true
			}
		}
	}
	return false
}

// blank replaces every placeholder with a harmless word, so that the shape
// of a URL template can be checked.
func blank(tmpl string) string {
	segs, _ := split(tmpl)
	var b strings.Builder
	for _, s := range segs {
		if s.placeholder {
			b.WriteString("x")
		} else {
			b.WriteString(s.text)
		}
	}
	return b.String()
}
