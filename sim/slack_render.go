package sim

import (
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// This file renders Block Kit as Slack shows it, for the live view: header,
// section (text, two-column fields, an accessory), context, actions
// (buttons with their style, checkboxes), divider and image blocks, and
// mrkdwn with bold, italics, strike-through, code, links, mentions by name,
// emoji and dates. Slack formats a <!date^…> in each reader's time zone;
// the view formats it in UTC, with the same tokens.

// slackRenderer renders for one workspace: it names users, groups and
// channels, and knows "today" for dates.
type slackRenderer struct {
	users    map[string]SlackUser
	channels map[string]string // id -> name
	now      time.Time
}

// renderBlock is the part of a block (or element) the view shows.
type renderBlock struct {
	Type           string            `json:"type"`
	Text           json.RawMessage   `json:"text"`
	Fields         []json.RawMessage `json:"fields"`
	Elements       []json.RawMessage `json:"elements"`
	Accessory      json.RawMessage   `json:"accessory"`
	Style          string            `json:"style"`
	ImageURL       string            `json:"image_url"`
	AltText        string            `json:"alt_text"`
	Title          json.RawMessage   `json:"title"`
	Options        []renderOption    `json:"options"`
	InitialOptions []renderOption    `json:"initial_options"`
}

type renderOption struct {
	Value string          `json:"value"`
	Text  json.RawMessage `json:"text"`
}

// textObject is a Block Kit text object.
type textObject struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// message renders a message as Slack shows it: its blocks, or its text when
// it has none (the text of a message with blocks is only its notification).
func (r slackRenderer) message(text string, blocks json.RawMessage) template.HTML {
	var bs []json.RawMessage
	if len(blocks) == 0 || json.Unmarshal(blocks, &bs) != nil || len(bs) == 0 {
		return template.HTML(`<div class="text">` + r.mrkdwn(text) + `</div>`)
	}
	var b strings.Builder
	for _, raw := range bs {
		b.WriteString(r.block(raw))
	}
	return template.HTML(b.String())
}

func (r slackRenderer) block(raw json.RawMessage) string {
	var b renderBlock
	if json.Unmarshal(raw, &b) != nil {
		return ""
	}
	switch b.Type {
	case "header":
		return `<div class="header">` + r.text(b.Text) + `</div>`
	case "section":
		return r.section(b)
	case "context":
		return `<div class="context">` + r.elements(b.Elements, " ") + `</div>`
	case "actions":
		return `<div class="actions">` + r.elements(b.Elements, "") + `</div>`
	case "divider":
		return `<hr>`
	case "image":
		return r.image(b)
	}
	return `<div class="unknown">[` + html.EscapeString(b.Type) + ` block]</div>`
}

// elements renders a block's elements, joined with sep.
func (r slackRenderer) elements(raws []json.RawMessage, sep string) string {
	parts := make([]string, len(raws))
	for i, e := range raws {
		parts[i] = r.element(e)
	}
	return strings.Join(parts, sep)
}

func (r slackRenderer) section(b renderBlock) string {
	var out strings.Builder
	out.WriteString(`<div class="section"><div class="body">`)
	if len(b.Text) > 0 {
		out.WriteString(`<div class="text">` + r.text(b.Text) + `</div>`)
	}
	if len(b.Fields) > 0 {
		out.WriteString(`<div class="fields">`)
		for _, f := range b.Fields {
			out.WriteString(`<div class="field">` + r.text(f) + `</div>`)
		}
		out.WriteString(`</div>`)
	}
	out.WriteString(`</div>`)
	if len(b.Accessory) > 0 {
		out.WriteString(`<div class="accessory">` + r.element(b.Accessory) + `</div>`)
	}
	return out.String() + `</div>`
}

// element renders a block element or a text object.
func (r slackRenderer) element(raw json.RawMessage) string {
	var e renderBlock
	if json.Unmarshal(raw, &e) != nil {
		return ""
	}
	switch e.Type {
	case "button":
		style := ""
		if e.Style == "primary" || e.Style == "danger" {
			style = " " + e.Style
		}
		return `<span class="button` + style + `">` + r.text(e.Text) + `</span>`
	case "checkboxes":
		var parts []string
		for _, o := range e.Options {
			box := "☐"
			for _, in := range e.InitialOptions {
				if in.Value == o.Value {
					box = "☑"
				}
			}
			parts = append(parts, `<span class="checkbox">`+box+" "+r.text(o.Text)+`</span>`)
		}
		return strings.Join(parts, "")
	case "image":
		return r.image(e)
	case "mrkdwn", "plain_text":
		return r.text(raw)
	}
	return `<span class="unknown">[` + html.EscapeString(e.Type) + `]</span>`
}

func (r slackRenderer) image(b renderBlock) string {
	out := `<img src="` + html.EscapeString(b.ImageURL) + `" alt="` + html.EscapeString(b.AltText) + `">`
	if len(b.Title) > 0 {
		out = `<figure>` + out + `<figcaption>` + r.text(b.Title) + `</figcaption></figure>`
	}
	return out
}

// text renders a text object: mrkdwn formatted, plain text escaped.
func (r slackRenderer) text(raw json.RawMessage) string {
	var t textObject
	if json.Unmarshal(raw, &t) != nil {
		return ""
	}
	if t.Type == "plain_text" {
		return strings.ReplaceAll(html.EscapeString(t.Text), "\n", "<br>")
	}
	return r.mrkdwn(t.Text)
}

// slackSpecial is Slack's <…> markup: mentions, links, dates.
var slackSpecial = regexp.MustCompile(`<([^<>]*)>`)

// mrkdwn formats Slack mrkdwn as HTML. The <…> markup is rendered first
// and kept aside, so that formatting never reaches into a link or a name.
func (r slackRenderer) mrkdwn(s string) string {
	var kept []string
	s = slackSpecial.ReplaceAllStringFunc(s, func(m string) string {
		kept = append(kept, r.special(m[1:len(m)-1]))
		return "\x00" + strconv.Itoa(len(kept)-1) + "\x00"
	})
	s = html.EscapeString(html.UnescapeString(s)) // Slack's &lt; &gt; &amp; are characters to show
	s = mrkdwnFormat(s)
	s = slackEmoji.ReplaceAllStringFunc(s, func(m string) string {
		if e, ok := slackEmojis[m[1:len(m)-1]]; ok {
			return e
		}
		return m
	})
	s = strings.ReplaceAll(s, "\n", "<br>")
	return keptToken.ReplaceAllStringFunc(s, func(m string) string {
		i, _ := strconv.Atoi(m[1 : len(m)-1])
		return kept[i]
	})
}

var keptToken = regexp.MustCompile("\x00[0-9]+\x00")

// mrkdwnRules are Slack's inline formats, applied to escaped text.
var mrkdwnRules = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile("(?s)```\n?(.+?)```"), "<pre>$1</pre>"},
	{regexp.MustCompile("`([^`\n]+)`"), "<code>$1</code>"},
	{regexp.MustCompile(`(^|[\s(\x00>])\*([^*\n]+)\*`), "$1<b>$2</b>"},
	{regexp.MustCompile(`(^|[\s(\x00>])_([^_\n]+)_`), "$1<i>$2</i>"},
	{regexp.MustCompile(`(^|[\s(\x00>])~([^~\n]+)~`), "$1<s>$2</s>"},
}

