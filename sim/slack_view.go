package sim

import (
	"encoding/json"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// slackViewTemplate shows the workspace; html/template escapes everything posted.
var slackViewTemplate = template.Must(template.New("slack").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta http-equiv="refresh" content="2">
<title>tocsin · simulated Slack</title>
<style>
body{font-family:sans-serif;margin:1em 2em;color:#1d1c1d}
section{border:1px solid #ddd;border-radius:6px;margin:1em 0;padding:.5em 1em}
.meta{color:#616061;font-size:.85em}.msg{margin:.6em 0}.reply{margin-left:2em}
.blocks{white-space:pre-wrap;border-left:3px solid #ddd;padding-left:.6em;margin:.2em 0}
.deleted{text-decoration:line-through;color:#999}
</style></head><body>
<h1>Simulated Slack: {{.Team}}</h1>
{{if not .Channels}}<p>No channels yet.</p>{{end}}
{{range .Channels}}<section>
<h2>#{{.Name}}{{if .Private}} 🔒{{end}}{{if .Archived}} (archived){{end}}</h2>
<p class="meta">{{.ID}} · {{len .Members}} members{{if .Topic}} · topic: {{.Topic}}{{end}}{{if .Purpose}} · purpose: {{.Purpose}}{{end}}</p>
{{range .Bookmarks}}<p class="meta">🔖 <a href="{{.Link}}">{{.Title}}</a></p>{{end}}
{{range .Messages}}<div class="msg{{if .Reply}} reply{{end}}{{if .Deleted}} deleted{{end}}">
<span class="meta">{{.Time}} · {{.User}}{{if .Pinned}} · 📌{{end}}{{if .Edited}} · (edited){{end}}</span>
{{if .Text}}<div>{{.Text}}</div>{{end}}
{{if .Blocks}}<div class="blocks">{{.Blocks}}</div>{{end}}
{{range .Files}}<div class="meta">📎 {{.}}</div>{{end}}
{{if .Reactions}}<div class="meta">{{.Reactions}}</div>{{end}}
</div>{{end}}
</section>{{end}}
</body></html>
`))

type slackViewChannel struct {
	SlackChannel
	Messages []slackViewMessage
}

type slackViewMessage struct {
	Time, User, Text, Blocks, Reactions string
	Files                               []string
	Reply, Pinned, Edited, Deleted      bool
}

// ViewHandler renders the channels and their messages as HTML, newest last,
// refreshing every 2 seconds. The server also mounts it at /_sim/slack/.
func (s *Slack) ViewHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		data := struct {
			Team     string
			Channels []slackViewChannel
		}{Team: SlackTeamName, Channels: s.slackViewData()}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = slackViewTemplate.Execute(w, data)
	})
}

func (s *Slack) slackViewData() []slackViewChannel {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]slackViewChannel, 0, len(s.ws.channels))
	for _, c := range s.ws.channels {
		vc := slackViewChannel{SlackChannel: c.snapshot()}
		for _, m := range c.messages {
			vc.Messages = append(vc.Messages, s.slackViewMessage(m))
		}
		out = append(out, vc)
	}
	return out
}

func (s *Slack) slackViewMessage(m *SlackMessage) slackViewMessage {
	user := m.User
	if u, ok := s.ws.users[m.User]; ok {
		user = slackOr(u.RealName, u.Name)
	}
	v := slackViewMessage{
		Time: slackTSTime(m.TS).Format(time.TimeOnly), User: user, Text: m.Text,
		Blocks: strings.Join(SlackBlocksText(m.Blocks), "\n"), Reactions: strings.Join(m.Reactions, " "),
		Reply: m.ThreadTS != "" && m.ThreadTS != m.TS, Pinned: m.Pinned, Edited: m.Edited > 0, Deleted: m.Deleted,
	}
	for _, id := range m.Files {
		if up, ok := s.ws.uploads[id]; ok {
			v.Files = append(v.Files, up.file.Name)
		}
	}
	return v
}

// slackTSTime reads the time back out of a message ts.
func slackTSTime(ts string) time.Time {
	secs, frac, _ := strings.Cut(ts, ".")
	sec, _ := strconv.ParseInt(secs, 10, 64)
	us, _ := strconv.ParseInt(frac, 10, 64)
	return time.Unix(sec, us*1000)
}

// slackBlock holds the parts of a Block Kit block that carry readable text.
type slackBlock struct {
	Type      string            `json:"type"`
	Text      json.RawMessage   `json:"text"`
	Fields    []json.RawMessage `json:"fields"`
	Elements  []slackBlock      `json:"elements"`
	Accessory *slackBlock       `json:"accessory"`
	AltText   string            `json:"alt_text"`
}

// SlackBlocksText renders Block Kit blocks as plain lines: header, section and
// context text, section fields, button labels in brackets and images by alt text.
// It returns nil for blocks it cannot decode.
func SlackBlocksText(blocks json.RawMessage) []string {
	var bs []slackBlock
	if len(blocks) == 0 || json.Unmarshal(blocks, &bs) != nil {
		return nil
	}
	var lines []string
	for _, b := range bs {
		if line := b.plain(); line != "" {
			lines = append(lines, line)
		}
	}
	return lines
}

func (b slackBlock) plain() string {
	var parts []string
	add := func(p string) {
		if p != "" {
			parts = append(parts, p)
		}
	}
	switch b.Type {
	case "button":
		return "[" + slackTextOf(b.Text) + "]"
	case "image":
		return "[image: " + b.AltText + "]"
	case "divider":
		return "———"
	}
	add(slackTextOf(b.Text))
	for _, f := range b.Fields {
		add(slackTextOf(f))
	}
	for _, e := range b.Elements {
		add(e.plain())
	}
	if b.Accessory != nil {
		add(b.Accessory.plain())
	}
	return strings.Join(parts, " ")
}

// slackTextOf reads a text that is either a string or a text object {"text": ...}.
func slackTextOf(raw json.RawMessage) string {
	var str string
	if json.Unmarshal(raw, &str) == nil {
		return str
	}
	var obj struct {
		Text string `json:"text"`
	}
	_ = json.Unmarshal(raw, &obj)
	return obj.Text
}
