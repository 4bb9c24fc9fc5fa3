package report

import (
	"fmt"
	"strings"
	"time"
)

// mdEscaper neutralises what people typed before it goes into Markdown: the
// characters Markdown gives meaning to are backslash-escaped, and <, > and &
// become entities, so "<!channel>" or "<@U123>" can never become a Slack
// mention (nor raw HTML) and "|" cannot break a table cell.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", `*`, `\*`, `_`, `\_`, `[`, `\[`, `]`, `\]`,
	`#`, `\#`, `~`, `\~`, `|`, `\|`,
	`&`, "&amp;", `<`, "&lt;", `>`, "&gt;",
	"\r\n", " ", "\n", " ", "\r", " ", "\t", " ",
)

// md escapes user text for inline use (a line, a list item, a table cell).
// Newlines become spaces, and a leading list or heading marker is escaped so
// that the text stays a paragraph.
func md(s string) string {
	s = mdEscaper.Replace(strings.TrimSpace(s))
	if s != "" && strings.ContainsRune("-+=", rune(s[0])) {
		s = `\` + s
	}
	if i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }); i > 0 && (s[i] == '.' || s[i] == ')') {
		s = s[:i] + `\` + s[i:]
	}
	return s
}

// mdOr escapes s, or returns fallback (already Markdown) when s is blank.
func mdOr(s, fallback string) string {
	if strings.TrimSpace(s) == "" {
		return fallback
	}
	return md(s)
}

// slackEscaper is Slack mrkdwn's own escaping: only &, < and > are control
// characters, and escaping them is what keeps <!here> from notifying anyone.
var slackEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\n", " ")

func slackText(s string) string { return slackEscaper.Replace(strings.TrimSpace(s)) }

// utc renders a time for a review: UTC, to the second.
func utc(t time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}

// Offset renders at relative to base for people: T+45s, T+3m25s,
// T+1h02m05s, and T-1m05s before base; to the second, truncated.
func Offset(at, base time.Time) string {
	d, sign := at.Sub(base), "+"
	if d < 0 {
		d, sign = -d, "-"
	}
	s := int64(d / time.Second)
	h, m := s/3600, s/60%60
	switch {
	case h > 0:
		return fmt.Sprintf("T%s%dh%02dm%02ds", sign, h, m, s%60)
	case m > 0:
		return fmt.Sprintf("T%s%dm%02ds", sign, m, s%60)
	}
	return fmt.Sprintf("T%s%ds", sign, s)
}
