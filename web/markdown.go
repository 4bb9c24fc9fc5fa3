package web

import (
	"html"
	"html/template"
	"strings"
)

// markdownHTML renders a review's Markdown as HTML for the dashboard. It
// knows what reviews hold: ATX headings (shifted two levels down, under
// the page's own), paragraphs, bullet, numbered and task lists, pipe
// tables, fenced code, HTML comments (dropped: they are tocsin's section
// markers), and inline code, strong, emphasis, links, images, backslash
// escapes and entities. Every piece of text is HTML-escaped and no raw
// HTML passes; links must be http(s) or a path on this site, and images a
// path on this site (the Content-Security-Policy allows no other).
func markdownHTML(md string) template.HTML {
	r := &mdRenderer{}
	for line := range strings.Lines(strings.ReplaceAll(md, "\r\n", "\n")) {
		r.line(strings.TrimRight(line, "\n"))
	}
	r.flush()
	if r.fence {
		r.b.WriteString("</code></pre>\n")
	}
	return template.HTML(r.b.String())
}

// mdRenderer holds the open blocks while lines arrive.
type mdRenderer struct {
	b     strings.Builder
	para  []string // lines of the open paragraph
	table []string // rows of the open table
	list  string   // "ul" or "ol" while a list is open
	fence bool     // inside ``` … ```
}

func (r *mdRenderer) line(line string) {
	t := strings.TrimSpace(line)
	switch {
	case r.fence:
		if strings.HasPrefix(t, "```") {
			r.b.WriteString("</code></pre>\n")
			r.fence = false
			return
		}
		r.b.WriteString(html.EscapeString(line) + "\n")
	case strings.HasPrefix(t, "```"):
		r.flush()
		r.b.WriteString("<pre><code>")
		r.fence = true
	case t == "":
		r.flush()
	case strings.HasPrefix(t, "<!--") && strings.HasSuffix(t, "-->"):
		r.flush()
	case headingLevel(t) > 0:
		r.flush()
		n := headingLevel(t)
		tag := "h" + string(rune('0'+min(n+2, 6)))
		r.b.WriteString("<" + tag + ">" + inline(strings.TrimSpace(t[n:])) + "</" + tag + ">\n")
	case strings.HasPrefix(t, "|"):
		r.flushPara()
		r.flushList()
		r.table = append(r.table, t)
	default:
		r.text(t)
	}
}

// text handles a line that is a list item or the text of a paragraph.
func (r *mdRenderer) text(t string) {
	kind, item := listItem(t)
	if kind == "" {
		if r.list != "" { // a lazy continuation of the item above
			r.b.WriteString(" " + inline(t))
			return
		}
		r.flushTable()
		r.para = append(r.para, t)
		return
	}
	r.flushPara()
	r.flushTable()
	if r.list != kind {
		r.flushList()
		r.b.WriteString("<" + kind + ">\n")
		r.list = kind
	} else {
		r.b.WriteString("</li>\n")
	}
	switch {
	case strings.HasPrefix(item, "[ ] "):
		r.b.WriteString(`<li class="task"><input type="checkbox" disabled> ` + inline(item[4:]))
	case strings.HasPrefix(item, "[x] "), strings.HasPrefix(item, "[X] "):
		r.b.WriteString(`<li class="task"><input type="checkbox" checked disabled> ` + inline(item[4:]))
	default:
		r.b.WriteString("<li>" + inline(item))
	}
}

func (r *mdRenderer) flush() {
	r.flushPara()
	r.flushList()
	r.flushTable()
}

func (r *mdRenderer) flushPara() {
	if len(r.para) > 0 {
		r.b.WriteString("<p>" + inline(strings.Join(r.para, " ")) + "</p>\n")
		r.para = nil
	}
}

func (r *mdRenderer) flushList() {
	if r.list != "" {
		r.b.WriteString("</li>\n</" + r.list + ">\n")
		r.list = ""
	}
}

// flushTable writes the rows as a table when the second is a delimiter
// row (| --- |), else as a paragraph.
func (r *mdRenderer) flushTable() {
	rows := r.table
	r.table = nil
	if len(rows) == 0 {
		return
	}
	if len(rows) < 2 || strings.Trim(rows[1], "|-: ") != "" {
		r.b.WriteString("<p>" + inline(strings.Join(rows, " ")) + "</p>\n")
		return
	}
	r.b.WriteString(`<div class="scroll"><table><thead><tr>`)
	for _, c := range cells(rows[0]) {
		r.b.WriteString("<th>" + inline(c) + "</th>")
	}
	r.b.WriteString("</tr></thead><tbody>\n")
	for _, row := range rows[2:] {
		r.b.WriteString("<tr>")
		for _, c := range cells(row) {
			r.b.WriteString("<td>" + inline(c) + "</td>")
		}
		r.b.WriteString("</tr>\n")
	}
	r.b.WriteString("</tbody></table></div>\n")
}

// cells splits a table row on the pipes that are not backslash-escaped.
func cells(row string) []string {
	row = strings.TrimSpace(row)
	row = strings.TrimPrefix(row, "|")
	if strings.HasSuffix(row, "|") && !strings.HasSuffix(row, `\|`) {
		row = row[:len(row)-1]
	}
	var out []string
	start := 0
	for i := 0; i < len(row); i++ {
		switch row[i] {
		case '\\':
			i++
		case '|':
			out = append(out, strings.TrimSpace(row[start:i]))
			start = i + 1
		}
	}
	return append(out, strings.TrimSpace(row[start:]))
}

// headingLevel is the number of leading #s of an ATX heading (1–6), or 0.
func headingLevel(t string) int {
	n := 0
	for n < len(t) && t[n] == '#' {
		n++
	}
	if n == 0 || n > 6 || (n < len(t) && t[n] != ' ') {
		return 0
	}
	return n
}

// listItem returns "ul" or "ol" and the item's text, or "" for a line
// that is not a list item.
func listItem(t string) (kind, item string) {
	if len(t) > 2 && strings.ContainsRune("-*+", rune(t[0])) && t[1] == ' ' {
		return "ul", strings.TrimSpace(t[2:])
	}
	i := 0
	for i < len(t) && i < 9 && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	if i > 0 && i+1 < len(t) && (t[i] == '.' || t[i] == ')') && t[i+1] == ' ' {
		return "ol", strings.TrimSpace(t[i+2:])
	}
	return "", ""
}
