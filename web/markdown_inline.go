package web

import (
	"html"
	"strings"
)

// How far inline rendering looks for a closing mark. Bounded, so that a
// saved review full of unmatched marks renders in linear time.
const (
	spanWindow = 400
	linkWindow = 2000
)

// inline renders the inline Markdown of one block as escaped HTML.
func inline(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if out, n := inlineAt(s, i); n > 0 {
			b.WriteString(out)
			i += n
			continue
		}
		b.WriteString(html.EscapeString(s[i : i+1]))
		i++
	}
	return b.String()
}

// inlineAt renders the construct that starts at s[i], returning its HTML
// and length, or 0 when a plain character is there.
func inlineAt(s string, i int) (string, int) {
	switch c := s[i]; c {
	case '\\':
		if i+1 < len(s) && strings.IndexByte("\\`*_{}[]()#+-.!|~<>&", s[i+1]) >= 0 {
			return html.EscapeString(s[i+1 : i+2]), 2
		}
	case '&':
		if j := strings.IndexByte(ahead(s, i, 12), ';'); j > 1 {
			if ent := s[i : i+j+1]; html.UnescapeString(ent) != ent {
				return html.EscapeString(html.UnescapeString(ent)), j + 1
			}
		}
	case '`':
		if j := strings.IndexByte(ahead(s, i+1, spanWindow), '`'); j >= 0 {
			return "<code>" + html.EscapeString(s[i+1:i+1+j]) + "</code>", j + 2
		}
	case '*', '_':
		return emphasis(s, i)
	case '!':
		if strings.HasPrefix(s[i:], "![") {
			text, url, n := link(s, i+1)
			switch {
			case n > 0 && sitePath(url):
				return `<img src="` + html.EscapeString(url) + `" alt="` + html.EscapeString(text) + `">`, n + 1
			case n > 0 && webURL(url): // the CSP forbids other sites' images: link to it instead
				return `<a href="` + html.EscapeString(url) + `">` + inline(text) + `</a>`, n + 1
			}
		}
	case '[':
		if text, url, n := link(s, i); n > 0 && (sitePath(url) || webURL(url)) {
			return `<a href="` + html.EscapeString(url) + `">` + inline(text) + `</a>`, n
		}
	}
	return "", 0
}

// emphasis renders **strong**, *em* and _em_ (underscores only at word
// boundaries, so snake_case stays as it is).
func emphasis(s string, i int) (string, int) {
	c := s[i]
	if c == '*' && strings.HasPrefix(s[i:], "**") {
		if j := strings.Index(ahead(s, i+2, spanWindow), "**"); j > 0 {
			return "<strong>" + inline(s[i+2:i+2+j]) + "</strong>", j + 4
		}
		return "", 0
	}
	if c == '_' && i > 0 && wordByte(s[i-1]) {
		return "", 0
	}
	w := ahead(s, i+1, spanWindow)
	for j := 0; j < len(w); j++ {
		if w[j] == '\\' {
			j++
			continue
		}
		if w[j] != c || j == 0 || w[j-1] == ' ' {
			continue
		}
		if end := i + 1 + j; c == '_' && end+1 < len(s) && wordByte(s[end+1]) {
			continue
		}
		return "<em>" + inline(w[:j]) + "</em>", j + 2
	}
	return "", 0
}

// link reads [text](url) at s[i], returning its length, or 0.
func link(s string, i int) (text, url string, n int) {
	w := ahead(s, i, linkWindow)
	mid := strings.Index(w, "](")
	if mid < 1 {
		return "", "", 0
	}
	end := strings.IndexByte(w[mid+2:], ')')
	if end < 0 {
		return "", "", 0
	}
	return w[1:mid], strings.TrimSpace(w[mid+2 : mid+2+end]), mid + 2 + end + 1
}

// ahead is s from i, at most n bytes.
func ahead(s string, i, n int) string {
	if i >= len(s) {
		return ""
	}
	return s[i:min(len(s), i+n)]
}

func wordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// sitePath reports whether u is a path on this site ("/incidents/4").
func sitePath(u string) bool {
	return strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//") && !strings.ContainsAny(u, "\\ \t\n")
}

// webURL reports whether u is an absolute http(s) URL.
func webURL(u string) bool {
	return (strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://")) && !strings.ContainsAny(u, " \t\n")
}