func mrkdwnFormat(s string) string {
	for _, rule := range mrkdwnRules {
		s = rule.re.ReplaceAllString(s, rule.repl)
	}
	return s
}

// special renders the inside of one <…>.
func (r slackRenderer) special(in string) string {
	target, label, _ := strings.Cut(in, "|")
	switch {
	case strings.HasPrefix(target, "@"):
		name := target[1:]
		if u, ok := r.users[name]; ok {
			name = or(u.RealName, or(u.Name, u.ID))
		}
		return `<span class="mention">@` + html.EscapeString(or(strings.TrimPrefix(label, "@"), name)) + `</span>`
	case strings.HasPrefix(target, "#"):
		name := target[1:]
		if n, ok := r.channels[name]; ok {
			name = n
		}
		return `<span class="mention">#` + html.EscapeString(name) + `</span>`
	case strings.HasPrefix(target, "!subteam^"):
		name := or(strings.TrimPrefix(label, "@"), strings.ToLower(strings.TrimPrefix(target, "!subteam^")))
		return `<span class="mention">@` + html.EscapeString(name) + `</span>`
	case strings.HasPrefix(target, "!date^"):
		return r.date(target, label)
	case strings.HasPrefix(target, "!"):
		return `<span class="mention">@` + html.EscapeString(strings.TrimPrefix(target, "!")) + `</span>`
	case strings.HasPrefix(target, "http://"), strings.HasPrefix(target, "https://"), strings.HasPrefix(target, "mailto:"):
		return `<a href="` + html.EscapeString(target) + `">` + html.EscapeString(or(label, target)) + `</a>`
	}
	return html.EscapeString("<" + in + ">")
}

// date renders <!date^unix^tokens|fallback> with Slack's tokens, in UTC.
func (r slackRenderer) date(target, fallback string) string {
	parts := strings.SplitN(target, "^", 4)
	if len(parts) < 3 {
		return html.EscapeString(fallback)
	}
	sec, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return html.EscapeString(fallback)
	}
	t := time.Unix(sec, 0).UTC()
	day := func(pretty bool, layout string) string {
		if pretty {
			switch y, m, d := t.Date(); {
			case r.sameDay(y, m, d, 0):
				return "Today"
			case r.sameDay(y, m, d, -1):
				return "Yesterday"
			case r.sameDay(y, m, d, 1):
				return "Tomorrow"
			}
		}
		return t.Format(layout)
	}
	out := strings.NewReplacer(
		"{date_num}", t.Format("2006-01-02"), "{date_short_pretty}", day(true, "Jan 2, 2006"),
		"{date_short}", day(false, "Jan 2, 2006"), "{date_long_pretty}", day(true, "Monday, January 2, 2006"),
		"{date_long}", day(false, "Monday, January 2, 2006"), "{date_pretty}", day(true, "January 2, 2006"),
		"{date}", day(false, "January 2, 2006"), "{time_secs}", t.Format("15:04:05"), "{time}", t.Format("15:04"),
	).Replace(parts[2])
	return fmt.Sprintf(`<time datetime="%s" title="Slack shows this in each reader's time zone; here in UTC">%s</time>`,
		t.Format(time.RFC3339), html.EscapeString(out))
}

func (r slackRenderer) sameDay(y int, m time.Month, d, offset int) bool {
	ry, rm, rd := r.now.UTC().AddDate(0, 0, offset).Date()
	return y == ry && m == rm && d == rd
}

var slackEmoji = regexp.MustCompile(`:[a-z0-9_+-]+:`)

// slackEmojis are the emoji codes tocsin posts, as Slack draws them.
var slackEmojis = map[string]string{
	"rotating_light": "🚨", "red_circle": "🔴", "large_orange_circle": "🟠", "large_yellow_circle": "🟡",
	"large_green_circle": "🟢", "white_circle": "⚪", "white_check_mark": "✅", "no_entry": "⛔", "x": "❌",
	"hourglass": "⌛", "warning": "⚠️", "raised_hand": "✋", "gear": "⚙️", "mega": "📣",
	"ballot_box_with_check": "☑️", "pushpin": "📌", "bar_chart": "📊", "pager": "📟",
}
