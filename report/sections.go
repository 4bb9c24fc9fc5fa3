package report

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tocsin-dev/tocsin/incident"
)

// ErrNoSection: the review has no human section with that heading.
var ErrNoSection = errors.New("the review has no such section")

// Part is a piece of a review, in order: tocsin's text, or one human
// section with its markers. Joined, the parts are the document.
type Part struct {
	Human bool
	Key   string // a human section's key: its heading, lower-cased ("" if it has none)
	Text  string // the part as the document has it
}

// Parts splits a review into tocsin's text and its human sections.
func Parts(doc string) []Part {
	var out []Part
	pos := 0
	for _, s := range humanSections(doc) {
		if s.start > pos {
			out = append(out, Part{Text: doc[pos:s.start]})
		}
		out = append(out, Part{Human: true, Key: s.key, Text: doc[s.start:s.end]})
		pos = s.end
	}
	if pos < len(doc) {
		out = append(out, Part{Text: doc[pos:]})
	}
	return out
}

// Heading is a human section's heading without its "#" marks.
func (p Part) Heading() string {
	line, _ := p.split()
	return strings.TrimSpace(strings.TrimLeft(line, "#"))
}

// Body is what people wrote under a human section's heading, without the
// markers; "" while it still holds tocsin's prompt.
func (p Part) Body() string {
	_, body := p.split()
	if isPrompt(body) {
		return ""
	}
	return body
}

// Prompt is the question a human section asks people, if it is one of
// tocsin's own sections.
func (p Part) Prompt() string {
	for _, pr := range prompts {
		if strings.EqualFold(pr.title, p.Heading()) {
			return pr.placeholder
		}
	}
	return ""
}

// split returns a human section's heading line and the trimmed text
// between it and the end marker.
func (p Part) split() (heading, body string) {
	t := strings.TrimPrefix(strings.TrimSpace(p.Text), HumanStart)
	t = strings.TrimSuffix(strings.TrimSpace(t), HumanEnd)
	t = strings.TrimSpace(t)
	if strings.HasPrefix(t, "#") {
		heading, t, _ = strings.Cut(t, "\n")
	}
	return heading, strings.TrimSpace(t)
}

// isPrompt reports whether body is still the "_Replace this line: …_"
// prompt tocsin writes into a new section.
func isPrompt(body string) bool {
	return strings.HasPrefix(body, "_Replace this line: ") && strings.HasSuffix(body, "_") && !strings.Contains(body, "\n")
}

// SetSection returns doc with the human section keyed key holding body
// under its heading; an empty body puts the section's prompt back. Line
// endings become "\n". It fails with ErrNoSection when doc has no such
// section, and with incident.ErrInvalid when body holds a section marker
// (it would split the section).
func SetSection(doc, key, body string) (string, error) {
	body = strings.TrimSpace(strings.ReplaceAll(body, "\r\n", "\n"))
	if strings.Contains(body, "<!-- tocsin:") || strings.Contains(body, "<!-- /tocsin:") {
		return doc, fmt.Errorf("%w: the text may not contain tocsin's section markers (<!-- tocsin:… -->)", incident.ErrInvalid)
	}
	var b strings.Builder
	found := false
	for _, p := range Parts(doc) {
		if !p.Human || found || key == "" || p.Key != key {
			b.WriteString(p.Text)
			continue
		}
		found = true
		heading, _ := p.split()
		if body == "" && p.Prompt() != "" {
			body = "_Replace this line: " + p.Prompt() + "_"
		}
		b.WriteString(HumanStart + "\n" + heading + "\n\n")
		if body != "" {
			b.WriteString(body + "\n")
		}
		b.WriteString(HumanEnd)
	}
	if !found {
		return doc, fmt.Errorf("%w: %q", ErrNoSection, key)
	}
	return b.String(), nil
}
