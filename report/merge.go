package report

import (
	"strings"
)

// The markers around a human section of a review. Everything from HumanStart
// to the next HumanEnd belongs to people; tocsin owns the rest.
const (
	HumanStart = "<!-- tocsin:human -->"
	HumanEnd   = "<!-- /tocsin:human -->"
)

// Merge combines a freshly generated review draft with the version people
// saved, so that regenerating never overwrites what they wrote:
//
//   - each human section of the draft (HumanStart … HumanEnd) is replaced by
//     the saved section with the same heading (its first "#" line), when
//     there is one;
//   - saved human sections the draft has no place for (a heading people
//     renamed, a section they added) are appended at the end, never dropped;
//     a section whose end marker was deleted runs to the next start marker or
//     the end of the document, and is closed again;
//   - a follow-up people ticked ("- [x] item") stays ticked;
//   - everything else comes from the draft, so facts from the timeline are
//     always current. Edits outside the markers are not kept.
//
// With an empty saved version Merge returns the draft.
func Merge(draft, saved string) string {
	if strings.TrimSpace(saved) == "" {
		return draft
	}
	kept := humanSections(saved)
	used := make([]bool, len(kept))
	var b strings.Builder
	pos := 0
	for _, s := range humanSections(draft) {
		b.WriteString(tickFollowups(draft[pos:s.start], saved))
		text := s.text
		for i, k := range kept {
			if !used[i] && k.key != "" && k.key == s.key {
				text, used[i] = k.text, true
				break
			}
		}
		b.WriteString(text)
		pos = s.end
	}
	b.WriteString(tickFollowups(draft[pos:], saved))
	for i, k := range kept {
		if !used[i] {
			if !strings.HasSuffix(b.String(), "\n\n") {
				b.WriteString("\n")
			}
			b.WriteString(k.text + "\n")
		}
	}
	return b.String()
}

// section is one human section: its text with both markers, where it lies
// in its document, and its key (the heading line, lower-cased).
type section struct {
	start, end int
	key, text  string
}

func humanSections(doc string) []section {
	var out []section
	for pos := 0; ; {
		i := strings.Index(doc[pos:], HumanStart)
		if i < 0 {
			return out
		}
		start := pos + i
		body := start + len(HumanStart)
		end, closed := len(doc), false
		if j := strings.Index(doc[body:], HumanEnd); j >= 0 {
			end, closed = body+j+len(HumanEnd), true
		}
		if k := strings.Index(doc[body:], HumanStart); k >= 0 && body+k < end {
			end, closed = body+k, false
		}
		text := doc[start:end]
		if !closed {
			text = strings.TrimRight(text, "\n") + "\n" + HumanEnd
		}
		out = append(out, section{start: start, end: end, key: headingKey(text), text: text})
		pos = end
	}
}

func headingKey(text string) string {
	for line := range strings.Lines(text) {
		if t := strings.TrimSpace(line); strings.HasPrefix(t, "#") {
			return strings.ToLower(strings.TrimSpace(strings.TrimLeft(t, "#")))
		}
	}
	return ""
}

// tickFollowups marks "- [ ] item" lines of part done when saved has the
// same item ticked.
func tickFollowups(part, saved string) string {
	if !strings.Contains(part, "- [ ] ") {
		return part
	}
	ticked := map[string]bool{}
	for line := range strings.Lines(saved) {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "- [x] ") || strings.HasPrefix(t, "- [X] ") {
			ticked[t[len("- [x] "):]] = true
		}
	}
	var b strings.Builder
	for line := range strings.Lines(part) {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "- [ ] ") && ticked[t[len("- [ ] "):]] {
			line = strings.Replace(line, "- [ ] ", "- [x] ", 1)
		}
		b.WriteString(line)
	}
	return b.String()
}
